"""The next service by time or mileage, whichever first: projected from the readings, the interval alone
with too little history, a new car's first service, a missed service coming round again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ctid.crm.models import VehicleStatus
from ctid.reminders import rules
from ctid.reminders.facts import MileageReading, VehicleFacts
from ctid.reminders.maintenance import km_per_day, next_service
from ctid.reminders.models import Due, ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS
from tests.reminders.support import vehicle_facts as vehicle

SETTINGS = DEFAULT_SETTINGS[ReminderType.MAINTENANCE]  # 6 months or 5,000 km; first 3 months or 3,000 km


def readings(*pairs: tuple[date, int]) -> tuple[MileageReading, ...]:
    return tuple(MileageReading(day, km) for day, km in pairs)


def due_on(car: VehicleFacts, today: date) -> date | None:
    found = rules.maintenance(car, today, SETTINGS)
    return None if found is None else found.due_on


def test_by_time_alone_without_mileage_history() -> None:
    car = vehicle(last_service_on=date(2026, 6, 10), last_service_km=17_500)
    assert rules.maintenance(car, date(2026, 11, 1), SETTINGS) == Due(
        ReminderType.MAINTENANCE, 7, 12, date(2026, 12, 10), "vehicle:12"
    )
    one = replace(car, readings=readings((date(2026, 6, 10), 17_500)))
    assert due_on(one, date(2026, 11, 1)) == date(2026, 12, 10), "one reading is no history"
    close = replace(car, readings=readings((date(2026, 6, 1), 10_000), (date(2026, 6, 20), 17_500)))
    assert due_on(close, date(2026, 11, 1)) == date(2026, 12, 10), "readings 19 days apart: too few"
    still = replace(car, readings=readings((date(2026, 1, 1), 17_500), (date(2026, 6, 10), 17_500)))
    assert due_on(still, date(2026, 11, 1)) == date(2026, 12, 10), "no km driven: nothing to project"


def test_projected_from_mileage_when_it_comes_first() -> None:
    # 9,050 km in 181 days: 50 km a day; 5,000 km after the service at 17,500 is 22,500: 3,450 km after
    # the newest reading, 69 days on from 1 July
    car = vehicle(
        last_service_on=date(2026, 6, 1),
        last_service_km=17_500,
        readings=readings((date(2026, 1, 1), 10_000), (date(2026, 6, 1), 17_500), (date(2026, 7, 1), 19_050)),
    )
    assert km_per_day(car, 30) == 50.0
    assert due_on(car, date(2026, 8, 20)) == date(2026, 9, 8)
    slow = replace(car, readings=readings((date(2026, 1, 1), 17_000), (date(2026, 7, 1), 17_905)))  # 5 a day
    assert due_on(slow, date(2026, 8, 20)) == date(2026, 12, 1), "time comes first for a car hardly driven"
    entered = replace(car, next_service_due=date(2026, 8, 31))
    assert due_on(entered, date(2026, 8, 20)) == date(2026, 8, 31), "an entered date wins over the time rule"


def test_a_new_cars_first_service() -> None:
    car = vehicle(purchase_date=date(2026, 9, 1), registration_date=date(2026, 9, 5))
    assert due_on(car, date(2026, 10, 1)) == date(2026, 12, 1), "3 months after the purchase"
    only_registered = vehicle(registration_date=date(2026, 8, 31))
    assert due_on(only_registered, date(2026, 10, 1)) == date(2026, 11, 30), "31 August + 3 months"
    # 60 km a day: 3,000 km reached 8 days after the newest reading's 2,520
    driven = replace(car, readings=readings((date(2026, 9, 5), 120), (date(2026, 10, 15), 2_520)))
    assert due_on(driven, date(2026, 10, 16)) == date(2026, 10, 23)
    assert due_on(vehicle(), date(2026, 10, 16)) is None, "nothing to count from"


def test_a_missed_service_comes_round_an_interval_on() -> None:
    car = vehicle(last_service_on=date(2024, 1, 15))
    assert due_on(car, date(2026, 12, 7)) == date(2027, 1, 15), "2024-07-15 missed, then every 6 months"
    assert due_on(car, date(2026, 8, 14)) == date(2026, 7, 15), "within the 30 days' expiry: still that one"
    assert due_on(replace(car, status=VehicleStatus.SOLD), date(2026, 12, 7)) is None
    # overdue by km long ago (50 km a day since the service), not yet by time: the time's date, not a
    # later round of km
    fast = vehicle(
        last_service_on=date(2026, 6, 20),
        last_service_km=10_000,
        readings=readings((date(2026, 6, 20), 10_000), (date(2026, 11, 27), 18_000)),
    )
    assert due_on(fast, date(2026, 12, 7)) == date(2026, 12, 20)
    # missed by time long ago, and the km far off (1 km a day): the time's next round, not the km
    slow = vehicle(
        last_service_on=date(2025, 6, 1),
        last_service_km=10_000,
        readings=readings((date(2025, 6, 1), 10_000), (date(2026, 11, 30), 10_547)),
    )
    assert due_on(slow, date(2026, 12, 7)) == date(2026, 12, 1)


def test_the_year_end() -> None:
    car = vehicle(last_service_on=date(2026, 7, 31))
    assert due_on(car, date(2026, 12, 20)) == date(2027, 1, 31)
    car = vehicle(last_service_on=date(2026, 8, 31))
    assert due_on(car, date(2026, 12, 20)) == date(2027, 2, 28), "31 August + 6 months: the month's end"


_DAYS = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _DAYS,
    st.integers(0, 300_000),
    st.lists(st.tuples(st.integers(1, 400), st.integers(0, 5_000)), min_size=0, max_size=6),
    st.integers(-400, 4000),
)
def test_the_next_service_is_never_before_the_day_asked(
    serviced: date, km: int, steps: list[tuple[int, int]], later: int
) -> None:
    day, odometer, found = serviced, km, [MileageReading(serviced, km)]
    for days, driven in steps:
        day, odometer = day + timedelta(days=days), odometer + driven
        found.append(MileageReading(day, odometer))
    car = vehicle(last_service_on=serviced, last_service_km=km, readings=tuple(found))
    since = serviced + timedelta(days=later)
    due = next_service(car, since, SETTINGS)
    assert due is not None and due >= since
    by_time = next_service(replace(car, readings=()), since, SETTINGS)
    assert by_time is not None and due <= by_time, "mileage only ever brings it forward"
