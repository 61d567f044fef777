"""What a result means beyond its attempt (ctid.dialer.results): pure, so each rule is checked directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ctid.dialer.models import AttemptResult
from ctid.dialer.results import OF_CALL, OPERATOR_RESULTS, consequences
from ctid.dialer.retry import RetryRules
from ctid.reminders.models import Outcome

AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
RULES = RetryRules()


def test_every_ending_of_an_outbound_call_has_a_result() -> None:
    assert OF_CALL["connected"] == AttemptResult.ANSWERED
    assert OF_CALL["no dial tone"] == AttemptResult.NO_DIALTONE and OF_CALL["error"] == AttemptResult.FAILED
    assert {"busy", "no answer", "no carrier", "cancelled"} <= set(OF_CALL)


def test_confirmed_books_the_item_or_without_one_asks_for_a_call_back() -> None:
    booked = consequences(AttemptResult.CONFIRMED, has_item=True, at=AT, rules=RULES)
    assert (booked.settle_as, booked.item_outcome, booked.call_back_at) == (
        AttemptResult.CONFIRMED, Outcome.BOOKED, None,
    )  # fmt: skip
    called = consequences(AttemptResult.CONFIRMED, has_item=False, at=AT, rules=RULES)
    assert called.settle_as == AttemptResult.CALL_BACK and called.item_outcome is None
    assert called.call_back_at == AT + RULES.delays[AttemptResult.CALL_BACK]


def test_a_call_back_at_a_time_never_before_now() -> None:
    later = AT + timedelta(days=1)
    assert consequences(AttemptResult.CALL_BACK, has_item=True, at=AT, rules=RULES, call_back_at=later) \
        .call_back_at == later  # fmt: skip
    past = consequences(
        AttemptResult.CALL_BACK, has_item=True, at=AT, rules=RULES, call_back_at=AT - timedelta(1)
    )
    assert past.call_back_at == AT and past.item_outcome == Outcome.CALL_BACK


def test_an_opt_out_declines_the_item_and_opts_the_customer_out() -> None:
    opted = consequences(AttemptResult.OPTED_OUT, has_item=True, at=AT, rules=RULES)
    assert opted.opt_out and opted.item_outcome == Outcome.DECLINED


@pytest.mark.parametrize("result", [AttemptResult.BUSY, AttemptResult.NO_ANSWER, AttemptResult.NO_CARRIER])
def test_unanswered_is_the_items_unanswered_attempt(result: AttemptResult) -> None:
    assert consequences(result, has_item=True, at=AT, rules=RULES).item_outcome == Outcome.NO_ANSWER


@pytest.mark.parametrize(
    "result", [AttemptResult.NO_DIALTONE, AttemptResult.FAILED, AttemptResult.UNKNOWN, AttemptResult.SKIPPED]
)
def test_nobody_called_leaves_the_item(result: AttemptResult) -> None:
    assert consequences(result, has_item=True, at=AT, rules=RULES).item_outcome is None


def test_the_modems_answer_waits_for_the_operators_result() -> None:
    waiting = consequences(AttemptResult.ANSWERED, has_item=True, at=AT, rules=RULES, wrapped=False)
    assert waiting.item_outcome is None
    assert (
        consequences(AttemptResult.ANSWERED, has_item=True, at=AT, rules=RULES).item_outcome
        == Outcome.REACHED
    )
    assert AttemptResult.UNKNOWN not in OPERATOR_RESULTS and AttemptResult.CONFIRMED in OPERATOR_RESULTS
