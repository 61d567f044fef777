"""SQL for vehicle records: lists, changes, who owns / uses / drives them, and the mileage history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.paging import Page
from ctid.crm.models import MileageSource, Transmission, VehicleRole, VehicleStatus
from ctid.crm.record_models import MileageReading, VehicleFilter, VehicleLink, VehicleRecord
from ctid.crm.tables import customer_vehicles, customers, vehicle_mileage, vehicles
from ctid.storage.db import fetch_page

_ROLE_ORDER = {role: i for i, role in enumerate(VehicleRole)}


async def get_vehicle(conn: AsyncConnection, vehicle_id: int) -> VehicleRecord | None:
    row = (await conn.execute(select(vehicles).where(vehicles.c.id == vehicle_id))).mappings().first()
    if row is None:
        return None
    return _vehicle(row, (await links_of(conn, [vehicle_id])).get(vehicle_id, ()))


async def list_vehicles(conn: AsyncConnection, where: VehicleFilter) -> Page[VehicleRecord]:
    """A page of vehicles, by plate, each with its links."""
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(vehicles.c.branch_id == where.branch_id)
    if where.status is not None:
        conditions.append(vehicles.c.status == where.status.value)
    if where.brand:
        conditions.append(vehicles.c.brand == where.brand)
    if where.customer_id is not None:
        linked = select(customer_vehicles.c.vehicle_id).where(
            customer_vehicles.c.customer_id == where.customer_id
        )
        conditions.append(vehicles.c.id.in_(linked))
    query = select(vehicles).where(*conditions)
    order = [vehicles.c.plate, vehicles.c.id]
    page = await fetch_page(conn, query, order, where.page, lambda row: _vehicle(row, ()))
    links = await links_of(conn, [v.id for v in page.items])
    return replace(page, items=[replace(v, links=links.get(v.id, ())) for v in page.items])


async def links_of(conn: AsyncConnection, vehicle_ids: Sequence[int]) -> dict[int, tuple[VehicleLink, ...]]:
    query = (
        select(customer_vehicles.c.vehicle_id, customer_vehicles.c.customer_id, customer_vehicles.c.role)
        .add_columns(customers.c.name)
        .join(customers, customers.c.id == customer_vehicles.c.customer_id)
        .where(customer_vehicles.c.vehicle_id.in_(list(vehicle_ids)))
    )
    found: dict[int, list[VehicleLink]] = defaultdict(list)
    for row in await conn.execute(query):
        found[row.vehicle_id].append(VehicleLink(row.customer_id, row.name, VehicleRole(row.role)))
    return {
        vehicle_id: tuple(sorted(items, key=lambda k: (k.customer_id, _ROLE_ORDER[k.role])))
        for vehicle_id, items in found.items()
    }


async def vehicle_id_by_vin(conn: AsyncConnection, vin: str) -> int | None:
    found = await conn.scalar(select(vehicles.c.id).where(vehicles.c.vin == vin))
    return int(found) if found is not None else None


async def update_vehicle(conn: AsyncConnection, vehicle_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(vehicles).where(vehicles.c.id == vehicle_id).values(**values))


async def replace_links(
    conn: AsyncConnection, vehicle_id: int, links: Iterable[tuple[int, VehicleRole]]
) -> None:
    await conn.execute(delete(customer_vehicles).where(customer_vehicles.c.vehicle_id == vehicle_id))
    rows = [{"vehicle_id": vehicle_id, "customer_id": c, "role": role.value} for c, role in links]
    if rows:
        await conn.execute(insert(customer_vehicles), rows)


# --- mileage ----------------------------------------------------------------------------------------------


async def readings(conn: AsyncConnection, vehicle_id: int) -> list[MileageReading]:
    """Newest first."""
    query = (
        select(vehicle_mileage)
        .where(vehicle_mileage.c.vehicle_id == vehicle_id)
        .order_by(vehicle_mileage.c.read_on.desc(), vehicle_mileage.c.id.desc())
    )
    return [_reading(row) for row in (await conn.execute(query)).mappings()]


async def neighbours(
    conn: AsyncConnection, vehicle_id: int, read_on: date
) -> tuple[MileageReading | None, MileageReading | None]:
    """The readings just before (or on) ``read_on`` and just after it: a new reading must fit between."""
    mine = vehicle_mileage.c.vehicle_id == vehicle_id
    before_query = (
        select(vehicle_mileage)
        .where(mine, vehicle_mileage.c.read_on <= read_on)
        .order_by(vehicle_mileage.c.read_on.desc(), vehicle_mileage.c.id.desc())
        .limit(1)
    )
    after_query = (
        select(vehicle_mileage)
        .where(mine, vehicle_mileage.c.read_on > read_on)
        .order_by(vehicle_mileage.c.read_on, vehicle_mileage.c.id)
        .limit(1)
    )
    before = (await conn.execute(before_query)).mappings().first()
    after = (await conn.execute(after_query)).mappings().first()
    return (_reading(before) if before else None), (_reading(after) if after else None)


async def insert_reading(conn: AsyncConnection, values: dict[str, Any]) -> MileageReading:
    """Append a reading; the vehicle's ``mileage_km`` becomes its latest reading's."""
    row = (
        await conn.execute(insert(vehicle_mileage).values(**values).returning(*vehicle_mileage.c))
    ).mappings()
    reading = _reading(row.one())
    latest = (
        select(vehicle_mileage.c.mileage_km)
        .where(vehicle_mileage.c.vehicle_id == reading.vehicle_id)
        .order_by(vehicle_mileage.c.read_on.desc(), vehicle_mileage.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    await conn.execute(update(vehicles).where(vehicles.c.id == reading.vehicle_id).values(mileage_km=latest))
    return reading


def _reading(row: RowMapping) -> MileageReading:
    return MileageReading(
        id=row["id"],
        vehicle_id=row["vehicle_id"],
        mileage_km=row["mileage_km"],
        read_on=row["read_on"],
        source=MileageSource(row["source"]),
        correction=bool(row["correction"]),
        visit_id=row["visit_id"],
        created_at=row["created_at"],
    )


def _vehicle(row: RowMapping, links: tuple[VehicleLink, ...]) -> VehicleRecord:
    values = {c.name: row[c.name] for c in vehicles.c}
    values["transmission"] = Transmission(row["transmission"]) if row["transmission"] else None
    values["status"] = VehicleStatus(row["status"])
    return VehicleRecord(**values, links=links)
