"""SQL for customer records: lists with filters, changes, phones and opt-outs.

The single-customer reads are the screen pop's own (ctid.crm.store, synchronous), run here through
``run_sync`` so that one row mapping serves the pop and the records alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, extract, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.paging import Page
from ctid.crm import store
from ctid.crm.due_dates import birthday_days, vehicle_window
from ctid.crm.models import (
    ContactType,
    Customer,
    CustomerKind,
    Phone,
    ReminderKind,
    VehicleStatus,
    VisitStatus,
)
from ctid.crm.record_models import CustomerFilter, OptOut
from ctid.crm.store import _customer as customer_from_row
from ctid.crm.tables import (
    customer_opt_outs,
    customer_phones,
    customer_vehicles,
    customers,
    vehicles,
    visits,
)
from ctid.storage.db import fetch_page

_DUE_COLUMNS = {
    ReminderKind.INSURANCE: "insurance_expiry",
    ReminderKind.INSPECTION: "inspection_due",
    ReminderKind.MAINTENANCE: "next_service_due",
}


async def get_customer(conn: AsyncConnection, customer_id: int) -> Customer | None:
    return await conn.run_sync(store.get_customer, customer_id)


async def phones(conn: AsyncConnection, customer_id: int) -> list[Phone]:
    return await conn.run_sync(store.phones, customer_id)


async def list_customers(conn: AsyncConnection, where: CustomerFilter, today: date) -> Page[Customer]:
    """A page of customers in pinyin order (``name_key``: 李 before 张 on either backend), then by name
    and id; ``today`` is the dealership's, for "due within N days"."""
    conditions = _conditions(where, today)
    query = select(customers).where(*conditions)
    order = [customers.c.name_key, customers.c.name, customers.c.id]
    return await fetch_page(conn, query, order, where.page, customer_from_row)


async def matching_ids(conn: AsyncConnection, where: CustomerFilter, today: date, limit: int) -> list[int]:
    """The ids of the customers the list shows for ``where`` (its filters, not its page), in the list's
    order, at most ``limit``: a dialer campaign's contacts from a search."""
    query = (
        select(customers.c.id)
        .where(*_conditions(where, today))
        .order_by(customers.c.name_key, customers.c.name, customers.c.id)
        .limit(limit)
    )
    return [int(i) for i in (await conn.execute(query)).scalars()]


def _conditions(where: CustomerFilter, today: date) -> list[Any]:
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(customers.c.branch_id == where.branch_id)
    if where.level:
        conditions.append(customers.c.level == where.level)
    if where.source:
        conditions.append(customers.c.source == where.source)
    if where.assigned_user_id is not None:
        conditions.append(customers.c.assigned_user_id == where.assigned_user_id)
    if where.kind is not None:
        conditions.append(customers.c.kind == where.kind.value)
    if where.tag:  # one tag a line: the whole line, a % or _ in it taken as written
        lines = literal("\n") + customers.c.tags + literal("\n")
        conditions.append(lines.contains(f"\n{where.tag}\n", autoescape=True))
    if where.due is not None:
        conditions.append(_due(where.due, where.due_within, today))
    if where.visited_after is not None or where.visited_before is not None:
        last = (
            select(func.max(visits.c.visited_on))
            .where(visits.c.customer_id == customers.c.id, visits.c.status != VisitStatus.CANCELLED.value)
            .scalar_subquery()
        )
        if where.visited_after is not None:
            conditions.append(last >= where.visited_after)
        if where.visited_before is not None:
            conditions.append(last < where.visited_before)
    return conditions


def _due(kind: ReminderKind, within: int, today: date) -> Any:
    """Customers with an active vehicle (owned, used or driven) whose date of this kind is due, or whose
    birthday comes, within ``within`` days (ctid.crm.due_dates)."""
    if kind == ReminderKind.BIRTHDAY:
        month, day = extract("month", customers.c.birthday), extract("day", customers.c.birthday)
        days = sorted(m * 100 + d for m, d in birthday_days(within, today))
        return and_(customers.c.kind == CustomerKind.PERSON.value, (month * 100 + day).in_(days))
    column = vehicles.c[_DUE_COLUMNS[kind]]
    first, last = vehicle_window(within, today)
    return exists(
        select(customer_vehicles.c.vehicle_id)
        .join(vehicles, vehicles.c.id == customer_vehicles.c.vehicle_id)
        .where(
            customer_vehicles.c.customer_id == customers.c.id,
            vehicles.c.status == VehicleStatus.ACTIVE.value,
            column.between(first, last),
        )
    )


