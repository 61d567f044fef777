"""What an outcome does to an item (ctid.reminders.outcomes, pure): done, back after the retry days until
the attempts are spent, a call back on its site day, a snooze; a closed item takes only a note."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ctid.core.errors import Conflict, ValidationError
from ctid.reminders.item_models import ItemChange, ReminderItem
from ctid.reminders.models import Channel, ItemStatus, Outcome, ReminderType
from ctid.reminders.outcomes import Retry, applied

SHOP = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)  # 00:30 on the 8th in Shanghai: the shop's day is the 8th
ITEM = ReminderItem(
    id=1, branch_id=1, customer_id=7, customer_name="王伟", vehicle_id=3, plate="粤A12345",
    type=ReminderType.INSURANCE, rule_id=None, subject="vehicle:3", due_on=date(2027, 1, 6), step=1,
    contact_on=date(2026, 12, 8), expires_on=date(2026, 12, 20), contact_key="7:2026-12-08",
    channel=Channel.PHONE, status=ItemStatus.OPEN, assignee_id=None, outcome=None, note="",
    snoozed_until=None, call_back_at=None, attempts=0, appointment_id=None, created_at=NOW, updated_at=NOW,
)  # fmt: skip


@pytest.mark.parametrize("outcome", [Outcome.REACHED, Outcome.DECLINED, Outcome.WRONG_NUMBER, Outcome.SENT])
def test_a_final_outcome_closes_the_item(outcome: Outcome) -> None:
    values = applied(ITEM, ItemChange(outcome=outcome), NOW, SHOP, Retry())
    assert (values["status"], values["outcome"]) == ("done", outcome.value)


def test_no_answer_comes_back_in_site_days_until_the_attempts_are_spent() -> None:
    retry = Retry(after_days=2, attempts=3)
    first = applied(ITEM, ItemChange(outcome=Outcome.NO_ANSWER), NOW, SHOP, retry)
    assert (first["status"], first["attempts"], first["contact_on"]) == ("open", 1, date(2026, 12, 10))
    assert first["contact_key"] == "7:2026-12-10"
    third = applied(replace(ITEM, attempts=2), ItemChange(outcome=Outcome.NO_ANSWER), NOW, SHOP, retry)
    assert (third["status"], third["attempts"], third["outcome"]) == ("done", 3, "no_answer")


def test_no_answer_past_the_expiry_is_done() -> None:
    late = replace(ITEM, expires_on=date(2026, 12, 9))
    values = applied(late, ItemChange(outcome=Outcome.NO_ANSWER), NOW, SHOP, Retry(after_days=2))
    assert values["status"] == "done"


def test_a_call_back_and_a_snooze_move_the_day_and_the_expiry() -> None:
    at = datetime(2026, 12, 24, 16, 30, tzinfo=UTC)  # the 25th in Shanghai, after the expiry
    back = applied(ITEM, ItemChange(outcome=Outcome.CALL_BACK, call_back_at=at), NOW, SHOP, Retry())
    assert (back["status"], back["contact_on"], back["expires_on"]) == (
        "open",
        date(2026, 12, 25),
        date(2026, 12, 25),
    )
    snoozed = applied(ITEM, ItemChange(snoozed_until=date(2026, 12, 9)), NOW, SHOP, Retry())
    assert (snoozed["status"], snoozed["contact_on"], snoozed["expires_on"]) == (
        "snoozed",
        date(2026, 12, 9),
        date(2026, 12, 20),
    )
    with pytest.raises(ValidationError) as refused:
        applied(ITEM, ItemChange(snoozed_until=date(2026, 12, 8)), NOW, SHOP, Retry())  # today in Shanghai
    assert refused.value.field == "snoozed_until"


@pytest.mark.parametrize("status", [ItemStatus.DONE, ItemStatus.EXPIRED])
def test_a_closed_item_takes_a_note_only(status: ItemStatus) -> None:
    closed = replace(ITEM, status=status, outcome=Outcome.REACHED)
    assert applied(closed, ItemChange(note="补充"), NOW, SHOP, Retry()) == {"note": "补充"}
    with pytest.raises(Conflict):
        applied(closed, ItemChange(outcome=Outcome.BOOKED), NOW, SHOP, Retry())
