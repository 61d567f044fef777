"""Which dates the start page asks the database for: pure, so the rules are those of the card
(ctid.crm.due_dates) and are tested without a database.

A birthday is "today" when its next occurrence (ctid.crm.due_dates.next_birthday) is today. Rather than
compute that for every customer (a scan of a million rows), the page asks for the birth dates that have
their birthday today: one per birth year, plus 29 February of the leap years on 28 February of a common
year. An index on ``(branch_id, birthday)`` answers that IN list with one probe per date.
"""

from __future__ import annotations

from calendar import isleap
from datetime import date, timedelta

from ctid.crm.due_dates import VEHICLE_HORIZON_DAYS

FIRST_BIRTH_YEAR = 1900
OVERDUE_DAYS = 30  # the start page lists what fell due in the last 30 days; older is the campaigns' work


def birth_dates_today(today: date, first_year: int = FIRST_BIRTH_YEAR) -> list[date]:
    """Every birth date (from ``first_year`` to today) whose birthday is ``today``."""
    found = []
    for year in range(first_year, today.year + 1):
        if today.month == 2 and today.day == 29 and not isleap(year):
            continue  # born on 28 February: their birthday was yesterday
        found.append(today.replace(year=year))
        if (today.month, today.day) == (2, 28) and not isleap(today.year) and isleap(year):
            found.append(date(year, 2, 29))
    return found


def due_window(today: date) -> tuple[date, date]:
    """The due dates the start page lists: overdue by up to OVERDUE_DAYS, or due within the card's horizon."""
    return today - timedelta(days=OVERDUE_DAYS), today + timedelta(days=VEHICLE_HORIZON_DAYS)
