"""SQL for imports and exports: the CRM's records under a file's keys, bulk writes of an import plan, and the
branch's customers with their vehicles in batches for an export.

Reads are synchronous functions of a ``Connection`` (run through ``run_sync``: one thread hop for all the
batches of a file); key lookups go in ``IN`` lists of at most ``BATCH`` keys, so a 100,000-row file asks
for its own few hundred thousand keys and never loads the whole CRM. Writes are ``executemany`` inserts and
updates of an ``AsyncConnection`` inside the import's one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, bindparam, false, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.tables import audit_log
from ctid.crm import store
from ctid.crm.tables import customer_phones, customer_vehicles, customers, vehicle_mileage, vehicles

BATCH = 500  # keys per IN list: well under SQLite's 32766 variables, small enough for any planner


@dataclass
class StoredKeys:
    """What the database holds under a file's keys (see ``ctid.crm.imports.matching.ExistingKeys``), plus
    what only the importer needs: the branch of each VIN's vehicle and the vehicles' latest mileage."""

    phones: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    plates: dict[str, int] = field(default_factory=dict)
    vins: dict[str, int] = field(default_factory=dict)  # in this branch
    foreign_vins: set[str] = field(default_factory=set)  # on another branch's vehicle
    names: dict[int, str] = field(default_factory=dict)
    vehicle_customers: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    mileage: dict[int, int | None] = field(default_factory=dict)  # vehicle id -> mileage_km


def chunks(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def stored_keys(
    conn: Connection, branch_id: int, phones: Iterable[str], plates: Iterable[str], vins: Iterable[str]
) -> StoredKeys:
    """The branch's customers with these phone numbers and vehicles with these plates; the vehicles with
    these VINs anywhere (a VIN is unique across branches); names and links of everything found."""
    found = StoredKeys()
    row: Any
    for batch in chunks(sorted(phones)):
        # the branch is filtered here, not in SQL: with it in the WHERE clause SQLite's planner walks the
        # branch's customers (a million) and probes the phones, instead of the 500 numbers' index entries
        query = (
            select(customer_phones.c.e164, customers.c.id, customers.c.name, customers.c.branch_id)
            .join(customers, customers.c.id == customer_phones.c.customer_id)
            .where(customer_phones.c.e164.in_(batch))
        )
        for row in conn.execute(query):
            if row.branch_id == branch_id:
                found.phones[row.e164].append(row.id)
                found.names[row.id] = row.name
    vehicle_columns = (vehicles.c.id, vehicles.c.plate, vehicles.c.vin, vehicles.c.mileage_km)
    for batch in chunks(sorted(plates)):
        query = select(*vehicle_columns).where(vehicles.c.branch_id == branch_id, vehicles.c.plate.in_(batch))
        for row in conn.execute(query):
            found.plates[row.plate] = row.id
            found.mileage[row.id] = row.mileage_km
    for batch in chunks(sorted(vins)):
        query = select(*vehicle_columns, vehicles.c.branch_id).where(vehicles.c.vin.in_(batch))
        for row in conn.execute(query):
            if row.branch_id == branch_id:
                found.vins[row.vin] = row.id
                found.mileage[row.id] = row.mileage_km
            else:
                found.foreign_vins.add(row.vin)
    for batch in chunks(sorted(found.mileage)):
        query = (
            select(customer_vehicles.c.vehicle_id, customers.c.id, customers.c.name)
            .join(customers, customers.c.id == customer_vehicles.c.customer_id)
            .where(customer_vehicles.c.vehicle_id.in_(batch))
        )
        for row in conn.execute(query):
            if row.id not in found.vehicle_customers[row.vehicle_id]:
                found.vehicle_customers[row.vehicle_id].append(row.id)
            found.names[row.id] = row.name
    return found


def current_rows(conn: Connection, table_name: str, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Rows of ``customers`` or ``vehicles`` by id (what an update changes, for its audit entry)."""
    table = customers if table_name == "customers" else vehicles
    found: dict[int, dict[str, Any]] = {}
    for batch in chunks(sorted(set(ids))):
        for row in conn.execute(select(table).where(table.c.id.in_(batch))).mappings():
            found[row["id"]] = dict(row)
    return found


