"""SQL for prospects (潜客) and their follow-up visits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.paging import Page
from ctid.crm.prospect_models import Prospect, ProspectFilter, ProspectStatus, ProspectVisit
from ctid.crm.prospect_tables import prospect_visits, prospects
from ctid.storage.db import fetch_page


async def get_prospect(conn: AsyncConnection, prospect_id: int) -> Prospect | None:
    row = (await conn.execute(select(prospects).where(prospects.c.id == prospect_id))).mappings().first()
    return _prospect(row) if row else None


async def list_prospects(conn: AsyncConnection, where: ProspectFilter) -> Page[Prospect]:
    """Newest first."""
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(prospects.c.branch_id == where.branch_id)
    if where.status is not None:
        conditions.append(prospects.c.status == where.status.value)
    if where.assigned_user_id is not None:
        conditions.append(prospects.c.assigned_user_id == where.assigned_user_id)
    if where.source:
        conditions.append(prospects.c.source == where.source)
    if where.industry:
        conditions.append(prospects.c.industry == where.industry)
    order = [prospects.c.id.desc()]
    return await fetch_page(conn, select(prospects).where(*conditions), order, where.page, _prospect)


async def insert_prospect(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(prospects).values(**values).returning(prospects.c.id)
    return int((await conn.execute(query)).scalar_one())


async def update_prospect(conn: AsyncConnection, prospect_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(prospects).where(prospects.c.id == prospect_id).values(**values))


async def visits(conn: AsyncConnection, prospect_id: int) -> list[ProspectVisit]:
    """Newest first."""
    query = (
        select(prospect_visits)
        .where(prospect_visits.c.prospect_id == prospect_id)
        .order_by(prospect_visits.c.at.desc(), prospect_visits.c.id.desc())
    )
    return [ProspectVisit(**dict(row)) for row in (await conn.execute(query)).mappings()]


async def insert_visit(conn: AsyncConnection, values: dict[str, Any]) -> ProspectVisit:
    query = insert(prospect_visits).values(**values).returning(*prospect_visits.c)
    return ProspectVisit(**dict((await conn.execute(query)).mappings().one()))


def _prospect(row: RowMapping) -> Prospect:
    values = dict(row)
    values["focus_points"] = tuple(p for p in values["focus_points"].split("\n") if p)
    values["status"] = ProspectStatus(values["status"])
    return Prospect(**values)
