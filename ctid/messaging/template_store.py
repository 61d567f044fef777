"""SQL for the SMS templates (sms_templates)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.messaging.tables import sms_templates
from ctid.messaging.templates import SmsTemplate

T = sms_templates.c


async def list_templates(conn: AsyncConnection, active: bool | None = None) -> list[SmsTemplate]:
    query = select(sms_templates).order_by(T.id)
    if active is not None:
        query = query.where(T.active == active)
    return [_template(row) for row in (await conn.execute(query)).mappings()]


async def get_template(conn: AsyncConnection, template_id: int) -> SmsTemplate | None:
    row = (await conn.execute(select(sms_templates).where(T.id == template_id))).mappings().first()
    return _template(row) if row else None


async def find_template(conn: AsyncConnection, key: str) -> SmsTemplate | None:
    row = (await conn.execute(select(sms_templates).where(T.key == key))).mappings().first()
    return _template(row) if row else None


async def insert_template(conn: AsyncConnection, values: dict[str, Any]) -> int:
    return int((await conn.execute(insert(sms_templates).values(**values).returning(T.id))).scalar_one())


async def update_template(conn: AsyncConnection, template_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(sms_templates).where(T.id == template_id).values(**values))


def _template(row: RowMapping) -> SmsTemplate:
    return SmsTemplate(
        id=row["id"],
        key=row["key"],
        name=row["name"],
        text=row["text"],
        provider_code=row["provider_code"],
        reminder_type=row["reminder_type"],
        lead_days=row["lead_days"],
        auto_send=bool(row["auto_send"]),
        active=bool(row["active"]),
    )
