"""Revision 0022: the outbox's tables and the seeded templates (none sending by itself); the declared tables
match the migrated schema; downgrading takes them away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection

from ctid.storage.db import Database, _alembic_config, upgrade
from tests.support.queries import differences, rows


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


def _tables(difference: object) -> list[object]:
    """Table names mentioned by an autogenerate difference (a tuple, or a list of tuples)."""
    items = difference if isinstance(difference, list) else [difference]
    return [getattr(part, "name", getattr(part, "table", part)) for item in items for part in item]


async def test_the_presets_are_seeded_off_and_the_schema_matches(db: Database) -> None:
    mine = {"sms_messages", "sms_parts", "sms_templates"}
    assert [d for d in await differences(db) if mine & set(map(str, _tables(d)))] == []
    presets = await rows(db, "SELECT key, reminder_type, lead_days, auto_send FROM sms_templates ORDER BY id")
    assert [(k, t, d, bool(a)) for k, t, d, a in presets] == [
        ("insurance", "insurance", 30, False),
        ("inspection", "inspection", 30, False),
        ("maintenance", "maintenance", 7, False),
        ("birthday", "birthday", 0, False),
        ("appointment_confirm", None, None, False),
        ("appointment_reminder", None, 1, False),
    ]
    [(text,)] = await rows(db, "SELECT text FROM sms_templates WHERE key = 'insurance'")
    assert "{customer}" in text and "{plate}" in text and "{due_date}" in text and "回复TD退订" in text


async def test_downgrade_and_upgrade_again(db: Database) -> None:
    await _downgrade(db, "0021")
    tables = await rows(db, "SELECT count(*) FROM branches")  # the database is still there
    assert tables == [(1,)]
    await upgrade(db.engine)
    assert len(await rows(db, "SELECT key FROM sms_templates")) == 6
