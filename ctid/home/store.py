"""SQL for the start page: birthdays, vehicles due, today's calls, open complaints, announcements.

Every query reads through an index on the branch and a date (or a short status list): at a million
customers the page never scans a table (see migration 0008 and ctid.home.days).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, and_, delete, func, insert, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.calls.store import _call  # one row mapping for the call log and the start page
from ctid.calls.tables import calls
from ctid.crm.models import CustomerKind, FollowUpKind, FollowUpStatus, ReminderKind, VehicleStatus
from ctid.crm.tables import customer_opt_outs, customer_vehicles, customers, follow_ups, vehicles
from ctid.home.models import Announcement, Birthday, CallsToday, OpenComplaint, VehicleDue
from ctid.home.tables import announcements

DUE_COLUMNS: dict[ReminderKind, Column[Any]] = {
    ReminderKind.INSURANCE: vehicles.c.insurance_expiry,
    ReminderKind.INSPECTION: vehicles.c.inspection_due,
    ReminderKind.MAINTENANCE: vehicles.c.next_service_due,
}
OPEN = (FollowUpStatus.OPEN.value, FollowUpStatus.IN_PROGRESS.value)


async def birthdays(
    conn: AsyncConnection, branch_id: int, dates: Sequence[date], limit: int, lunar_dates: Sequence[date] = ()
) -> list[Birthday]:
    """People of the branch born on one of ``dates`` (or of ``lunar_dates`` for those who keep the lunar
    birthday) who have not refused birthday greetings."""
    refused = select(customer_opt_outs.c.customer_id).where(
        customer_opt_outs.c.customer_id == customers.c.id, customer_opt_outs.c.contact_type == "birthday"
    )
    query = (
        select(customers.c.id, customers.c.name, customers.c.birthday)
        .where(
            customers.c.branch_id == branch_id,
            or_(
                and_(customers.c.birthday.in_(list(dates)), customers.c.birthday_lunar.is_(False)),
                and_(customers.c.birthday.in_(list(lunar_dates)), customers.c.birthday_lunar.is_(True)),
            ),
        )
        .where(customers.c.kind == CustomerKind.PERSON.value, ~refused.exists())
        .order_by(customers.c.name, customers.c.id)
        .limit(limit)
    )
    return [Birthday(row.id, row.name, row.birthday) for row in await conn.execute(query)]


async def vehicles_due(
    conn: AsyncConnection, branch_id: int, kind: ReminderKind, first: date, last: date, limit: int
) -> tuple[list[VehicleDue], int]:
    """Active vehicles of the branch whose ``kind`` date is in [first, last], soonest first, and how many."""
    column = DUE_COLUMNS[kind]
    conditions = [vehicles.c.branch_id == branch_id, column.between(first, last)]
    conditions.append(vehicles.c.status == VehicleStatus.ACTIVE.value)
    link = customer_vehicles.c
    holder = (
        select(link.customer_id)
        .where(link.vehicle_id == vehicles.c.id)
        .order_by((link.role == "owner").desc(), link.customer_id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(vehicles.c.id, vehicles.c.plate, column.label("due_on"), holder.label("customer_id"))
        .where(*conditions)
        .order_by(column, vehicles.c.id)
        .limit(limit)
    )
    rows = (await conn.execute(query)).all()
    names = await _names(conn, {row.customer_id for row in rows if row.customer_id})
    found = [
        VehicleDue(row.id, row.plate, kind, row.due_on, row.customer_id, names.get(row.customer_id))
        for row in rows
    ]
    total = await conn.scalar(select(func.count()).select_from(vehicles).where(*conditions))
    return found, int(total or 0)


async def calls_since(
    conn: AsyncConnection, lines: Collection[str], since: datetime, last: int
) -> CallsToday:
    """Answered and missed calls on these lines since ``since``, and the newest ``last`` of them."""
    where = [calls.c.line.in_(list(lines)), calls.c.started_at >= since]
    counts = select(calls.c.outcome, func.count()).where(*where).group_by(calls.c.outcome)
    by_outcome = {outcome: int(n) for outcome, n in await conn.execute(counts)}
    recent = select(calls).where(*where).order_by(calls.c.started_at.desc(), calls.c.id.desc()).limit(last)
    found = tuple(_call(row) for row in (await conn.execute(recent)).mappings())
    answered = by_outcome.get("answered", 0) + by_outcome.get("connected", 0)
    return CallsToday(answered, by_outcome.get("missed", 0), sum(by_outcome.values()), found)


async def open_complaints(
    conn: AsyncConnection, branch_id: int, limit: int
) -> tuple[list[OpenComplaint], int]:
    """Complaints of the branch's customers still open or in progress, oldest first, and how many."""
    conditions = [
        follow_ups.c.status.in_(OPEN),
        follow_ups.c.kind == FollowUpKind.COMPLAINT.value,
        customers.c.branch_id == branch_id,
    ]
    joined = follow_ups.join(customers, customers.c.id == follow_ups.c.customer_id)
    query = (
        select(follow_ups, customers.c.name.label("customer_name"))
        .select_from(joined)
        .where(*conditions)
        .order_by(follow_ups.c.created_at, follow_ups.c.id)
        .limit(limit)
    )
    found = [_complaint(row) for row in (await conn.execute(query)).mappings()]
    total = await conn.scalar(select(func.count()).select_from(joined).where(*conditions))
    return found, int(total or 0)


async def current_announcements(
    conn: AsyncConnection, branch_id: int | None, today: date
) -> list[Announcement]:
    """Not expired, for the branch (and every branch's); ``branch_id`` None: all of them. Newest first."""
    conditions: list[Any] = [or_(announcements.c.expires_on.is_(None), announcements.c.expires_on >= today)]
    if branch_id is not None:
        conditions.append(or_(announcements.c.branch_id.is_(None), announcements.c.branch_id == branch_id))
    query = select(announcements).where(*conditions)
    query = query.order_by(announcements.c.created_at.desc(), announcements.c.id.desc())
    return [Announcement(**dict(row)) for row in (await conn.execute(query)).mappings()]


async def get_announcement(conn: AsyncConnection, announcement_id: int) -> Announcement | None:
    query = select(announcements).where(announcements.c.id == announcement_id)
    row = (await conn.execute(query)).mappings().first()
    return Announcement(**dict(row)) if row else None


async def insert_announcement(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(announcements).values(**values).returning(announcements.c.id)
    return int((await conn.execute(query)).scalar_one())


async def delete_announcement(conn: AsyncConnection, announcement_id: int) -> None:
    await conn.execute(delete(announcements).where(announcements.c.id == announcement_id))


async def _names(conn: AsyncConnection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(customers.c.id, customers.c.name).where(customers.c.id.in_(sorted(ids)))
    return {row.id: row.name for row in await conn.execute(query)}


def _complaint(row: RowMapping) -> OpenComplaint:
    return OpenComplaint(
        id=row["id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        category=row["category"],
        content=row["content"],
        status=FollowUpStatus(row["status"]),
        due_on=row["due_on"],
        created_at=row["created_at"],
    )
