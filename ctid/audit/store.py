"""SQL for the audit log. Entries are written in the same transaction as the change they describe."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor, AuditEntry, AuditFilter
from ctid.audit.tables import audit_log
from ctid.core.paging import Page
from ctid.storage.db import fetch_page


async def record(
    conn: AsyncConnection,
    actor: Actor,
    action: str,
    entity: tuple[str, object],
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    entity_type, entity_id = entity
    await conn.execute(
        insert(audit_log).values(
            at=at,
            actor_id=actor.user_id,
            actor_name=actor.name,
            address=actor.address,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            before=_dump(before),
            after=_dump(after),
        )
    )


async def search(conn: AsyncConnection, where: AuditFilter) -> Page[AuditEntry]:
    conditions = []
    if where.actor:
        conditions.append(audit_log.c.actor_name == where.actor)
    if where.action:
        conditions.append(audit_log.c.action == where.action)
    if where.entity_type:
        conditions.append(audit_log.c.entity_type == where.entity_type)
    if where.entity_id:
        conditions.append(audit_log.c.entity_id == where.entity_id)
    if where.since:
        conditions.append(audit_log.c.at >= where.since)
    if where.until:
        conditions.append(audit_log.c.at < where.until)
    query = select(audit_log).where(*conditions)
    return await fetch_page(conn, query, [audit_log.c.id.desc()], where.page, _entry)


async def for_entity(
    conn: AsyncConnection, entity_type: str, entity_id: object, limit: int = 1000
) -> list[AuditEntry]:
    """Everything done to one record, newest first: a customer's or a vehicle's change history is read
    from here (the audit log is the one record of changes; there is no second history table)."""
    query = (
        select(audit_log)
        .where(audit_log.c.entity_type == entity_type, audit_log.c.entity_id == str(entity_id))
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    return [_entry(row) for row in (await conn.execute(query)).mappings()]


async def distinct_values(conn: AsyncConnection) -> dict[str, list[str]]:
    """The actions and entity types present, for the filter drop-downs."""
    result = {}
    for column in (audit_log.c.action, audit_log.c.entity_type):
        rows = await conn.execute(select(column).distinct().order_by(column))
        result[column.name] = [r[0] for r in rows]
    return result


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=row["at"],
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        address=row["address"],
        action=row["action"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        before=json.loads(row["before"]) if row["before"] else None,
        after=json.loads(row["after"]) if row["after"] else None,
    )
