"""Maintenance (定期保养) in the daily build, each backend: the projection (ctid.reminders.service_due)
puts a car on its next service's contact days, by time or by mileage, whichever first; it projects again
only the cars whose facts changed or whose date passed, and every car when the settings change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update

from ctid.crm.tables import customer_vehicles, vehicle_mileage, vehicles, visits
from ctid.reminders import service_due, settings_store
from ctid.reminders.build import QueueBuilder
from ctid.reminders.models import ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS
from ctid.reminders.tables import reminder_items
from ctid.reminders.tables import service_due as service_due_table
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_vehicle

SHOP = "Asia/Shanghai"
LEAD = DEFAULT_SETTINGS[ReminderType.MAINTENANCE].lead_days  # (14, 3)


def _builder(db: Database, now: datetime = NOW) -> QueueBuilder:
    return QueueBuilder(db, SHOP, clock=lambda: now)


async def _car(db: Database, branch_id: int, plate: str, **values: object) -> tuple[int, int]:
    owner = await add_customer(db, branch_id, f"车主{plate}")
    car = await add_vehicle(db, branch_id, plate, **values)
    async with db.begin() as conn:
        await conn.execute(insert(customer_vehicles).values(customer_id=owner, vehicle_id=car, role="owner"))
    return owner, car


async def _visit(db: Database, car: int, owner: int, on: date, km: int | None, closed: datetime) -> None:
    async with db.begin() as conn:
        visit_id = (
            await conn.execute(
                insert(visits)
                .values(vehicle_id=car, customer_id=owner, visited_on=on, mileage_km=km, closed_at=closed)
                .returning(visits.c.id)
            )
        ).scalar_one()
        if km is not None:
            await conn.execute(
                insert(vehicle_mileage).values(
                    vehicle_id=car,
                    mileage_km=km,
                    read_on=on,
                    source="visit",
                    visit_id=visit_id,
                    created_at=closed,
                )
            )


async def _maintenance(db: Database) -> list[tuple[str, date, int, date]]:
    query = (
        select(
            reminder_items.c.subject,
            reminder_items.c.due_on,
            reminder_items.c.step,
            reminder_items.c.contact_on,
        )
        .where(reminder_items.c.type == "maintenance")
        .order_by(reminder_items.c.id)
    )
    async with db.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]  # type: ignore[misc]


async def _projected(db: Database, car: int) -> date | None:
    async with db.connect() as conn:
        query = select(service_due_table.c.due_on).where(service_due_table.c.vehicle_id == car)
        found: date | None = await conn.scalar(query)
        return found


async def test_a_service_due_by_time_is_on_its_contact_day(db: Database, branch_id: int) -> None:
    due = TODAY + timedelta(days=LEAD[0])  # six months after the last service
    owner, car = await _car(db, branch_id, "粤A10001")
    await _visit(db, car, owner, due.replace(month=due.month - 6), None, NOW - timedelta(days=180))
    other_owner, not_yet = await _car(db, branch_id, "粤A10002")
    await _visit(db, not_yet, other_owner, date(2026, 10, 1), None, NOW - timedelta(days=60))
    result = await _builder(db).run(TODAY)
    assert await _maintenance(db) == [(f"vehicle:{car}", due, 0, TODAY)]
    assert await _projected(db, not_yet) == date(2027, 4, 1)
    assert result.added == 1


async def test_mileage_brings_the_service_forward(db: Database, branch_id: int) -> None:
    """100 km a day from 20,000 km on 2026-09-08: 30,000 km (the 10,000 km interval) on 2026-12-17, long
    before six months are up."""
    owner, car = await _car(db, branch_id, "粤A20001")
    await _visit(db, car, owner, date(2026, 8, 9), 17_000, NOW - timedelta(days=120))
    await _visit(db, car, owner, date(2026, 9, 8), 20_000, NOW - timedelta(days=90))
    settings = DEFAULT_SETTINGS[ReminderType.MAINTENANCE]
    expected = date(2026, 9, 8) + timedelta(days=settings.interval_km // 100)
    await _builder(db).run(expected - timedelta(days=LEAD[0]))
    assert await _projected(db, car) == expected
    assert [due for _, due, _, _ in await _maintenance(db)] == [expected]


async def test_only_changed_and_passed_cars_are_projected_again(db: Database, branch_id: int) -> None:
    owner, car = await _car(db, branch_id, "粤A30001")
    await _visit(db, car, owner, date(2026, 9, 1), None, NOW - timedelta(days=90))
    for n in range(3):
        await _car(db, branch_id, f"粤A3010{n}", purchase_date=date(2026, 11, 1))  # first service 2027-02-01
    settings = DEFAULT_SETTINGS[ReminderType.MAINTENANCE]
    first = await service_due.refresh(db, settings, TODAY, [branch_id], NOW)
    assert (first.projected, first.full) == (4, True)
    assert await _projected(db, car) == date(2027, 3, 1)

    later = NOW + timedelta(days=1)
    unchanged = await service_due.refresh(db, settings, TODAY + timedelta(days=1), [branch_id], later)
    assert (unchanged.projected, unchanged.full) == (0, False)

    await _visit(db, car, owner, date(2026, 12, 8), None, later + timedelta(hours=1))  # serviced again
    moved = await service_due.refresh(
        db, settings, TODAY + timedelta(days=2), [branch_id], later + timedelta(days=1)
    )
    assert (moved.projected, moved.full) == (1, False)
    assert await _projected(db, car) == date(2027, 6, 8)

    async with db.begin() as conn:  # an entered date wins, changed on the vehicle
        await conn.execute(
            update(vehicles)
            .where(vehicles.c.id == car)
            .values(next_service_due=date(2027, 1, 20), updated_at=later + timedelta(days=1, hours=2))
        )
    edited = await service_due.refresh(
        db, settings, TODAY + timedelta(days=3), [branch_id], later + timedelta(days=2)
    )
    assert edited.projected == 1 and await _projected(db, car) == date(2027, 1, 20)

    past = date(2027, 1, 20) + timedelta(
        days=settings.expire_after_days + 1
    )  # expired unworked: the next one
    rolled = await service_due.refresh(db, settings, past, [branch_id], later + timedelta(days=90))
    assert rolled.projected == 1  # the new cars' first service (2027-02-01) is still to come
    assert await _projected(db, car) == date(2027, 7, 20)

    back = await service_due.refresh(db, settings, TODAY, [branch_id], later + timedelta(days=90, hours=1))
    assert back.full, "a build for an earlier day projects from that day"
    assert await _projected(db, car) == date(2027, 1, 20)

    changed = replace(settings, interval_months=12)
    again = await service_due.refresh(db, changed, past, [branch_id], later + timedelta(days=91))
    assert (again.projected, again.full) == (4, True)
    assert await _projected(db, car) == date(2028, 1, 20)


async def test_maintenance_switched_off_projects_nothing(db: Database, branch_id: int) -> None:
    owner, car = await _car(db, branch_id, "粤A40001")
    await _visit(db, car, owner, date(2026, 6, 21), None, NOW - timedelta(days=160))
    off = replace(DEFAULT_SETTINGS[ReminderType.MAINTENANCE], enabled=False)
    async with db.begin() as conn:
        await settings_store.save(conn, off, NOW, None)
    await _builder(db).run(TODAY)
    assert await _maintenance(db) == [] and await _projected(db, car) is None


async def test_sold_and_ownerless_cars_are_not_reminded(db: Database, branch_id: int) -> None:
    owner, sold = await _car(db, branch_id, "粤A50001", status="sold")
    await _visit(db, sold, owner, date(2026, 6, 21), None, NOW - timedelta(days=160))
    lone = await add_vehicle(db, branch_id, "粤A50002")
    async with db.begin() as conn:
        await conn.execute(
            insert(visits).values(
                vehicle_id=lone, visited_on=date(2026, 6, 21), closed_at=NOW - timedelta(days=160)
            )
        )
    await _builder(db).run(TODAY)
    assert await _maintenance(db) == []
    assert await _projected(db, sold) is None and await _projected(db, lone) == date(2026, 12, 21)


def test_the_projection_is_made_with_the_settings_that_move_it() -> None:
    settings = DEFAULT_SETTINGS[ReminderType.MAINTENANCE]
    assert service_due.settings_key(settings) == service_due.settings_key(replace(settings, lead_days=(7,)))
    assert service_due.settings_key(settings) != service_due.settings_key(replace(settings, interval_km=8000))
