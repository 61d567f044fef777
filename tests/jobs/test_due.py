"""When a daily job is due and whether a start catches it up: pure decisions on fixed clocks."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ctid.jobs.due import last_due, missed, next_due

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
THREE = time(3, 0)


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc,arg-type]


def test_the_last_and_next_due_times_around_the_hour() -> None:
    before = shanghai(2026, 12, 7, 2, 59)
    assert last_due(THREE, SHANGHAI, before) == shanghai(2026, 12, 6, 3, 0)
    assert next_due(THREE, SHANGHAI, before) == shanghai(2026, 12, 7, 3, 0)
    on_time = shanghai(2026, 12, 7, 3, 0)
    assert last_due(THREE, SHANGHAI, on_time) == on_time, "due at the very minute"
    assert next_due(THREE, SHANGHAI, on_time) == shanghai(2026, 12, 8, 3, 0)
    utc = datetime(2026, 12, 6, 19, 30, tzinfo=UTC)  # 03:30 on the 7th in Shanghai: the shop's day counts
    assert last_due(THREE, SHANGHAI, utc) == shanghai(2026, 12, 7, 3, 0)


def test_a_box_that_was_off_at_the_hour_catches_up_and_one_that_ran_does_not() -> None:
    ran_yesterday = shanghai(2026, 12, 6, 3, 0, 5)
    assert missed(ran_yesterday, THREE, SHANGHAI, shanghai(2026, 12, 7, 9, 0)), "off at 03:00 today"
    assert not missed(ran_yesterday, THREE, SHANGHAI, shanghai(2026, 12, 7, 2, 0)), "today's is still to come"
    assert not missed(shanghai(2026, 12, 7, 3, 0), THREE, SHANGHAI, shanghai(2026, 12, 7, 9, 0))
    caught_up = shanghai(2026, 12, 6, 10, 5)  # yesterday's catch-up, after yesterday's 03:00
    assert missed(caught_up, THREE, SHANGHAI, shanghai(2026, 12, 7, 9, 0)), "a day ago, but before 03:00"
    assert missed(None, THREE, SHANGHAI, shanghai(2026, 12, 7, 9, 0)), "never ran"


def test_the_days_the_clock_jumps() -> None:
    spring = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)  # 02:00 -> 03:00: 02:30 does not exist that day
    assert next_due(time(2, 30), NEW_YORK, spring) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT
    autumn = datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK)  # 02:00 -> 01:00: 01:30 comes twice
    assert next_due(time(1, 30), NEW_YORK, autumn) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first


zones = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"])
instants = st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC))


@given(zones, instants, st.times())
def test_every_moment_lies_between_its_last_and_next_due_time(zone: str, now: datetime, at: time) -> None:
    shop, at = ZoneInfo(zone), at.replace(second=0, microsecond=0)
    last, following = last_due(at, shop, now), next_due(at, shop, now)
    assert last <= now < following
    assert timedelta(hours=23) <= following - last <= timedelta(hours=25)
    assert not missed(last, at, shop, now) and missed(last - timedelta(microseconds=1), at, shop, now)
    assert not missed(now, at, shop, now)
