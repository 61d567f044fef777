"""SQL for follow-ups (回访) and complaints (投诉): the work queue and its changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.paging import Page
from ctid.crm.models import FollowUpKind, FollowUpStatus
from ctid.crm.record_models import FollowUpFilter, FollowUpRecord
from ctid.crm.tables import customers, follow_ups
from ctid.storage.db import fetch_page

_FOLLOW_UPS = select(follow_ups, customers.c.branch_id, customers.c.name.label("customer_name")).join(
    customers, customers.c.id == follow_ups.c.customer_id
)


async def get_follow_up(conn: AsyncConnection, follow_up_id: int) -> FollowUpRecord | None:
    row = (await conn.execute(_FOLLOW_UPS.where(follow_ups.c.id == follow_up_id))).mappings().first()
    return _follow_up(row) if row else None


async def list_follow_ups(conn: AsyncConnection, where: FollowUpFilter) -> Page[FollowUpRecord]:
    """What is due first comes first (undated last), as a work queue reads."""
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(customers.c.branch_id == where.branch_id)
    if where.status is not None:
        conditions.append(follow_ups.c.status == where.status.value)
    if where.kind is not None:
        conditions.append(follow_ups.c.kind == where.kind.value)
    if where.handler_id is not None:
        conditions.append(follow_ups.c.handler_id == where.handler_id)
    if where.customer_id is not None:
        conditions.append(follow_ups.c.customer_id == where.customer_id)
    if where.due_from is not None:
        conditions.append(follow_ups.c.due_on >= where.due_from)
    if where.due_to is not None:
        conditions.append(follow_ups.c.due_on <= where.due_to)
    order = [follow_ups.c.due_on.asc().nulls_last(), follow_ups.c.id]
    return await fetch_page(conn, _FOLLOW_UPS.where(*conditions), order, where.page, _follow_up)


async def insert_follow_up(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(follow_ups).values(**values).returning(follow_ups.c.id)
    return int((await conn.execute(query)).scalar_one())


async def update_follow_up(conn: AsyncConnection, follow_up_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(follow_ups).where(follow_ups.c.id == follow_up_id).values(**values))


async def open_calls(
    conn: AsyncConnection, *, follow_up_id: int | None = None, visit_id: int | None = None
) -> list[FollowUpRecord]:
    """The open or in-progress follow-up calls (not complaints): the one with ``follow_up_id``, or those
    scheduled after the visit ``visit_id``."""
    query = _FOLLOW_UPS.where(
        follow_ups.c.kind == FollowUpKind.FOLLOW_UP.value,
        follow_ups.c.status.in_([FollowUpStatus.OPEN.value, FollowUpStatus.IN_PROGRESS.value]),
    )
    if follow_up_id is not None:
        query = query.where(follow_ups.c.id == follow_up_id)
    if visit_id is not None:
        query = query.where(follow_ups.c.visit_id == visit_id)
    return [_follow_up(row) for row in (await conn.execute(query)).mappings()]


def _follow_up(row: RowMapping) -> FollowUpRecord:
    return FollowUpRecord(
        id=row["id"],
        branch_id=row["branch_id"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        kind=FollowUpKind(row["kind"]),
        category=row["category"],
        channel=row["channel"],
        content=row["content"],
        status=FollowUpStatus(row["status"]),
        due_on=row["due_on"],
        result=row["result"],
        recorder_id=row["recorder_id"],
        handler_id=row["handler_id"],
        visit_id=row["visit_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        closed_at=row["closed_at"],
    )
