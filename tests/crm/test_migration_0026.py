"""Revision 0026 on a database with customers: every customer has no e-mail address, one can be written,
and the downgrade takes the column away and keeps the customers."""

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


async def test_customers_written_before_have_no_address(db: Database, branch_id: int) -> None:
    await _downgrade(db, "0025")
    assert "email" not in await columns(db, "customers")
    await execute(
        db,
        "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
        "VALUES (1, :branch, 'person', '王五', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        branch=branch_id,
    )
    await upgrade(db.engine)
    assert await rows(db, "SELECT id, email FROM customers") == [(1, None)]
    await execute(db, "UPDATE customers SET email = 'wang@163.com' WHERE id = 1")
    await _downgrade(db, "0025")
    assert "email" not in await columns(db, "customers")
    assert await rows(db, "SELECT name FROM customers") == [("王五",)]
