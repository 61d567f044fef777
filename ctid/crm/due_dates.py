"""What is due for a customer, for the card: a pure function of the card's data and today's date.

Pure so that the rules are tested without a database and give the same answer in the pop, in the admin
pages and (later) in the reminder campaigns. The rules:

- an active vehicle's insurance expiry, annual inspection or next service is due when it falls within the
  next ``VEHICLE_HORIZON_DAYS`` days or is already overdue (an overdue date is the most urgent of all);
  sold and scrapped vehicles are not reminded;
- a birthday is due when its next occurrence (today included) is within ``BIRTHDAY_HORIZON_DAYS`` days;
  someone born on 29 February has it on the 28th in other years; a customer who keeps the lunar birthday
  (农历生日) has it on the birth date's lunar month-day (ctid.crm.lunar).

Reminders come soonest first (overdue ones at the top).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ctid.crm.lunar import next_lunar_birthday
from ctid.crm.models import ContactType, DueReminder, ReminderKind, Vehicle, VehicleStatus

VEHICLE_HORIZON_DAYS = 30
BIRTHDAY_HORIZON_DAYS = 7
LISTED_OVERDUE_DAYS = 30  # the customer list's "due within N days" takes in what fell due this last month
MAX_WITHIN_DAYS = 366
_KIND_ORDER = {kind: i for i, kind in enumerate(ReminderKind)}


def due_reminders(
    vehicles: Iterable[Vehicle], birthday: date | None, today: date, lunar: bool = False
) -> tuple[DueReminder, ...]:
    """Every reminder due for these vehicles and this birthday (a lunar one if ``lunar``) on ``today``,
    soonest first."""
    found = [r for vehicle in vehicles for r in vehicle_reminders(vehicle, today)]
    if birthday is not None and (upcoming := birthday_reminder(birthday, today, lunar)) is not None:
        found.append(upcoming)
    return tuple(sorted(found, key=lambda r: (r.due_on, _KIND_ORDER[r.kind], r.plate or "")))


def call_about(due: Sequence[DueReminder]) -> ContactType | None:
    """What a call to the customer from their card is about: the soonest due reminder's contact type (a
    dial checks it against the customer's opt-outs, as the worklist's does), or None with nothing due."""
    return ContactType(due[0].kind.value) if due else None


def vehicle_reminders(vehicle: Vehicle, today: date) -> list[DueReminder]:
    if vehicle.status != VehicleStatus.ACTIVE:
        return []
    last_day = today + timedelta(days=VEHICLE_HORIZON_DAYS)
    dates = (
        (ReminderKind.INSURANCE, vehicle.insurance_expiry),
        (ReminderKind.INSPECTION, vehicle.inspection_due),
        (ReminderKind.MAINTENANCE, vehicle.next_service_due),
    )
    return [
        DueReminder(kind, due, vehicle.plate) for kind, due in dates if due is not None and due <= last_day
    ]


def birthday_reminder(birthday: date, today: date, lunar: bool = False) -> DueReminder | None:
    upcoming = upcoming_birthday(birthday, today, lunar)
    if upcoming is None or upcoming - today > timedelta(days=BIRTHDAY_HORIZON_DAYS):
        return None
    return DueReminder(ReminderKind.BIRTHDAY, upcoming, None)


def next_birthday(birthday: date, today: date) -> date:
    """The first birthday on or after ``today``."""
    this_year = _anniversary(birthday, today.year)
    return this_year if this_year >= today else _anniversary(birthday, today.year + 1)


def upcoming_birthday(birthday: date, today: date, lunar: bool = False) -> date | None:
    """The first birthday on or after ``today``, solar or lunar; None for a lunar one the calendar does not
    cover (born before 1900)."""
    return next_lunar_birthday(birthday, today) if lunar else next_birthday(birthday, today)


def _anniversary(birthday: date, year: int) -> date:
    try:
        return birthday.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)


def vehicle_window(within_days: int, today: date) -> tuple[date, date]:
    """The dates a vehicle's due date falls on to be "due within ``within_days``" in the customer list:
    due by then, or overdue by up to ``LISTED_OVERDUE_DAYS`` (as the start page lists them; older dates
    are the campaigns' work, and a record never updated would otherwise stay on every list)."""
    return today - timedelta(days=LISTED_OVERDUE_DAYS), today + timedelta(days=within_days)


def birthday_days(within_days: int, today: date) -> frozenset[tuple[int, int]]:
    """The (month, day) of every birth date whose next birthday is within ``within_days`` of ``today``
    (today included): 29 February with the 28th of a common year, as ``next_birthday`` has it."""
    found: set[tuple[int, int]] = set()
    for offset in range(min(within_days, MAX_WITHIN_DAYS) + 1):
        day = today + timedelta(days=offset)
        found.add((day.month, day.day))
        if (day.month, day.day) == (2, 28) and _anniversary(date(2000, 2, 29), day.year) == day:
            found.add((2, 29))
    return frozenset(found)


@dataclass(frozen=True)
class DueMark:
    """How a date stands today, for a page to mark it: past it (``days`` ago), today, or within the horizon
    (in ``days``)."""

    state: Literal["overdue", "today", "soon"]
    days: int


def due_mark(due: date | None, today: date, horizon_days: int = VEHICLE_HORIZON_DAYS) -> DueMark | None:
    """The mark of a due date (insurance, inspection, service, licence review) by the card's rule: overdue
    once past, soon within ``horizon_days``; None for a date further off or none."""
    if due is None:
        return None
    days = (due - today).days
    if days < 0:
        return DueMark("overdue", -days)
    if days == 0:
        return DueMark("today", 0)
    return DueMark("soon", days) if days <= horizon_days else None


def birthday_mark(birthday: date | None, today: date, lunar: bool = False) -> DueMark | None:
    """A birthday within the card's horizon (never overdue: there is always a next one)."""
    if birthday is None:
        return None
    return due_mark(upcoming_birthday(birthday, today, lunar), today, BIRTHDAY_HORIZON_DAYS)
