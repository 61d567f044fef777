"""SQL for the reminders' settings: one JSON object per type in ``reminder_settings`` (read over the
type's defaults by ``ctid.reminders.settings.settings_from_json``; a type without a row has its defaults)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.reminders.custom import CustomRule, custom_rules_from_json, custom_rules_to_json
from ctid.reminders.inspection import (
    DEFAULT_INSPECTION_RULES,
    InspectionRule,
    inspection_rules_from_json,
    inspection_rules_to_json,
)
from ctid.reminders.models import ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS, TypeSettings, settings_from_json, settings_to_json
from ctid.reminders.tables import reminder_settings


async def load(conn: AsyncConnection) -> dict[ReminderType, TypeSettings]:
    """Every type's settings: the stored ones over the defaults."""
    found = dict(DEFAULT_SETTINGS)
    kinds = {t.value for t in ReminderType}
    rows = await conn.execute(select(reminder_settings.c.name, reminder_settings.c.value))
    for name, value in rows:
        if name in kinds:
            found[ReminderType(name)] = settings_from_json({**json.loads(value), "type": name})
    return found


INSPECTION_RULES = "inspection_rules"
CUSTOM_RULES = "custom_rules"
CUSTOM_RULES_LAST_ID = "custom_rules_last_id"  # the highest id ever given a custom rule, removed ones too


async def inspection_rules(conn: AsyncConnection) -> tuple[InspectionRule, ...]:
    """The inspection rule table an admin keeps (``inspection_rules``), else the 2022 rules' defaults."""
    query = select(reminder_settings.c.value).where(reminder_settings.c.name == INSPECTION_RULES)
    stored = await conn.scalar(query)
    return DEFAULT_INSPECTION_RULES if stored is None else inspection_rules_from_json(json.loads(stored))


async def save(conn: AsyncConnection, settings: TypeSettings, at: datetime, by: int | None) -> None:
    """A type's settings, replacing what was stored."""
    await _put(conn, settings.type.value, settings_to_json(settings), at, by)


async def save_inspection_rules(
    conn: AsyncConnection, table: tuple[InspectionRule, ...], at: datetime, by: int | None
) -> None:
    """The inspection rule table, replacing what was stored (the next build reads it)."""
    await _put(conn, INSPECTION_RULES, inspection_rules_to_json(table), at, by)


async def _put(conn: AsyncConnection, name: str, data: object, at: datetime, by: int | None) -> None:
    value = json.dumps(data, ensure_ascii=False, sort_keys=True)
    await conn.execute(reminder_settings.delete().where(reminder_settings.c.name == name))
    await conn.execute(
        reminder_settings.insert().values(name=name, value=value, updated_at=at, updated_by=by)
    )


async def custom_rules(conn: AsyncConnection) -> tuple[CustomRule, ...]:
    """The site's custom rules (``custom_rules``), none until an admin makes one."""
    query = select(reminder_settings.c.value).where(reminder_settings.c.name == CUSTOM_RULES)
    stored = await conn.scalar(query)
    return () if stored is None else custom_rules_from_json(json.loads(stored))


async def custom_rules_last_id(conn: AsyncConnection) -> int:
    """The highest id a custom rule ever had (0: none yet), so that a removed rule's id is not given again
    (its items keep it)."""
    query = select(reminder_settings.c.value).where(reminder_settings.c.name == CUSTOM_RULES_LAST_ID)
    stored = await conn.scalar(query)
    return 0 if stored is None else int(json.loads(stored))


async def save_custom_rules(
    conn: AsyncConnection, rules: tuple[CustomRule, ...], at: datetime, by: int | None
) -> None:
    """The site's custom rules, replacing what was stored, and the highest id given moved up to theirs."""
    await _put(conn, CUSTOM_RULES, custom_rules_to_json(rules), at, by)
    last = await custom_rules_last_id(conn)
    if (highest := max((rule.id for rule in rules), default=0)) > last:
        await _put(conn, CUSTOM_RULES_LAST_ID, highest, at, by)
