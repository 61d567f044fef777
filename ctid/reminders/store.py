"""SQL for the worklist: reminder items read and changed one at a time, and their history (events).

The daily build's SQL (candidates a batch at a time, the idempotent insert, expiry) is in
``ctid.reminders.build_store``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.tables import users
from ctid.core.paging import Page
from ctid.crm.tables import customers, vehicles
from ctid.reminders.item_models import ReminderEvent, ReminderFilter, ReminderItem
from ctid.reminders.models import Channel, ItemStatus, Outcome, ReminderType
from ctid.reminders.outcomes import contact_key
from ctid.reminders.tables import reminder_events, reminder_items

_ITEMS = (
    select(reminder_items, customers.c.name.label("customer_name"), vehicles.c.plate)
    .join(customers, customers.c.id == reminder_items.c.customer_id)
    .outerjoin(vehicles, vehicles.c.id == reminder_items.c.vehicle_id)
)
_EVENTS = (
    select(
        reminder_events, reminder_items.c.type, reminder_items.c.rule_id, users.c.username.label("user_name")
    )
    .join(reminder_items, reminder_items.c.id == reminder_events.c.item_id)
    .outerjoin(users, users.c.id == reminder_events.c.user_id)
)


async def get_item(conn: AsyncConnection, item_id: int) -> ReminderItem | None:
    row = (await conn.execute(_ITEMS.where(reminder_items.c.id == item_id))).mappings().first()
    return _item(row) if row else None


async def list_items(conn: AsyncConnection, where: ReminderFilter) -> Page[ReminderItem]:
    """Oldest contact day first (overdue, then today's), a customer's items of a day together."""
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(reminder_items.c.branch_id == where.branch_id)
    if where.status is not None:
        conditions.append(reminder_items.c.status == where.status.value)
    if where.on_or_before is not None:
        conditions.append(reminder_items.c.contact_on <= where.on_or_before)
    if where.type is not None:
        conditions.append(reminder_items.c.type == where.type.value)
    if where.assignee_id is not None:
        conditions.append(reminder_items.c.assignee_id == where.assignee_id)
    if where.unassigned:
        conditions.append(reminder_items.c.assignee_id.is_(None))
    if where.customer_id is not None:
        conditions.append(reminder_items.c.customer_id == where.customer_id)
    if where.channel is not None:
        conditions.append(reminder_items.c.channel == where.channel.value)
    order = [reminder_items.c.contact_on, reminder_items.c.contact_key, reminder_items.c.id]
    # the page's ids first, from the items alone (an index range, sorted), then their customers and cars:
    # joined before the sort, a day's thousands of items each read a customer and a car (a second at a
    # million customers); every item has its customer (a foreign key), so the count needs no join either
    total = await conn.scalar(select(func.count()).select_from(reminder_items).where(*conditions))
    request = where.page
    ids = select(reminder_items.c.id).where(*conditions).order_by(*order)
    ids = ids.limit(request.per_page).offset(request.offset)
    rows = await conn.execute(_ITEMS.where(reminder_items.c.id.in_(ids.scalar_subquery())).order_by(*order))
    return Page([_item(row) for row in rows.mappings()], int(total or 0), request)


async def customer_branch(conn: AsyncConnection, customer_id: int) -> int | None:
    """The customer's branch; None when there is no such customer."""
    found = await conn.scalar(select(customers.c.branch_id).where(customers.c.id == customer_id))
    return None if found is None else int(found)


async def customer_addresses(conn: AsyncConnection, customer_ids: set[int]) -> dict[int, str]:
    """The postal addresses of these customers (a letter's envelope), by id."""
    if not customer_ids:
        return {}
    query = select(customers.c.id, customers.c.address).where(customers.c.id.in_(sorted(customer_ids)))
    return {int(row.id): str(row.address) for row in await conn.execute(query)}


async def customer_items(conn: AsyncConnection, customer_id: int, limit: int) -> list[ReminderItem]:
    """A customer's items, the newest due first."""
    query = (
        _ITEMS.where(reminder_items.c.customer_id == customer_id)
        .order_by(reminder_items.c.due_on.desc(), reminder_items.c.id.desc())
        .limit(limit)
    )
    return [_item(row) for row in (await conn.execute(query)).mappings()]


async def customer_events(conn: AsyncConnection, customer_id: int, limit: int) -> list[ReminderEvent]:
    """What was done about a customer's reminders, newest first."""
    query = (
        _EVENTS.where(reminder_events.c.customer_id == customer_id)
        .order_by(reminder_events.c.at.desc(), reminder_events.c.id.desc())
        .limit(limit)
    )
    return [_event(row) for row in (await conn.execute(query)).mappings()]


async def update_item(conn: AsyncConnection, item_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(reminder_items).where(reminder_items.c.id == item_id).values(**values))


async def close_if_open(conn: AsyncConnection, item_id: int, values: dict[str, Any]) -> bool:
    """The item changed only if it is still open (a person may have worked it meanwhile)."""
    query = (
        update(reminder_items)
        .where(reminder_items.c.id == item_id, reminder_items.c.status == ItemStatus.OPEN.value)
        .values(**values)
    )
    return bool((await conn.execute(query)).rowcount)


async def insert_event(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(reminder_events).values(**values).returning(reminder_events.c.id)
    return int((await conn.execute(query)).scalar_one())


async def move_customer(conn: AsyncConnection, merged_id: int, kept_id: int) -> None:
    """A merged customer's reminders and their history go to the one kept (the merged one's row is deleted,
    and would take them along); each item joins the kept customer's contact of its day."""
    query = select(reminder_items.c.id, reminder_items.c.contact_on).where(
        reminder_items.c.customer_id == merged_id
    )
    for item_id, day in (await conn.execute(query)).all():
        values = {"customer_id": kept_id, "contact_key": contact_key(kept_id, day)}
        await conn.execute(update(reminder_items).where(reminder_items.c.id == item_id).values(**values))
    moved = update(reminder_events).where(reminder_events.c.customer_id == merged_id)
    await conn.execute(moved.values(customer_id=kept_id))


def _item(row: RowMapping) -> ReminderItem:
    return ReminderItem(
        id=row["id"],
        branch_id=row["branch_id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        vehicle_id=row["vehicle_id"],
        plate=row["plate"],
        type=ReminderType(row["type"]),
        rule_id=row["rule_id"],
        subject=row["subject"],
        due_on=row["due_on"],
        step=row["step"],
        contact_on=row["contact_on"],
        expires_on=row["expires_on"],
        contact_key=row["contact_key"],
        channel=Channel(row["channel"]),
        status=ItemStatus(row["status"]),
        assignee_id=row["assignee_id"],
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        note=row["note"],
        snoozed_until=row["snoozed_until"],
        call_back_at=row["call_back_at"],
        attempts=row["attempts"],
        appointment_id=row["appointment_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _event(row: RowMapping) -> ReminderEvent:
    return ReminderEvent(
        id=row["id"],
        item_id=row["item_id"],
        customer_id=row["customer_id"],
        type=ReminderType(row["type"]),
        at=row["at"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        note=row["note"],
        channel=Channel(row["channel"]),
        call_id=row["call_id"],
        sms_id=row["sms_id"],
        appointment_id=row["appointment_id"],
        rule_id=row["rule_id"],
    )
