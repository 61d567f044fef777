"""What an attempt's result does to its contact: done, or dialled again after the result's delay, until the
campaign's attempts are used up. Pure.

The line's own faults (no dial tone, a refused dial) use up no attempt: the contact is not to blame, and a
dead line must not burn through a campaign's list (the line leaves the campaign instead: ``ctid.dialer
.line_health``). An attempt the daemon lost (``UNKNOWN``: in flight at a crash) counts, and waits its delay,
so a restart never dials anyone twice in a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from ctid.dialer.models import FINAL_RESULTS, LINE_FAULTS, AttemptResult, ContactStatus

DEFAULT_DELAYS: Mapping[AttemptResult, timedelta] = MappingProxyType(
    {
        AttemptResult.BUSY: timedelta(minutes=10),  # on the phone now: soon, not at once
        AttemptResult.NO_ANSWER: timedelta(hours=2),  # out: later in the day
        AttemptResult.NO_CARRIER: timedelta(minutes=30),  # hung up or dropped as it rang
        AttemptResult.NO_DIALTONE: timedelta(minutes=1),  # another line, soon
        AttemptResult.FAILED: timedelta(minutes=1),
        AttemptResult.UNKNOWN: timedelta(hours=1),  # lost in a crash: maybe it rang
        AttemptResult.SKIPPED: timedelta(hours=4),  # an operator skipped the card: later, not never
        AttemptResult.CALL_BACK: timedelta(hours=1),  # DTMF 2 with no time given
    }
)


@dataclass(frozen=True)
class RetryRules:
    max_attempts: int = 3
    delays: Mapping[AttemptResult, timedelta] = field(default_factory=lambda: DEFAULT_DELAYS)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("a campaign makes at least one attempt")


@dataclass(frozen=True)
class AfterAttempt:
    """The contact after an attempt: its status, how many attempts count, when it may be dialled again."""

    status: ContactStatus
    attempts: int
    next_try_at: datetime | None


def after_attempt(
    result: AttemptResult,
    attempts: int,
    ended_at: datetime,
    rules: RetryRules,
    call_back_at: datetime | None = None,
) -> AfterAttempt:
    """``attempts`` counted before this one. A call back at a time given comes back then, attempts or not
    (the customer asked for it)."""
    if result in FINAL_RESULTS:
        return AfterAttempt(ContactStatus.DONE, attempts + 1, None)
    counted = attempts if result in LINE_FAULTS else attempts + 1
    if result == AttemptResult.CALL_BACK and call_back_at is not None:
        return AfterAttempt(ContactStatus.PENDING, counted, max(call_back_at, ended_at))
    if counted >= rules.max_attempts:
        return AfterAttempt(ContactStatus.DONE, counted, None)
    delay = rules.delays.get(result, DEFAULT_DELAYS.get(result, timedelta(hours=1)))
    return AfterAttempt(ContactStatus.PENDING, counted, ended_at + delay)