async def phones_of(conn: AsyncConnection, customer_ids: Sequence[int]) -> dict[int, list[Phone]]:
    """The phones of several customers (a page of a list) in one query."""
    query = (
        select(customer_phones)
        .where(customer_phones.c.customer_id.in_(list(customer_ids)))
        .order_by(customer_phones.c.customer_id, customer_phones.c.position, customer_phones.c.id)
    )
    found: dict[int, list[Phone]] = defaultdict(list)
    for row in await conn.execute(query):
        found[row.customer_id].append(Phone(row.number, row.e164, row.label))
    return found


async def update_customer(conn: AsyncConnection, customer_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(customers).where(customers.c.id == customer_id).values(**values))


async def replace_phones(conn: AsyncConnection, customer_id: int, numbers: Iterable[Phone]) -> None:
    await conn.execute(delete(customer_phones).where(customer_phones.c.customer_id == customer_id))
    await store.insert_phones(conn, customer_id, numbers)


async def opt_outs(conn: AsyncConnection, customer_id: int) -> list[OptOut]:
    query = (
        select(customer_opt_outs)
        .where(customer_opt_outs.c.customer_id == customer_id)
        .order_by(customer_opt_outs.c.contact_type)
    )
    return [
        OptOut(ContactType(row.contact_type), row.reason, row.created_at) for row in await conn.execute(query)
    ]


async def replace_opt_outs(
    conn: AsyncConnection, customer_id: int, wanted: dict[ContactType, str], now: datetime
) -> None:
    """Exactly ``wanted`` (type -> reason); an opt-out kept with the same reason keeps its date."""
    current = {o.contact_type: o for o in await opt_outs(conn, customer_id)}
    gone = [t.value for t, o in current.items() if wanted.get(t) != o.reason]
    if gone:
        await conn.execute(
            delete(customer_opt_outs).where(
                customer_opt_outs.c.customer_id == customer_id, customer_opt_outs.c.contact_type.in_(gone)
            )
        )
    rows = [
        {"customer_id": customer_id, "contact_type": t.value, "reason": reason, "created_at": now}
        for t, reason in wanted.items()
        if t not in current or current[t].reason != reason
    ]
    if rows:
        await conn.execute(insert(customer_opt_outs), rows)


async def holders_of(conn: AsyncConnection, e164: str) -> list[int]:
    """Every customer (of any branch) with this number, by its indexed E.164 key."""
    query = select(customer_phones.c.customer_id).where(customer_phones.c.e164 == e164).distinct()
    return sorted(int(row.customer_id) for row in await conn.execute(query))


async def numbers_opted_out(conn: AsyncConnection, e164s: Sequence[str], kind: ContactType) -> set[str]:
    """Which of these numbers a customer holding them opted out of ``kind`` for (an SMS opt-out is the
    number's: whoever holds it asked for no more)."""
    if not e164s:
        return set()
    query = (
        select(customer_phones.c.e164)
        .select_from(
            customer_phones.join(
                customer_opt_outs, customer_opt_outs.c.customer_id == customer_phones.c.customer_id
            )
        )
        .where(customer_phones.c.e164.in_(list(e164s)), customer_opt_outs.c.contact_type == kind.value)
        .distinct()
    )
    return {str(row.e164) for row in await conn.execute(query)}


async def add_opt_out(
    conn: AsyncConnection, customer_id: int, kind: ContactType, reason: str, now: datetime
) -> bool:
    """One more opt-out; False when the customer already had it (kept as it was)."""
    if kind in {o.contact_type for o in await opt_outs(conn, customer_id)}:
        return False
    values = {"customer_id": customer_id, "contact_type": kind.value, "reason": reason, "created_at": now}
    await conn.execute(insert(customer_opt_outs).values(**values))
    return True


async def customers_opted_out(
    conn: AsyncConnection, customer_ids: Sequence[int], kinds: Iterable[ContactType]
) -> set[int]:
    """Which of these customers opted out of any of ``kinds``."""
    if not customer_ids:
        return set()
    query = select(customer_opt_outs.c.customer_id).where(
        customer_opt_outs.c.customer_id.in_(list(customer_ids)),
        customer_opt_outs.c.contact_type.in_([k.value for k in kinds]),
    )
    return {int(row.customer_id) for row in await conn.execute(query)}
