"""SQL for the CRM. Functions take an open connection so that the service decides the transaction (a new
customer, its phones, its vehicle and the audit entry commit together).

The reads behind a screen pop are synchronous functions of a ``Connection``: the service runs them through
``Database.read`` (one thread hop for a whole card, see ctid.storage.read_thread), or inside a transaction
through ``AsyncConnection.run_sync``. Their statements are built once at import: they run on every ring.
Writes are ordinary async functions of an ``AsyncConnection``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Table, bindparam, func, insert, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.crm.models import (
    OPEN_FOLLOW_UP_STATUSES,
    Customer,
    CustomerKind,
    CustomerSummary,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Gender,
    Phone,
    Vehicle,
    VehicleRole,
    VehicleStatus,
    Visit,
    VisitStatus,
)
from ctid.crm.shared_phone import PhoneHolder
from ctid.crm.tables import (
    customer_opt_outs,
    customer_phones,
    customer_vehicles,
    customers,
    follow_ups,
    vehicle_mileage,
    visit_items,
    visits,
)
from ctid.crm.tables import vehicles as vehicles_table
from ctid.storage.prepared import Prepared, Row

ITEM_SEPARATOR = "、"
_ROLE_ORDER = {role: i for i, role in enumerate(VehicleRole)}

# --- the screen pop: who is calling -----------------------------------------------------------------------

_LAST_VISIT = (
    select(func.max(visits.c.visited_on))
    .where(visits.c.customer_id == customers.c.id)
    .scalar_subquery()
    .label("last_visit_on")
)
_MATCHING = (
    select(
        customers.c.id,
        customers.c.name,
        customers.c.kind,
        customers.c.branch_id,
        customers.c.level,
        _LAST_VISIT,
    )
    .select_from(customer_phones.join(customers, customers.c.id == customer_phones.c.customer_id))
    .where(customer_phones.c.e164 == bindparam("e164"))
    .order_by(_LAST_VISIT.desc().nulls_last(), customers.c.id.desc())
)
_MATCH = Prepared(_MATCHING)
_MATCH_IN_BRANCH = Prepared(_MATCHING.where(customers.c.branch_id == bindparam("branch_id")))


def match(conn: Connection, e164: str, branch_id: int | None = None) -> list[CustomerSummary]:
    """Every customer with this number (of one branch: a line pops its own branch's customers only), the
    one seen most recently first (one indexed query)."""
    found = (
        _MATCH.rows(conn, e164=e164)
        if branch_id is None
        else _MATCH_IN_BRANCH.rows(conn, e164=e164, branch_id=branch_id)
    )
    return [
        CustomerSummary(
            id=row["id"],
            name=row["name"],
            kind=CustomerKind(row["kind"]),
            branch_id=row["branch_id"],
            level=row["level"],
            last_visit_on=row["last_visit_on"],
        )
        for row in found
    ]


# --- the parts of a card ----------------------------------------------------------------------------------

_CUSTOMER = Prepared(select(customers).where(customers.c.id == bindparam("customer_id")))
_PHONES = Prepared(
    select(customer_phones.c.number, customer_phones.c.e164, customer_phones.c.label)
    .where(customer_phones.c.customer_id == bindparam("customer_id"))
    .order_by(customer_phones.c.position, customer_phones.c.id)
)
_VEHICLES = Prepared(
    select(vehicles_table, customer_vehicles.c.role)
    .select_from(
        customer_vehicles.join(vehicles_table, vehicles_table.c.id == customer_vehicles.c.vehicle_id)
    )
    .where(customer_vehicles.c.customer_id == bindparam("customer_id"))
)
_OPEN = [follow_ups.c.status == s.value for s in OPEN_FOLLOW_UP_STATUSES]
_FOLLOW_UPS = Prepared(
    select(follow_ups)
    .where(follow_ups.c.customer_id == bindparam("customer_id"), or_(*_OPEN))
    # complaints first: the operator must not miss one; then what is due first
    .order_by(
        (follow_ups.c.kind == FollowUpKind.COMPLAINT.value).desc(),
        follow_ups.c.due_on.asc().nulls_last(),
        follow_ups.c.id,
    )
)
_OPT_OUTS = Prepared(
    select(customer_opt_outs.c.contact_type)
    .where(customer_opt_outs.c.customer_id == bindparam("customer_id"))
    .order_by(customer_opt_outs.c.contact_type)
)
_THEIR_VISITS = union(
    select(visits.c.id).where(visits.c.customer_id == bindparam("customer_id")),
    select(visits.c.id)
    .join(customer_vehicles, customer_vehicles.c.vehicle_id == visits.c.vehicle_id)
    .where(customer_vehicles.c.customer_id == bindparam("customer_id")),
)
"""Their own visits and their vehicles' as one set of ids: each half a range of an index. As ``customer_id
= ? OR vehicle_id IN (...)``, PostgreSQL read every visit (a quarter of a second at a million customers:
no bitmap OR over a subquery), where SQLite ORed the two indexes."""
_NOT_CANCELLED = visits.c.status != VisitStatus.CANCELLED.value
_NEWEST_FIRST = (visits.c.visited_on.desc(), visits.c.id.desc())
_LAST_VISITS = Prepared(
    select(visits, vehicles_table.c.plate)
    .join(vehicles_table, vehicles_table.c.id == visits.c.vehicle_id)
    .where(visits.c.id.in_(_THEIR_VISITS), _NOT_CANCELLED)
    .order_by(*_NEWEST_FIRST)
    .limit(bindparam("limit", type_=Integer))
)
_LAST_VISITS_ITEMS = Prepared(
    select(visit_items.c.visit_id, visit_items.c.name)
    .where(
        visit_items.c.visit_id.in_(
            select(visits.c.id)
            .where(visits.c.id.in_(_THEIR_VISITS), _NOT_CANCELLED)
            .order_by(*_NEWEST_FIRST)
            .limit(bindparam("limit", type_=Integer))
        )
    )
    .order_by(visit_items.c.visit_id, visit_items.c.id)
)
"""The items of those visits in one statement, not one per visit: on a server each is a round trip."""


def get_customer(conn: Connection, customer_id: int) -> Customer | None:
    row = _CUSTOMER.first(conn, customer_id=customer_id)
    return _customer(row) if row else None


def names(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    rows = conn.execute(select(customers.c.id, customers.c.name).where(customers.c.id.in_(list(ids))))
    return {row.id: row.name for row in rows}


def phones(conn: Connection, customer_id: int) -> list[Phone]:
    rows = _PHONES.rows(conn, customer_id=customer_id)
    return [Phone(number=r["number"], e164=r["e164"], label=r["label"]) for r in rows]


def vehicles(conn: Connection, customer_id: int) -> list[Vehicle]:
    """The customer's vehicles, each once with all of its roles; active ones first, then by plate."""
    rows = _VEHICLES.rows(conn, customer_id=customer_id)
    roles: dict[int, list[VehicleRole]] = defaultdict(list)
    first: dict[int, Row] = {}
    for row in rows:
        roles[row["id"]].append(VehicleRole(row["role"]))
        first.setdefault(row["id"], row)
    found = [_vehicle(row, roles[vehicle_id]) for vehicle_id, row in first.items()]
    return sorted(found, key=lambda v: (v.status != VehicleStatus.ACTIVE, v.plate))


def last_visits(conn: Connection, customer_id: int, limit: int = 5) -> list[Visit]:
    """The newest visits made by this customer or to one of their vehicles (a driver may have brought in
    the owner's car), with the items' names joined into a summary."""
    rows = _LAST_VISITS.rows(conn, customer_id=customer_id, limit=limit)
    names: dict[int, list[str]] = defaultdict(list)
    if rows:
        for item in _LAST_VISITS_ITEMS.rows(conn, customer_id=customer_id, limit=limit):
            names[item["visit_id"]].append(item["name"])
    return [_visit(row, ITEM_SEPARATOR.join(names[row["id"]])) for row in rows]


def opted_out(conn: Connection, customer_id: int) -> list[str]:
    """The contact types this customer opted out of."""
    return [row["contact_type"] for row in _OPT_OUTS.rows(conn, customer_id=customer_id)]


def open_follow_ups(conn: Connection, customer_id: int) -> list[FollowUp]:
    return [_follow_up(row) for row in _FOLLOW_UPS.rows(conn, customer_id=customer_id)]


# --- writing ----------------------------------------------------------------------------------------------


async def insert_customer(conn: AsyncConnection, values: dict[str, Any]) -> Customer:
    result = await conn.execute(insert(customers).values(**values).returning(*customers.c))
    return _customer(result.mappings().one())


async def insert_phones(conn: AsyncConnection, customer_id: int, numbers: Iterable[Phone]) -> None:
    rows = [
        {"customer_id": customer_id, "number": p.number, "e164": p.e164, "label": p.label, "position": i}
        for i, p in enumerate(numbers)
    ]
    if rows:
        await conn.execute(insert(customer_phones), rows)


async def phone_holders(
    conn: AsyncConnection, branch_id: int, e164s: Sequence[str], limit: int
) -> list[PhoneHolder]:
    """The branch's customers who have any of these numbers (by the E.164 key, indexed), first added first,
    each once, with the number as they have it. The branch is filtered here, not in SQL (as in
    ``import_store.stored_keys``): with it in the WHERE clause and two numbers or more, SQLite's planner
    walks the branch's customers (a million) and probes their phones instead of reading the numbers'
    index entries."""
    if not e164s:
        return []
    query = (
        select(customers.c.id, customers.c.name, customers.c.branch_id, customer_phones.c.number)
        .select_from(customer_phones.join(customers, customers.c.id == customer_phones.c.customer_id))
        .where(customer_phones.c.e164.in_(list(e164s)))
        .order_by(customers.c.id, customer_phones.c.position, customer_phones.c.id)
    )
    found: dict[int, PhoneHolder] = {}
    for row in await conn.execute(query):
        if row.branch_id == branch_id:
            found.setdefault(row.id, PhoneHolder(row.id, row.name, row.number))
    return list(found.values())[:limit]


async def vehicle_id_by_plate(conn: AsyncConnection, branch_id: int, plate: str) -> int | None:
    query = select(vehicles_table.c.id).where(
        vehicles_table.c.branch_id == branch_id, vehicles_table.c.plate == plate
    )
    found = await conn.scalar(query)
    return int(found) if found is not None else None


async def insert_vehicle(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return int(
        (
            await conn.execute(insert(vehicles_table).values(**values).returning(vehicles_table.c.id))
        ).scalar_one()
    )


async def link_vehicle(conn: AsyncConnection, customer_id: int, vehicle_id: int, role: VehicleRole) -> None:
    """Give a customer a role for a vehicle (doing nothing if they already hold it)."""
    exists = await conn.scalar(
        select(func.count())
        .select_from(customer_vehicles)
        .where(
            customer_vehicles.c.customer_id == customer_id,
            customer_vehicles.c.vehicle_id == vehicle_id,
            customer_vehicles.c.role == role.value,
        )
    )
    if not exists:
        values = {"customer_id": customer_id, "vehicle_id": vehicle_id, "role": role.value}
        await conn.execute(insert(customer_vehicles).values(**values))


async def insert_customers(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Many customers in one statement (imports, the demo); their ids in the order given."""
    return await _insert_many(conn, customers, rows)


async def insert_phone_rows(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    await _insert_many(conn, customer_phones, rows)


async def insert_vehicles(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    return await _insert_many(conn, vehicles_table, rows)


async def link_vehicles(conn: AsyncConnection, links: Iterable[tuple[int, int, VehicleRole]]) -> None:
    """New (customer id, vehicle id, role) links (an existing one is an integrity error)."""
    rows = [{"customer_id": c, "vehicle_id": v, "role": role.value} for c, v, role in links]
    await _insert_many(conn, customer_vehicles, rows)


async def insert_visits(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]], items: Sequence[Sequence[dict[str, Any]]]
) -> list[int]:
    """Visits and, for each, its items (``name``, ``price``, ``quantity``); the visits' ids in order."""
    ids = await _insert_many(conn, visits, rows)
    item_rows = [
        {**item, "visit_id": visit_id} for visit_id, its in zip(ids, items, strict=True) for item in its
    ]
    await _insert_many(conn, visit_items, item_rows)
    return ids


async def insert_readings(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Odometer readings (``vehicle_mileage`` rows) written as they are, for data written in bulk."""
    await _insert_many(conn, vehicle_mileage, rows)


async def insert_follow_ups(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    return await _insert_many(conn, follow_ups, rows)


async def _insert_many(conn: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """One INSERT for all rows (SQLAlchemy batches them into multi-row VALUES); ids in the order given."""
    if not rows:
        return []
    if "id" not in table.c:
        await conn.execute(insert(table), list(rows))
        return []
    query = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(row.id) for row in await conn.execute(query, list(rows))]


# --- rows to dataclasses ----------------------------------------------------------------------------------


DERIVED = frozenset({"name_key"})  # written from the name by ctid.crm.search_store, not a field of its own


def _customer(row: Mapping[Any, Any]) -> Customer:
    values = {c.name: row[c.name] for c in customers.c if c.name not in DERIVED}
    values["kind"] = CustomerKind(values["kind"])
    values["gender"] = Gender(values["gender"]) if values["gender"] else None
    values["tags"] = tuple(tag for tag in values["tags"].split("\n") if tag)
    return Customer(**values)


def _vehicle(row: Mapping[Any, Any], roles: list[VehicleRole]) -> Vehicle:
    return Vehicle(
        id=row["id"],
        plate=row["plate"],
        vin=row["vin"],
        brand=row["brand"],
        model=row["model"],
        colour=row["colour"],
        roles=tuple(sorted(set(roles), key=_ROLE_ORDER.__getitem__)),
        status=VehicleStatus(row["status"]),
        mileage_km=row["mileage_km"],
        insurance_expiry=row["insurance_expiry"],
        inspection_due=row["inspection_due"],
        next_service_due=row["next_service_due"],
    )


def _visit(row: Mapping[Any, Any], summary: str) -> Visit:
    return Visit(
        id=row["id"],
        vehicle_id=row["vehicle_id"],
        plate=row["plate"],
        visited_on=row["visited_on"],
        mileage_km=row["mileage_km"],
        summary=summary,
        amount=row["amount"],
        advisor=row["advisor"],
        status=VisitStatus(row["status"]),
    )


def _follow_up(row: Mapping[Any, Any]) -> FollowUp:
    return FollowUp(
        id=row["id"],
        kind=FollowUpKind(row["kind"]),
        category=row["category"],
        channel=row["channel"],
        content=row["content"],
        status=FollowUpStatus(row["status"]),
        due_on=row["due_on"],
        created_at=row["created_at"],
    )
