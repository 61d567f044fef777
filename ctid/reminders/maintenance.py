"""When a vehicle's next service (定期保养) falls due: by time or by mileage, whichever comes first.

- By time: the date entered by hand (``next_service_due``) wins; else the last service plus
  ``interval_months``; a new car never serviced here has its first service ``first_service_months`` after
  its purchase (or registration).
- By mileage: ``interval_km`` on from the last service's reading (a new car: ``first_service_km`` from
  zero), on the day the vehicle's average km per day over its readings reaches it. With too little
  history (fewer than 2 readings, readings less than ``min_history_days`` apart, or no km driven between
  them) the time alone counts.
- A service that fell due and expired without a visit comes round again an interval on (the next
  ``interval_months`` and ``interval_km``), so a car that missed it is reminded of the next, not never.

The projected day moves a little as readings come in: the queue keeps one item per vehicle, not per day.
"""

from __future__ import annotations

from datetime import date, timedelta

from ctid.reminders.facts import VehicleFacts
from ctid.reminders.inspection import add_months
from ctid.reminders.settings import TypeSettings

MAX_CYCLES = 240  # services missed in a row before a vehicle is given up (120 years at 6 months)
MAX_PROJECTED_DAYS = 36_500


def km_per_day(vehicle: VehicleFacts, min_history_days: int) -> float | None:
    """The average km a day over the readings, or None with too little history to project from."""
    if len(vehicle.readings) < 2:
        return None
    first, last = vehicle.readings[0], vehicle.readings[-1]
    days = (last.read_on - first.read_on).days
    driven = last.mileage_km - first.mileage_km
    if days < min_history_days or driven <= 0:
        return None
    return driven / days


def km_reached_on(vehicle: VehicleFacts, target_km: int, rate: float) -> date | None:
    """The day the odometer reaches ``target_km`` at ``rate`` km a day from the newest reading (a day
    past when it already has); None when that is more than a century off (a car that hardly moves)."""
    last = vehicle.readings[-1]
    days = (target_km - last.mileage_km) // rate
    if abs(days) > MAX_PROJECTED_DAYS:
        return None
    return last.read_on + timedelta(days=int(days))


def next_service(vehicle: VehicleFacts, since: date, settings: TypeSettings) -> date | None:
    """The first service due on or after ``since``, by time or by mileage, whichever comes first (each
    coming round by its interval when missed); None when nothing is known to count from (no service, no
    purchase or registration date, nothing entered)."""
    time_due, target_km = _basis(vehicle, settings)
    rate = km_per_day(vehicle, settings.min_history_days)
    by_time = None if time_due is None else _next_by_time(time_due, since, settings.interval_months)
    by_km = None
    if target_km is not None and rate is not None:
        by_km = _next_by_km(vehicle, target_km, rate, since, settings.interval_km)
    if by_time is None or by_km is None:
        return by_time or by_km
    return min(by_time, by_km)


def _next_by_time(due: date, since: date, interval_months: int) -> date:
    behind = (since.year - due.year) * 12 + since.month - due.month  # whole months ``due`` is behind
    cycle = max(0, behind // interval_months - 1)
    while (found := add_months(due, cycle * interval_months)) < since:
        cycle += 1
    return found


def _next_by_km(
    vehicle: VehicleFacts, target_km: int, rate: float, since: date, interval_km: int
) -> date | None:
    last = vehicle.readings[-1]
    km_then = last.mileage_km + rate * (since - last.read_on).days  # the odometer projected to ``since``
    cycle = max(0, int((km_then - target_km) // interval_km) - 1)
    for _ in range(MAX_CYCLES):
        found = km_reached_on(vehicle, target_km + cycle * interval_km, rate)
        if found is None or found >= since:
            return found
        cycle += 1
    return None


def _basis(vehicle: VehicleFacts, settings: TypeSettings) -> tuple[date | None, int | None]:
    """The service to count from: (due by time, due at km). Later services count on from it by the
    interval (a new car's too: a first service at 3 months, then 9, 15, ...)."""
    if vehicle.last_service_on is not None:
        time_due = vehicle.next_service_due or add_months(vehicle.last_service_on, settings.interval_months)
        km = None if vehicle.last_service_km is None else vehicle.last_service_km + settings.interval_km
        return time_due, km
    start = vehicle.purchase_date or vehicle.registration_date
    first_km = settings.first_service_km if start is not None else None
    if vehicle.next_service_due is not None:
        return vehicle.next_service_due, first_km
    if start is None:
        return None, None
    return add_months(start, settings.first_service_months), first_km