def phone_counts(conn: Connection, customer_ids: Sequence[int]) -> dict[int, set[str]]:
    """The E.164 numbers each customer already has (an update adds only the new ones)."""
    found: dict[int, set[str]] = defaultdict(set)
    for batch in chunks(sorted(set(customer_ids))):
        query = select(customer_phones.c.customer_id, customer_phones.c.e164).where(
            customer_phones.c.customer_id.in_(batch)
        )
        for row in conn.execute(query):
            found[row.customer_id].add(row.e164 or "")
    return found


def links_of(conn: Connection, vehicle_ids: Sequence[int]) -> set[tuple[int, int, str]]:
    """Existing (customer, vehicle, role) links of these vehicles (an update adds only the new ones)."""
    found: set[tuple[int, int, str]] = set()
    for batch in chunks(sorted(set(vehicle_ids))):
        query = select(customer_vehicles).where(customer_vehicles.c.vehicle_id.in_(batch))
        found |= {(row.customer_id, row.vehicle_id, row.role) for row in conn.execute(query)}
    return found


# --- writing ----------------------------------------------------------------------------------------------


async def insert_customers(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    return await _insert_numbered(conn, customers, rows)


async def insert_vehicles(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    return await _insert_numbered(conn, vehicles, rows)


async def _insert_numbered(conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Rows with their new ids in order. On SQLite the ids are given (after the table's largest): the
    transaction holds the only write lock from its first write on, and an INSERT ... RETURNING with its
    parameters' order kept runs row by row through aiosqlite (~200 µs a row); a plain executemany is
    one call. Elsewhere ``RETURNING`` (``store``'s helper) numbers them."""
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        return await store._insert_many(conn, table, rows)
    await conn.execute(update(table).where(false()).values(id=table.c.id))  # take the write lock first
    start = int(await conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    ids = list(range(start, start + len(rows)))
    await conn.execute(insert(table), [{**row, "id": number} for row, number in zip(rows, ids, strict=True)])
    return ids


async def insert_phones(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """A plain executemany: the phones' ids are not needed, and ``RETURNING`` with the parameters' order
    kept runs row by row through aiosqlite (~200 µs a row, 20 s of a 100,000-row import)."""
    if rows:
        await conn.execute(insert(customer_phones), list(rows))


async def insert_links(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(customer_vehicles), list(rows))


async def insert_readings(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(vehicle_mileage), list(rows))


async def update_rows(conn: AsyncConnection, table_name: str, rows: Sequence[dict[str, Any]]) -> None:
    """Updates of customers or vehicles, grouped by the set of columns they change (one executemany each)."""
    table = customers if table_name == "customers" else vehicles
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        columns = tuple(sorted(name for name in row if name != "id"))
        groups[columns].append({f"v_{name}": value for name, value in row.items()})
    for columns, params in groups.items():
        query = (
            update(table)
            .where(table.c.id == bindparam("v_id"))
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        await conn.execute(query, params)


async def insert_audit(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(audit_log), list(rows))


# --- export -----------------------------------------------------------------------------------------------


def customer_batch(
    conn: Connection, branch_id: int, after: int, size: int
) -> list[tuple[RowMapping, list[Any], list[RowMapping]]]:
    """The branch's next ``size`` customers by id after ``after``, each as (customer row, its phones, its
    vehicles with the customer's role)."""
    query = (
        select(customers)
        .where(customers.c.branch_id == branch_id, customers.c.id > after)
        .order_by(customers.c.id)
        .limit(size)
    )
    rows = list(conn.execute(query).mappings())
    ids = [row["id"] for row in rows]
    phones: dict[int, list[Any]] = defaultdict(list)
    cars: dict[int, list[RowMapping]] = defaultdict(list)
    for batch in chunks(ids):
        phone_query = (
            select(customer_phones)
            .where(customer_phones.c.customer_id.in_(batch))
            .order_by(customer_phones.c.customer_id, customer_phones.c.position, customer_phones.c.id)
        )
        for phone in conn.execute(phone_query):
            phones[phone.customer_id].append(phone)
        car_query = (
            select(vehicles, customer_vehicles.c.customer_id, customer_vehicles.c.role)
            .join(customer_vehicles, customer_vehicles.c.vehicle_id == vehicles.c.id)
            .where(customer_vehicles.c.customer_id.in_(batch))
            .order_by(customer_vehicles.c.customer_id, vehicles.c.plate, customer_vehicles.c.role)
        )
        for car in conn.execute(car_query).mappings():
            cars[car["customer_id"]].append(car)
    return [(row, phones.get(row["id"], []), cars.get(row["id"], [])) for row in rows]
