"""What an attempt's result means, beyond the attempt: the result of a dial from the line's events, the
results an operator may give, and what each does to the contact, the reminder item it works and the
customer's opt-outs. Pure: one table that the runner (the modem's results), the consoles (the operator's
wrap-up) and a broadcast (the DTMF answers) all go through, so a result means the same whoever gives it.

- confirmed: the reminder item is booked; a contact without an item gets a call back instead (the
  customer said yes to something someone must now arrange);
- call back: at the time given (or after the campaign's call-back delay), for the operator or anyone;
- opted out: the customer refuses calls of the contact type (the CRM's opt-outs), the item declined;
- busy, no answer, no carrier: the item's unanswered attempt (the worklist's retry rule counts it);
- the line's faults, a lost attempt, a skipped card: nothing for the item (nobody was called).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from ctid.dialer.models import AttemptResult
from ctid.dialer.retry import RetryRules
from ctid.reminders.models import Outcome
from ctid.voicecard.events import CallOutcome

OF_CALL: Mapping[CallOutcome, AttemptResult] = MappingProxyType(
    {
        "connected": AttemptResult.ANSWERED,  # OK/VCON/CONNECT: answered (or handed to the handset)
        "busy": AttemptResult.BUSY,
        "no answer": AttemptResult.NO_ANSWER,
        "no carrier": AttemptResult.NO_CARRIER,
        "no dial tone": AttemptResult.NO_DIALTONE,
        "error": AttemptResult.FAILED,
        "cancelled": AttemptResult.NO_ANSWER,  # hung up while it rang out: nobody answered
    }
)
"""A campaign call's result from its ``CallEnded.outcome`` (an outbound call's; anything else is lost)."""

OPERATOR_RESULTS = frozenset(
    {
        AttemptResult.ANSWERED,  # spoken to, nothing more
        AttemptResult.CONFIRMED,
        AttemptResult.CALL_BACK,
        AttemptResult.DECLINED,
        AttemptResult.WRONG_NUMBER,
        AttemptResult.OPTED_OUT,
        AttemptResult.NO_ANSWER,  # the handset heard it ring out (the modem only dialled)
        AttemptResult.BUSY,
    }
)
"""What an operator may give an attempt from the wrap-up list."""

ITEM_OUTCOMES: Mapping[AttemptResult, Outcome] = MappingProxyType(
    {
        AttemptResult.ANSWERED: Outcome.REACHED,
        AttemptResult.CONFIRMED: Outcome.BOOKED,
        AttemptResult.CALL_BACK: Outcome.CALL_BACK,
        AttemptResult.DECLINED: Outcome.DECLINED,
        AttemptResult.OPTED_OUT: Outcome.DECLINED,
        AttemptResult.WRONG_NUMBER: Outcome.WRONG_NUMBER,
        AttemptResult.BUSY: Outcome.NO_ANSWER,
        AttemptResult.NO_ANSWER: Outcome.NO_ANSWER,
        AttemptResult.NO_CARRIER: Outcome.NO_ANSWER,
    }
)


@dataclass(frozen=True)
class Consequences:
    """``settle_as``: the result the contact is settled by (``retry.after_attempt``); ``call_back_at`` its
    call back's time; ``item_outcome`` the reminder item's (None: leave the item); ``opt_out`` whether the
    customer opts out of what the call was about."""

    settle_as: AttemptResult
    call_back_at: datetime | None
    item_outcome: Outcome | None
    opt_out: bool


def consequences(
    result: AttemptResult,
    *,
    has_item: bool,
    at: datetime,
    rules: RetryRules,
    call_back_at: datetime | None = None,
    wrapped: bool = True,
) -> Consequences:
    """``wrapped`` False: the modem's "answered" in a mode where an operator's result follows, so the item
    waits for it. A call back's time before ``at`` is ``at``."""
    settle_as = result
    if result == AttemptResult.CONFIRMED and not has_item:
        settle_as = AttemptResult.CALL_BACK  # yes to something nobody booked yet: someone calls back
    when = None
    if settle_as == AttemptResult.CALL_BACK:
        delay = rules.delays.get(AttemptResult.CALL_BACK, timedelta(hours=1))
        when = at + delay if call_back_at is None else max(call_back_at, at)
    outcome = ITEM_OUTCOMES.get(result) if has_item and wrapped else None
    return Consequences(settle_as, when, outcome, result == AttemptResult.OPTED_OUT)
