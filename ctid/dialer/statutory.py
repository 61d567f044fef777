"""The country's holidays and adjusted working days (法定节假日 and 调休), from the ``chinese-calendar``
package's table (kept up to date by its maintainers each year when the State Council publishes the next
year's arrangement: upgrading the package brings it).

A year the installed table does not cover is ``DayKind.UNKNOWN``: the weekdays decide, and the campaign page
says the table needs an upgrade.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import chinese_calendar

from ctid.dialer.hours import DayKind

SATURDAY = 5


@lru_cache(maxsize=1024)
def day_kind(day: date) -> DayKind:
    """What the statutory table says of ``day``."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
        working = chinese_calendar.is_workday(day)
    except NotImplementedError:  # "no available data for year 2027"
        return DayKind.UNKNOWN
    if holiday and name is not None:
        return DayKind.HOLIDAY
    if working and day.weekday() >= SATURDAY:
        return DayKind.WORKDAY
    return DayKind.ORDINARY


def covered_until() -> date:
    """The last day the installed table knows (its last year's 31 December)."""
    return date(max(year for year in _years()), 12, 31)


def _years() -> set[int]:
    return {day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays}
