"""The workshop's day (ctid.reminders.slots, pure): slots from the plan's hours, a slot's room, the day
grid of the day view."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ctid.reminders.slots import SlotPlan, day_grid, hhmm, minutes_of, slot_of


def test_the_default_day_is_half_hours_from_half_past_eight_to_half_past_five() -> None:
    plan = SlotPlan()
    assert plan.slots[0] == "08:30" and plan.slots[-1] == "17:00" and len(plan.slots) == 18
    assert plan.slot_end("17:00") == "17:30" and plan.cars == 2
    assert (
        slot_of(plan, "09:00") == "09:00"
        and slot_of(plan, "09:10") is None
        and slot_of(plan, "17:30") is None
    )


def test_a_day_that_does_not_divide_into_slots_ends_with_the_last_whole_one() -> None:
    plan = SlotPlan("08:00", "12:10", 60, 1)
    assert plan.slots == ("08:00", "09:00", "10:00", "11:00")


@pytest.mark.parametrize(
    ("start", "end", "minutes", "cars"), [("08:30", "08:45", 30, 1), ("08:30", "17:30", 30, 0)]
)
def test_a_plan_without_a_slot_or_a_car_is_refused(start: str, end: str, minutes: int, cars: int) -> None:
    with pytest.raises(ValueError):
        SlotPlan(start, end, minutes, cars)


def test_room_never_goes_below_nothing() -> None:
    plan = SlotPlan(cars=2)
    assert [plan.free(n) for n in range(4)] == [2, 1, 0, 0]


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 23 * 60 + 59))
def test_a_time_of_day_reads_back(minutes: int) -> None:
    assert minutes_of(hhmm(minutes)) == minutes and len(hhmm(minutes)) == 5


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 20 * 60), st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90, 120, 240]), st.integers(1, 600)
)
def test_every_slot_ends_by_the_days_end_and_sorts_as_text(first: int, minutes: int, length: int) -> None:
    end = min(first + length, 24 * 60 - 1)
    if end - first < minutes:
        return
    plan = SlotPlan(hhmm(first), hhmm(end), minutes)
    assert list(plan.slots) == sorted(plan.slots) and plan.slots[0] == hhmm(first)
    assert minutes_of(plan.slots[-1]) + minutes <= end < minutes_of(plan.slots[-1]) + 2 * minutes


def test_the_day_grid_counts_each_advisors_slots_and_keeps_one_outside_the_hours() -> None:
    plan = SlotPlan("09:00", "11:00", 60, 2)
    grid = day_grid(plan, [7, 8], {(7, "09:00"): [1, 2], (8, "10:00"): [3], (8, "08:00"): [4]})
    assert [(c.slot, c.booked, c.free) for c in grid[7]] == [("09:00", (1, 2), 0), ("10:00", (), 2)]
    assert [(c.slot, c.booked, c.free) for c in grid[8]] == [
        ("08:00", (4,), 1),
        ("09:00", (), 2),
        ("10:00", (3,), 1),
    ]
