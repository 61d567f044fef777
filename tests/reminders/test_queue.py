"""The queue's pure decisions (ctid.reminders.queue): which days a build covers, which due dates it looks
for (anniversaries, 29 February), what is skipped, and a customer's items of a day as one contact."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ctid.reminders.inspection import DEFAULT_INSPECTION_RULES
from ctid.reminders.models import Due, ReminderType
from ctid.reminders.queue import (
    Found,
    Known,
    anniversaries,
    days_to_build,
    inspection_months,
    item_rows,
    one_contact,
    step_on,
    target_dates,
    wanted,
)
from ctid.reminders.settings import DEFAULT_SETTINGS, AssigneeRule

INSURANCE = DEFAULT_SETTINGS[ReminderType.INSURANCE]  # leads 45, 30, 15
NOW = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def test_a_build_covers_today_and_after_days_off_the_days_missed() -> None:
    today = date(2026, 12, 7)
    assert days_to_build(None, today) == [today]
    assert days_to_build(today, today) == [today]
    assert days_to_build(date(2026, 12, 4), today) == [date(2026, 12, 5), date(2026, 12, 6), today]
    assert len(days_to_build(date(2026, 1, 1), today)) == 14, "two weeks at most"
    assert days_to_build(date(2026, 12, 31), today) == [today], "a later day built by hand"


def test_the_due_dates_looked_for_are_the_days_plus_each_lead() -> None:
    found = target_dates([date(2026, 12, 7)], INSURANCE)
    assert found == {date(2027, 1, 21): date(2026, 12, 7), date(2027, 1, 6): date(2026, 12, 7),
                     date(2026, 12, 22): date(2026, 12, 7)}  # fmt: skip
    assert step_on(date(2027, 1, 21), date(2026, 12, 7), INSURANCE) == 0
    assert step_on(date(2026, 12, 22), date(2026, 12, 7), INSURANCE) == 2
    assert step_on(date(2026, 12, 23), date(2026, 12, 7), INSURANCE) is None


def test_anniversaries_and_29_february() -> None:
    assert anniversaries(date(2026, 3, 1), 2023) == [date(y, 3, 1) for y in (2023, 2024, 2025, 2026)]
    common = anniversaries(date(2027, 2, 28), 2023)
    assert date(2024, 2, 29) in common and date(2024, 2, 28) in common and len(common) == 6
    leap = anniversaries(date(2028, 2, 29), 2023)
    assert leap == [date(2024, 2, 29), date(2028, 2, 29)]
    assert anniversaries(date(2028, 2, 28), 2027) == [date(2027, 2, 28), date(2028, 2, 28)]


def _found(
    customer: int, type_: ReminderType, user: int | None = None, day: date = date(2026, 12, 7)
) -> Found:
    due = Due(type_, customer, 9, date(2027, 1, 6), "vehicle:9")
    return Found(due, 1, 1, day, customer_user_id=user, advisor_user_id=None)


def test_opt_outs_contacts_and_settled_things_are_skipped() -> None:
    found = _found(7, ReminderType.INSURANCE)
    assert wanted(found, Known(), INSURANCE)
    assert not wanted(found, Known(opted_out=frozenset({7})), INSURANCE)
    assert not wanted(found, Known(contacted=frozenset({7})), INSURANCE)
    assert not wanted(found, Known(settled=frozenset({("vehicle:9", date(2027, 1, 6))})), INSURANCE)
    no_window = DEFAULT_SETTINGS[ReminderType.BIRTHDAY]
    assert no_window.contacted_window_days == 0
    assert wanted(found, Known(contacted=frozenset({7})), no_window)


def test_a_customers_items_of_a_day_are_one_contact_with_one_assignee() -> None:
    birthday = DEFAULT_SETTINGS[ReminderType.BIRTHDAY]
    assert birthday.assignee == AssigneeRule.CUSTOMER_USER
    rows = item_rows([_found(7, ReminderType.INSURANCE)], INSURANCE, NOW)
    rows += item_rows([_found(7, ReminderType.BIRTHDAY, user=42)], birthday, NOW)
    rows += item_rows([_found(8, ReminderType.INSURANCE)], INSURANCE, NOW)
    rows += item_rows([_found(7, ReminderType.INSURANCE, day=date(2026, 12, 8))], INSURANCE, NOW)
    grouped = one_contact(rows)
    assert [r["contact_key"] for r in grouped] == [
        "7:2026-12-07",
        "7:2026-12-07",
        "8:2026-12-07",
        "7:2026-12-08",
    ]
    assert [r["assignee_id"] for r in grouped] == [42, 42, None, None]
    first = grouped[0]
    assert (first["type"], first["step"], first["status"], first["channel"]) == (
        "insurance",
        1,
        "open",
        "phone",
    )
    assert first["expires_on"] == date(2027, 2, 5)  # the due date + 30 days


def test_the_months_a_car_was_registered_in_to_be_inspected_on_a_months_end() -> None:
    months = inspection_months([date(2026, 12, 31), date(2026, 12, 30)], DEFAULT_INSPECTION_RULES)
    assert (date(2024, 12, 1), date(2024, 12, 31)) in months  # year 2
    assert (date(2020, 12, 1), date(2020, 12, 31)) in months  # year 6
    assert (date(2023, 12, 1), date(2023, 12, 31)) not in months  # year 3: exempt
    assert (date(2011, 6, 1), date(2011, 6, 30)) in months  # after 15 years, every 6 months
    assert inspection_months([date(2026, 12, 30)], DEFAULT_INSPECTION_RULES) == []
