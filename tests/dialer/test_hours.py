"""Calling hours (ctid.dialer.hours) with the statutory table (ctid.dialer.statutory): weekdays, windows,
statutory holidays and adjusted working days, the site's days off, and the next moment calls may start."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.dialer.hours import CallingHours, DayKind, closed_at, next_open, ordinary
from ctid.dialer.models import WhyNot
from ctid.dialer.statutory import covered_until, day_kind

SHOP = ZoneInfo("Asia/Shanghai")
HOURS = CallingHours()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHOP)


def _adjusted_working_day(year: int) -> date:
    day = date(year, 1, 1)
    while not (day.weekday() >= 5 and chinese_calendar.is_workday(day)):
        day += timedelta(days=1)
    return day


def test_a_weekday_within_a_window_is_open_and_lunch_is_not() -> None:
    monday = date(2026, 12, 7)
    assert closed_at(at(monday, 9), HOURS, day_kind) is None
    assert closed_at(at(monday, 11, 59), HOURS, day_kind) is None
    assert closed_at(at(monday, 12), HOURS, day_kind) == WhyNot.OUTSIDE_HOURS  # a window's end is out
    assert closed_at(at(monday, 13, 30), HOURS, day_kind) == WhyNot.OUTSIDE_HOURS
    assert closed_at(at(monday, 8, 59), HOURS, day_kind) == WhyNot.OUTSIDE_HOURS
    assert closed_at(at(monday, 18), HOURS, day_kind) == WhyNot.OUTSIDE_HOURS


def test_statutory_holidays_close_a_weekday_and_adjusted_days_open_a_weekend() -> None:
    national_day = date(2026, 10, 1)  # a Thursday
    assert day_kind(national_day) == DayKind.HOLIDAY
    assert closed_at(at(national_day, 10), HOURS, day_kind) == WhyNot.DAY_OFF
    assert closed_at(at(national_day, 10), CallingHours(statutory=False), day_kind) is None
    weekend_worked = _adjusted_working_day(2026)
    assert day_kind(weekend_worked) == DayKind.WORKDAY
    assert closed_at(at(weekend_worked, 10), HOURS, day_kind) is None
    assert closed_at(at(weekend_worked, 10), CallingHours(statutory=False), day_kind) == WhyNot.OUTSIDE_HOURS


def test_saturdays_when_the_shop_calls_on_them_and_its_own_days_off() -> None:
    saturday = date(2026, 12, 12)
    six_days = CallingHours(weekdays=frozenset(range(6)))
    assert closed_at(at(saturday, 10), HOURS, day_kind) == WhyNot.OUTSIDE_HOURS
    assert closed_at(at(saturday, 10), six_days, day_kind) is None
    stocktake = CallingHours(days_off=frozenset({date(2026, 12, 8)}))
    assert closed_at(at(date(2026, 12, 8), 10), stocktake, day_kind) == WhyNot.DAY_OFF


def test_a_year_the_table_does_not_cover_counts_by_weekdays() -> None:
    beyond = date(covered_until().year + 1, 3, 2)
    assert day_kind(beyond) == DayKind.UNKNOWN
    expected = None if beyond.weekday() < 5 else WhyNot.OUTSIDE_HOURS
    assert closed_at(at(beyond, 10), HOURS, day_kind) == expected


def test_the_next_opening() -> None:
    friday_evening = at(date(2026, 12, 11), 18, 30)
    assert next_open(friday_evening, HOURS, day_kind) == at(date(2026, 12, 14), 9)
    lunch = at(date(2026, 12, 14), 12, 5)
    assert next_open(lunch, HOURS, day_kind) == at(date(2026, 12, 14), 14)
    open_now = at(date(2026, 12, 14), 10, 17)
    assert next_open(open_now, HOURS, day_kind) == open_now
    before_national_day = at(date(2026, 9, 30), 18, 1)
    assert next_open(before_national_day, HOURS, day_kind) > at(date(2026, 10, 7), 23)  # the golden week
    assert next_open(friday_evening, CallingHours(weekdays=frozenset()), ordinary) is None


def test_a_window_must_end_after_it_starts() -> None:
    try:
        CallingHours(windows=((time(14), time(9)),))
    except ValueError as error:
        assert "14:00:00-09:00:00" in str(error)
    else:
        raise AssertionError("a backwards window was accepted")


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)).map(
    lambda naive: naive.replace(tzinfo=SHOP)
)
weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)


@settings(deadline=None)  # pure and quick alone; a loaded CI box must not fail it on time
@given(moments, weekday_sets, st.booleans())
def test_next_open_is_open_and_nothing_before_it_is(
    local: datetime, weekdays: frozenset[int], statutory: bool
) -> None:
    hours = CallingHours(weekdays=weekdays, statutory=statutory)
    found = next_open(local, hours, day_kind)
    assert found is not None and found >= local
    assert closed_at(found, hours, day_kind) is None
    probe = local
    while probe < found:  # every quarter hour before it is closed
        assert closed_at(probe, hours, day_kind) is not None, probe
        probe += timedelta(minutes=15)
