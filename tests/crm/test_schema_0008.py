"""Migration 0008 creates exactly what the prospect, announcement and start-page index declarations say,
seeds the base data, and downgrades to 0007 cleanly."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import Connection

import ctid.tables  # noqa: F401  (every table on the metadata)
from ctid.storage.db import Database, _alembic_config
from tests.crm.support import differences, has_table, rows

MINE = {"crm_options", "prospects", "prospect_visits", "announcements", "customers", "vehicles"}


def _names(difference: Any) -> set[str]:
    items = difference if isinstance(difference, list) else [difference]
    return {str(getattr(part, "name", getattr(part, "table", part))) for item in items for part in item}


async def test_the_migration_matches_the_tables(db: Database) -> None:
    assert [d for d in await differences(db) if MINE & _names(d)] == []
    levels = await rows(db, "SELECT value FROM crm_options WHERE kind = 'level' ORDER BY position")
    assert levels == [("H",), ("A",), ("B",), ("C",)]


async def test_downgrade_to_0007_and_up_again(db: Database) -> None:
    def run(conn: Connection, revision: str, up: bool) -> None:
        (command.upgrade if up else command.downgrade)(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run, "0007", False)
    assert not await has_table(db, "prospects")
    async with db.engine.begin() as conn:
        await conn.run_sync(run, "head", True)
    assert await has_table(db, "prospects")
