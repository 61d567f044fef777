"""Change history of CRM records, written to and read back from the audit log.

Why the audit log and no history table of its own: one write per change (in the change's transaction) and
one place to look, so the history a user reads and the log an admin audits can never disagree. An entry
holds exactly the fields that changed, before and after, as JSON-friendly values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit import store as audit
from ctid.audit.models import Actor, changes
from ctid.crm.models import Phone
from ctid.crm.record_models import HistoryEntry


def auditable(value: Any) -> Any:
    """A value as the audit log keeps it (JSON): enums by value, dates ISO, money as text, phones as
    "+E.164 label" (as a new customer's are, with the label)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Phone):
        return f"{value.e164 or value.number} {value.label}".strip()
    if isinstance(value, list | tuple):
        return [auditable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): auditable(v) for k, v in value.items()}
    return value


def diff(current: Mapping[str, Any], proposed: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before and after of the fields of ``proposed`` whose value differs from ``current``."""
    return changes(auditable(dict(current)), auditable(dict(proposed)))


async def record_change(
    conn: AsyncConnection,
    actor: Actor,
    action: str,
    entity: tuple[str, int],
    at: datetime,
    change: tuple[dict[str, Any], dict[str, Any]],
) -> bool:
    """Write an entry for a change; nothing (False) when no field changed."""
    before, after = change
    if not after:
        return False
    await audit.record(conn, actor, action, entity, at, before=before, after=after)
    return True


async def read_history(conn: AsyncConnection, entity_type: str, entity_id: int) -> list[HistoryEntry]:
    """One line per changed field, newest change first (a creation lists its fields with no before)."""
    lines = []
    for entry in await audit.for_entity(conn, entity_type, entity_id):
        after, before = entry.after or {}, entry.before or {}
        for name in sorted(after.keys() | before.keys()):
            value = HistoryEntry(
                entry.at, entry.actor_name, entry.action, name, before.get(name), after.get(name)
            )
            lines.append(value)
    return lines
