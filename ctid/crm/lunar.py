"""The Chinese lunar calendar (农历) for birthdays and holidays: a customer who keeps the lunar birthday
has it on another solar day every year, as 春节 and 中秋 are.

Pure, over ``lunardate`` (lunar years 1900 to 2099). Two choices where the calendar leaves one:

- someone born in a leap month (闰二月) has the birthday in the ordinary month of that number (二月) every
  year, also in a year that has the leap month again: the ordinary month comes first and is the one most
  families keep, and one date a year is what a reminder needs;
- lunar day 30 in a year whose month has 29 days falls on the 29th (the month's last day), as 29 February
  falls on the 28th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lunardate import LunarDate

FIRST_SOLAR = date(1900, 1, 31)  # lunar 1900-01-01, where lunardate starts
LAST_LUNAR_YEAR = 2099
_MONTHS = ("正月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "冬月", "腊月")
_DIGITS = "一二三四五六七八九十"


@dataclass(frozen=True)
class LunarDay:
    """A lunar month-day; ``leap`` when it is in the year's leap month (闰月)."""

    month: int
    day: int
    leap: bool = False

    def words(self) -> str:
        """How a Chinese calendar writes it: 八月十五, 正月初一, 闰二月三十, 腊月廿九."""
        return ("闰" if self.leap else "") + _MONTHS[self.month - 1] + _day_words(self.day)


def lunar_of(solar: date) -> LunarDay | None:
    """The lunar month-day of a solar date; None outside the calendar's years."""
    if solar < FIRST_SOLAR:
        return None
    try:
        lunar = LunarDate.from_solar_date(solar.year, solar.month, solar.day)
    except ValueError:
        return None
    return LunarDay(lunar.month, lunar.day, bool(lunar.is_leap_month))


def solar_of(lunar_year: int, month: int, day: int) -> date | None:
    """The solar date of a lunar month-day (the ordinary month) in a lunar year; day 30 of a 29-day month
    is its 29th. None outside the calendar's years."""
    for last in (day, day - 1) if day == 30 else (day,):
        try:
            found: date = LunarDate(lunar_year, month, last).to_solar_date()
        except ValueError:
            continue
        return found
    return None


def next_lunar_day(month: int, day: int, since: date) -> date | None:
    """The first solar date on or after ``since`` that is lunar ``month``/``day`` (leap months read as
    the ordinary month); None past the calendar's end. A lunar year starts in January or February, so
    the day falls in lunar year ``since.year - 1`` (a 腊月 day in January), ``since.year`` or the next."""
    for lunar_year in (since.year - 1, since.year, since.year + 1):
        if not 1900 <= lunar_year <= LAST_LUNAR_YEAR:
            continue
        found = solar_of(lunar_year, month, day)
        if found is not None and found >= since:
            return found
    return None


def next_lunar_birthday(birthday: date, since: date) -> date | None:
    """The first lunar birthday on or after ``since`` of someone born on the solar ``birthday``; None for
    a birth date the calendar does not cover (before 31 January 1900)."""
    born = lunar_of(birthday)
    if born is None:
        return None
    return next_lunar_day(born.month, born.day, since)


def birthday_words(birthday: date | None, lunar: bool) -> str | None:
    """A lunar birthday as a calendar writes it (八月十五; a leap month's as 闰二月初一, the month it is
    kept in being the ordinary one) for a customer who keeps it; else None."""
    if not lunar or birthday is None:
        return None
    found = lunar_of(birthday)
    return None if found is None else found.words()


def birth_dates_on(day: date, first_year: int = 1900) -> list[date]:
    """Every birth date (``first_year`` to ``day``) whose lunar birthday is ``day``, by the rules above:
    born on today's lunar month-day, in the ordinary or the leap month of that number, and on day 30
    when today is the 29th and last day of its month; none in a leap month. The start page asks the
    database for these, as it asks for the solar ones (an IN list on an index, not a scan)."""
    if day < FIRST_SOLAR:
        return []
    today = LunarDate.from_solar_date(day.year, day.month, day.day)
    if today.is_leap_month:
        return []
    days = [today.day]
    if today.day == 29 and solar_of(today.year, today.month, 30) == day:
        days.append(30)  # a 29-day month: those born on the 30th have it today
    found = []
    for lunar_year in range(max(first_year - 1, 1900), today.year + 1):
        leap = LunarDate.leap_month_for_year(lunar_year) == today.month
        for lunar_day in days:
            for in_leap in (False, True) if leap else (False,):
                try:
                    born: date = LunarDate(lunar_year, today.month, lunar_day, in_leap).to_solar_date()
                except ValueError:
                    continue  # no day 30 in that year's month
                if first_year <= born.year and born <= day:
                    found.append(born)
    return sorted(found)


def _day_words(day: int) -> str:
    if day <= 10:
        return "初" + _DIGITS[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + _DIGITS[day - 21]
    return "三十"
