"""SQL for the dealer's base data (crm_options)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.crm.prospect_models import CrmOption, OptionKind
from ctid.crm.prospect_tables import crm_options


async def list_options(
    conn: AsyncConnection, kind: OptionKind | None, active: bool | None
) -> list[CrmOption]:
    conditions: list[Any] = []
    if kind is not None:
        conditions.append(crm_options.c.kind == kind.value)
    if active is not None:
        conditions.append(crm_options.c.active == active)
    query = select(crm_options).where(*conditions)
    query = query.order_by(crm_options.c.kind, crm_options.c.position, crm_options.c.id)
    return [_option(row) for row in (await conn.execute(query)).mappings()]


async def get_option(conn: AsyncConnection, option_id: int) -> CrmOption | None:
    row = (await conn.execute(select(crm_options).where(crm_options.c.id == option_id))).mappings().first()
    return _option(row) if row else None


async def find_option(conn: AsyncConnection, kind: OptionKind, value: str) -> CrmOption | None:
    query = select(crm_options).where(crm_options.c.kind == kind.value, crm_options.c.value == value)
    row = (await conn.execute(query)).mappings().first()
    return _option(row) if row else None


async def insert_option(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(crm_options).values(**values).returning(crm_options.c.id)
    return int((await conn.execute(query)).scalar_one())


async def update_option(conn: AsyncConnection, option_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(crm_options).where(crm_options.c.id == option_id).values(**values))


def _option(row: RowMapping) -> CrmOption:
    return CrmOption(row["id"], OptionKind(row["kind"]), row["value"], row["position"], bool(row["active"]))
