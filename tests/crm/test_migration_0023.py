"""Revision 0023 on a database with customers: every customer keeps the solar birthday (the lunar flag is
false), and the downgrade takes the column away."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection

from ctid.storage.db import Database, _alembic_config, upgrade
from tests.crm.support import execute, rows
from tests.support.queries import columns


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_customers_written_before_keep_the_solar_birthday(db: Database, branch_id: int) -> None:
    await _downgrade(db, "0022")
    assert "birthday_lunar" not in await columns(db, "customers")
    await execute(
        db,
        "INSERT INTO customers (id, branch_id, kind, name, birthday, created_at, updated_at) "
        "VALUES (1, :branch, 'person', '王五', '1990-10-03', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        branch=branch_id,
    )
    await upgrade(db.engine)
    assert await rows(db, "SELECT id, birthday_lunar FROM customers") == [(1, False)]
    await _downgrade(db, "0022")
    assert "birthday_lunar" not in await columns(db, "customers")
    assert await rows(db, "SELECT name FROM customers") == [("王五",)]
