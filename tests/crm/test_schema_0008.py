"""Migration 0008 creates exactly what the prospect, announcement and start-page index declarations say,
seeds the base data, and downgrades to 0007 cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, create_engine

import ctid.tables  # noqa: F401  (every table on the metadata)
from ctid.db import Database, _alembic_config, metadata
from tests.crm.support import rows

MINE = {"crm_options", "prospects", "prospect_visits", "announcements", "customers", "vehicles"}


def _names(difference: Any) -> set[str]:
    items = difference if isinstance(difference, list) else [difference]
    return {str(getattr(part, "name", getattr(part, "table", part))) for item in items for part in item}


async def test_the_migration_matches_the_tables(db: Database, db_path: Path) -> None:
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert [d for d in differences if MINE & _names(d)] == []
    levels = rows(db_path, "SELECT value FROM crm_options WHERE kind = 'level' ORDER BY position")
    assert levels == [("H",), ("A",), ("B",), ("C",)]


async def test_downgrade_to_0007_and_up_again(db: Database, db_path: Path) -> None:
    def run(conn: Connection, revision: str, up: bool) -> None:
        (command.upgrade if up else command.downgrade)(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run, "0007", False)
    assert rows(db_path, "SELECT name FROM sqlite_master WHERE name = 'prospects'") == []
    async with db.engine.begin() as conn:
        await conn.run_sync(run, "head", True)
    assert rows(db_path, "SELECT name FROM sqlite_master WHERE name = 'prospects'") == [("prospects",)]
