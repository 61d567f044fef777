"""SQL for the maintenance projection (``reminder_service_due``): the vehicles' facts it projects from
(odometer readings, the last service), which vehicles changed since its last refresh, its rows, and the
vehicles it puts on a day's due dates. The refresh itself is ``ctid.reminders.service_due``."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.crm.models import VisitStatus
from ctid.crm.tables import vehicle_mileage, vehicles, visits
from ctid.reminders.candidate_store import OWNER, chunks, vehicle_facts
from ctid.reminders.facts import MileageReading, VehicleFacts
from ctid.reminders.tables import reminder_marks, service_due


async def read_mark(conn: AsyncConnection, name: str) -> dict[str, Any] | None:
    value = await conn.scalar(select(reminder_marks.c.value).where(reminder_marks.c.name == name))
    found = None if value is None else json.loads(value)
    return found if isinstance(found, dict) else None


async def write_mark(conn: AsyncConnection, name: str, value: dict[str, Any], at: datetime) -> None:
    await conn.execute(reminder_marks.delete().where(reminder_marks.c.name == name))
    await conn.execute(reminder_marks.insert().values(name=name, value=json.dumps(value), updated_at=at))


async def newest_ids(conn: AsyncConnection) -> tuple[int, int, int]:
    """The newest vehicle, visit and odometer reading: what a refresh has seen."""
    found = []
    for table in (vehicles, visits, vehicle_mileage):
        found.append(int(await conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0))
    return found[0], found[1], found[2]


async def changed_since(
    conn: AsyncConnection, at: datetime, vehicle_after: int, visit_after: int, reading_after: int
) -> set[int]:
    """Vehicles whose projection may have moved since ``at``: changed or added vehicles, visits added or
    closed, odometer readings added (each read by an index)."""
    queries = (
        select(vehicles.c.id).where(vehicles.c.updated_at > at),
        select(vehicles.c.id).where(vehicles.c.id > vehicle_after),
        select(visits.c.vehicle_id).where(visits.c.id > visit_after),
        select(visits.c.vehicle_id).where(visits.c.closed_at > at),
        select(vehicle_mileage.c.vehicle_id).where(vehicle_mileage.c.id > reading_after),
    )
    found: set[int] = set()
    for query in queries:
        found.update(int(v) for v in (await conn.execute(query)).scalars())
    return found


async def passed(conn: AsyncConnection, before: date, branch_list: Sequence[int]) -> set[int]:
    """Vehicles whose projected service is before ``before``: expired, so the next one is due."""
    query = select(service_due.c.vehicle_id).where(
        service_due.c.branch_id.in_(branch_list), service_due.c.due_on < before
    )
    return {int(v) for v in (await conn.execute(query)).scalars()}


async def due_on(conn: AsyncConnection, dates: Sequence[date], branch_list: Sequence[int]) -> list[int]:
    """Vehicles whose projected service is on one of ``dates``."""
    found: list[int] = []
    for some in chunks(list(dates)):
        query = select(service_due.c.vehicle_id).where(
            service_due.c.branch_id.in_(branch_list), service_due.c.due_on.in_(some)
        )
        found += [int(v) for v in (await conn.execute(query)).scalars()]
    return found


async def id_span(conn: AsyncConnection) -> tuple[int, int]:
    low, high = (await conn.execute(select(func.min(vehicles.c.id), func.max(vehicles.c.id)))).one()
    return int(low or 0), int(high or 0)


async def facts_of(conn: AsyncConnection, ids: Collection[int]) -> list[VehicleFacts]:
    """The vehicles' facts with their odometer readings and last service (a vehicle without an owner
    has ``customer_id`` 0: projected, never reminded)."""
    found: list[VehicleFacts] = []
    for some in chunks(sorted(ids)):
        found += await _facts(
            conn,
            vehicles.c.id.in_(some),
            vehicle_mileage.c.vehicle_id.in_(some),
            visits.c.vehicle_id.in_(some),
        )
    return found


async def facts_between(conn: AsyncConnection, low: int, high: int) -> list[VehicleFacts]:
    """The facts of the vehicles with ids from ``low`` to ``high``: the full projection, a span at a time."""
    return await _facts(
        conn,
        vehicles.c.id.between(low, high),
        vehicle_mileage.c.vehicle_id.between(low, high),
        visits.c.vehicle_id.between(low, high),
    )


async def _facts(
    conn: AsyncConnection,
    which: ColumnElement[bool],
    which_readings: ColumnElement[bool],
    which_visits: ColumnElement[bool],
) -> list[VehicleFacts]:
    readings = await _readings(conn, which_readings)
    services = await _last_services(conn, which_visits)
    query = select(
        vehicles.c.id,
        vehicles.c.branch_id,
        vehicles.c.status,
        vehicles.c.purchase_date,
        vehicles.c.registration_date,
        vehicles.c.insurance_expiry,
        vehicles.c.inspection_due,
        vehicles.c.next_service_due,
        vehicles.c.warranty_expiry,
        OWNER.label("owner_id"),
    ).where(which)
    found = []
    for row in (await conn.execute(query)).mappings():
        last_on, last_km = services.get(row["id"], (None, None))
        readings_of = tuple(readings.get(row["id"], ()))
        more = {"last_service_on": last_on, "last_service_km": last_km, "readings": readings_of}
        found.append(vehicle_facts(row, **more))
    return found


async def _readings(conn: AsyncConnection, which: ColumnElement[bool]) -> dict[int, list[MileageReading]]:
    """Each vehicle's readings oldest first; a correction (a replaced odometer, a wrong reading) starts
    the series again."""
    query = (
        select(
            vehicle_mileage.c.vehicle_id,
            vehicle_mileage.c.read_on,
            vehicle_mileage.c.mileage_km,
            vehicle_mileage.c.correction,
        )
        .where(which)
        .order_by(vehicle_mileage.c.vehicle_id, vehicle_mileage.c.read_on, vehicle_mileage.c.id)
    )
    found: dict[int, list[MileageReading]] = {}
    for vehicle_id, read_on, km, correction in await conn.execute(query):
        series = found.setdefault(vehicle_id, [])
        if correction:
            series.clear()
        series.append(MileageReading(read_on, km))
    return found


async def _last_services(
    conn: AsyncConnection, which: ColumnElement[bool]
) -> dict[int, tuple[date, int | None]]:
    """Each vehicle's newest completed visit (a correction of it, on the same day, wins): its day and
    odometer."""
    query = (
        select(visits.c.vehicle_id, visits.c.visited_on, visits.c.mileage_km)
        .where(which, visits.c.status == VisitStatus.COMPLETED.value)
        .order_by(visits.c.vehicle_id, visits.c.visited_on, visits.c.id)
    )
    return {int(v): (on, km) for v, on, km in await conn.execute(query)}


async def delete_rows(conn: AsyncConnection, ids: Sequence[int]) -> None:
    for some in chunks(list(ids)):
        await conn.execute(service_due.delete().where(service_due.c.vehicle_id.in_(some)))


async def delete_all(conn: AsyncConnection) -> None:
    await conn.execute(service_due.delete())


async def insert_rows(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(service_due.insert(), list(rows))
