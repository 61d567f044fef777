"""When a preset sent by itself (the SMS templates page's switch) sends an open item: once its due date is
within the preset's lead days (``ctid.reminders.schedule.preset_sends_on``), pure."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ctid.reminders.schedule import preset_sends_on

DUE = date(2027, 1, 21)


def test_an_item_built_at_t45_waits_for_a_30_day_preset() -> None:
    assert not preset_sends_on(DUE, DUE - timedelta(days=45), 30)
    assert not preset_sends_on(DUE, DUE - timedelta(days=31), 30)
    assert preset_sends_on(DUE, DUE - timedelta(days=30), 30)
    assert preset_sends_on(DUE, DUE - timedelta(days=29), 30), "a day missed (the box off) sends late"


def test_zero_lead_days_is_the_due_day_and_after() -> None:
    assert not preset_sends_on(DUE, DUE - timedelta(days=1), 0)
    assert preset_sends_on(DUE, DUE, 0)
    assert preset_sends_on(DUE, DUE + timedelta(days=2), 0), "past the due date, until the item expires"


def test_a_preset_without_lead_days_sends_on_the_contact_day() -> None:
    assert preset_sends_on(DUE, DUE - timedelta(days=90), None)


@given(st.dates(), st.integers(-400, 400), st.integers(0, 366))
def test_it_sends_exactly_when_the_due_date_is_within_the_lead_days(
    day: date, ahead: int, lead_days: int
) -> None:
    try:
        due_on = day + timedelta(days=ahead)
    except OverflowError:
        return
    assert preset_sends_on(due_on, day, lead_days) == (ahead <= lead_days)
    if preset_sends_on(due_on, day, lead_days) and day < date.max:
        assert preset_sends_on(due_on, day + timedelta(days=1), lead_days), "once due, it stays due"
