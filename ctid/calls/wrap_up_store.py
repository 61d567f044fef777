"""SQL for the wrap-up results' list (wrap_up_codes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.calls.models import WrapUpCode
from ctid.calls.tables import wrap_up_codes


async def list_codes(conn: AsyncConnection, active: bool | None) -> list[WrapUpCode]:
    query = select(wrap_up_codes)
    if active is not None:
        query = query.where(wrap_up_codes.c.active == active)
    query = query.order_by(wrap_up_codes.c.position, wrap_up_codes.c.id)
    return [_code(row) for row in (await conn.execute(query)).mappings()]


async def get_code(conn: AsyncConnection, code_id: int) -> WrapUpCode | None:
    row = (await conn.execute(select(wrap_up_codes).where(wrap_up_codes.c.id == code_id))).mappings().first()
    return _code(row) if row else None


async def find_code(conn: AsyncConnection, code: str) -> WrapUpCode | None:
    row = (await conn.execute(select(wrap_up_codes).where(wrap_up_codes.c.code == code))).mappings().first()
    return _code(row) if row else None


async def insert_code(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(wrap_up_codes).values(**values).returning(wrap_up_codes.c.id)
    return int((await conn.execute(query)).scalar_one())


async def update_code(conn: AsyncConnection, code_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(wrap_up_codes).where(wrap_up_codes.c.id == code_id).values(**values))


def _code(row: RowMapping) -> WrapUpCode:
    return WrapUpCode(row["id"], row["code"], row["label"], row["position"], bool(row["active"]))
