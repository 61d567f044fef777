"""The lunar calendar's conversions for birthdays and holidays: round trips, leap months, day 30."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ctid.crm.lunar import LunarDay, birth_dates_on, lunar_of, next_lunar_birthday, next_lunar_day, solar_of

_DAYS = st.dates(date(1901, 3, 1), date(2098, 12, 31))


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DAYS)
def test_a_solar_date_in_an_ordinary_month_is_its_lunar_days_next_occurrence(day: date) -> None:
    lunar = lunar_of(day)
    assert lunar is not None
    if not lunar.leap:
        assert next_lunar_day(lunar.month, lunar.day, day) == day


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DAYS, _DAYS)
def test_a_lunar_birthday_is_on_or_after_the_day_asked_on_its_lunar_day(born: date, since: date) -> None:
    found = next_lunar_birthday(born, since)
    assert found is not None and found >= since
    was, now = lunar_of(born), lunar_of(found)
    assert was is not None and now is not None and not now.leap
    assert now.month == was.month
    assert now.day == was.day or (was.day == 30 and now.day == 29)
    assert (found - since).days < 390, "within a lunar year (and a leap month) of the day asked"


def test_the_words_a_chinese_calendar_writes() -> None:
    assert lunar_of(date(1990, 10, 3)) == LunarDay(8, 15)
    assert LunarDay(8, 15).words() == "八月十五"
    assert LunarDay(1, 1).words() == "正月初一"
    assert LunarDay(2, 30, leap=True).words() == "闰二月三十"
    assert LunarDay(12, 29).words() == "腊月廿九"
    assert LunarDay(11, 20).words() == "冬月二十"
    assert LunarDay(10, 10).words() == "十月初十"
    assert LunarDay(3, 11).words() == "三月十一"


def test_outside_the_calendar_there_is_no_answer() -> None:
    assert lunar_of(date(1900, 1, 30)) is None
    assert lunar_of(date(1900, 1, 31)) == LunarDay(1, 1)
    assert solar_of(2100, 1, 1) is None
    assert next_lunar_day(1, 1, date(2100, 2, 1)) is None
    assert solar_of(2024, 12, 30) == date(2025, 1, 28), "lunar 2024's 腊月 has 29 days"


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DAYS, _DAYS)
def test_the_birth_dates_asked_for_on_a_day_are_those_whose_lunar_birthday_it_is(
    born: date, since: date
) -> None:
    birthday = next_lunar_birthday(born, since)
    assert birthday is not None
    found = birth_dates_on(birthday)
    if born <= birthday:
        assert born in found
    assert all(next_lunar_birthday(b, birthday) == birthday for b in found)


def test_the_birth_dates_of_a_day_at_a_29_day_months_end_and_in_a_leap_month() -> None:
    # 除夕 2025 (28 January, 腊月廿九 of a 29-day month): born on 腊月廿九 or 三十 of any year
    found = birth_dates_on(date(2025, 1, 28), first_year=2020)
    assert date(2024, 2, 9) in found and date(2024, 2, 8) in found, "腊月三十 and 廿九 of lunar 2023"
    assert date(2021, 2, 11) in found and date(2021, 2, 10) in found
    # 二月初一 2024 (10 March): born on 二月初一 of 2023 and on 闰二月初一 of 2023
    assert {date(2023, 2, 20), date(2023, 3, 22)} <= set(birth_dates_on(date(2024, 3, 10), first_year=2020))
    assert birth_dates_on(date(2023, 3, 22)) == [], "闰二月: nobody's lunar birthday is in a leap month"
