"""SQL for service appointments (预约): the day and week views, a slot's count, a customer's next one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.tables import users
from ctid.core.paging import Page
from ctid.crm.tables import customers, service_catalogue, vehicles
from ctid.reminders.appointment_models import (
    TAKING_A_SLOT,
    Appointment,
    AppointmentFilter,
    AppointmentSource,
    AppointmentStatus,
)
from ctid.reminders.appointment_tables import appointments
from ctid.storage.db import fetch_page

_TAKING = [s.value for s in TAKING_A_SLOT]
_ROWS = (
    select(
        appointments,
        customers.c.name.label("customer_name"),
        vehicles.c.plate,
        service_catalogue.c.name.label("item_name"),
        users.c.display_name.label("advisor_display"),
        users.c.username.label("advisor_username"),
    )
    .join(customers, customers.c.id == appointments.c.customer_id)
    .join(users, users.c.id == appointments.c.advisor_id)
    .outerjoin(vehicles, vehicles.c.id == appointments.c.vehicle_id)
    .outerjoin(service_catalogue, service_catalogue.c.id == appointments.c.service_item_id)
)
_ORDER = [appointments.c.day, appointments.c.slot, appointments.c.id]


async def get(conn: AsyncConnection, appointment_id: int) -> Appointment | None:
    row = (await conn.execute(_ROWS.where(appointments.c.id == appointment_id))).mappings().first()
    return _appointment(row) if row else None


async def page(conn: AsyncConnection, where: AppointmentFilter) -> Page[Appointment]:
    """In the order of the day: by day, slot, then as booked (``newest_first``: the other way round)."""
    order = [c.desc() for c in _ORDER] if where.newest_first else _ORDER
    return await fetch_page(conn, _ROWS.where(*_conditions(where)), order, where.page, _appointment)


async def between(
    conn: AsyncConnection, branch_id: int | None, first: date, last: date, advisor_id: int | None = None
) -> list[Appointment]:
    """Every appointment of the days ``first..last`` (a day or week view: a few hundred rows at most)."""
    where = AppointmentFilter(branch_id=branch_id, day_from=first, day_to=last, advisor_id=advisor_id)
    rows = await conn.execute(_ROWS.where(*_conditions(where)).order_by(*_ORDER))
    return [_appointment(row) for row in rows.mappings()]


async def to_remind(conn: AsyncConnection, day: date) -> list[Appointment]:
    """The booked appointments of ``day`` whose customer has not had the day-before SMS."""
    query = _ROWS.where(
        appointments.c.day == day,
        appointments.c.status == AppointmentStatus.BOOKED.value,
        appointments.c.reminded_at.is_(None),
    ).order_by(*_ORDER)
    return [_appointment(row) for row in (await conn.execute(query)).mappings()]


async def mark_reminded(conn: AsyncConnection, appointment_id: int, at: datetime) -> bool:
    """Marked once: False when it already was (another run got there first)."""
    query = (
        update(appointments)
        .where(appointments.c.id == appointment_id, appointments.c.reminded_at.is_(None))
        .values(reminded_at=at)
    )
    return bool((await conn.execute(query)).rowcount)


async def taken(conn: AsyncConnection, advisor_id: int, day: date, slot: str, but: int | None = None) -> int:
    """How many cars the advisor's slot already takes (``but``: leave that appointment out, it is moving)."""
    query = select(func.count()).where(
        appointments.c.advisor_id == advisor_id,
        appointments.c.day == day,
        appointments.c.slot == slot,
        appointments.c.status.in_(_TAKING),
    )
    if but is not None:
        query = query.where(appointments.c.id != but)
    return int(await conn.scalar(query) or 0)


async def next_for(conn: AsyncConnection, customer_ids: Sequence[int], today: date) -> dict[int, Appointment]:
    """Each customer's next booked appointment from ``today`` on (the pop's card, the customer page)."""
    if not customer_ids:
        return {}
    query = _ROWS.where(
        appointments.c.customer_id.in_(list(customer_ids)),
        appointments.c.day >= today,
        appointments.c.status == AppointmentStatus.BOOKED.value,
    ).order_by(*_ORDER)
    found: dict[int, Appointment] = {}
    for row in (await conn.execute(query)).mappings():
        found.setdefault(row["customer_id"], _appointment(row))
    return found


async def insert_appointment(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(appointments).values(**values).returning(appointments.c.id)
    return int((await conn.execute(query)).scalar_one())


async def update_appointment(conn: AsyncConnection, appointment_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(appointments).where(appointments.c.id == appointment_id).values(**values))


async def move_customer(conn: AsyncConnection, merged_id: int, kept_id: int) -> None:
    """A merged customer's appointments become the kept one's (ctid.merging)."""
    query = update(appointments).where(appointments.c.customer_id == merged_id).values(customer_id=kept_id)
    await conn.execute(query)


def _conditions(where: AppointmentFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(appointments.c.branch_id == where.branch_id)
    if where.day_from is not None:
        conditions.append(appointments.c.day >= where.day_from)
    if where.day_to is not None:
        conditions.append(appointments.c.day <= where.day_to)
    if where.advisor_id is not None:
        conditions.append(appointments.c.advisor_id == where.advisor_id)
    if where.customer_id is not None:
        conditions.append(appointments.c.customer_id == where.customer_id)
    if where.status is not None:
        conditions.append(appointments.c.status == where.status.value)
    return conditions


def _appointment(row: RowMapping) -> Appointment:
    return Appointment(
        id=row["id"],
        branch_id=row["branch_id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        vehicle_id=row["vehicle_id"],
        plate=row["plate"] or "",
        day=row["day"],
        slot=row["slot"],
        service_item_id=row["service_item_id"],
        service=row["item_name"] or row["service"],
        advisor_id=row["advisor_id"],
        advisor_name=row["advisor_display"] or row["advisor_username"],
        status=AppointmentStatus(row["status"]),
        note=row["note"],
        source=AppointmentSource(row["source"]),
        reminder_item_id=row["reminder_item_id"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
