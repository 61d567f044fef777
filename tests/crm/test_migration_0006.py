"""Revision 0006 on a database with data, migrated as the daemon does (ctid.storage.db.upgrade): no row of the
tables it rebuilds is lost, follow-ups written before it get updated_at = created_at, and writers that
predate it (the demo, the importers) still insert follow-ups without naming the column."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, select

from ctid.crm.tables import follow_ups
from ctid.storage.db import Database, _alembic_config, upgrade
from tests.crm.support import execute, rows

STAMP = datetime(2025, 1, 1, tzinfo=UTC)
"""Written as the text '2025-01-01 00:00:00': SQLite's stored form, UTC on PostgreSQL (ctid's sessions)."""


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_follow_ups_get_their_updated_at(db: Database, branch_id: int) -> None:
    await _downgrade(db, "0005")
    await execute(
        db,
        "INSERT INTO customers (branch_id, kind, name, created_at, updated_at) "
        "VALUES (:branch, 'person', '张伟', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        "INSERT INTO follow_ups (customer_id, kind, created_at) "
        "VALUES (1, 'follow_up', '2025-02-03 04:05:06')",
        branch=branch_id,
    )
    await upgrade(db.engine)
    stamped = select(follow_ups.c.updated_at, follow_ups.c.result, follow_ups.c.closed_at)
    assert await rows(db, stamped) == [(datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC), "", None)]
    await execute(
        db, "INSERT INTO follow_ups (customer_id, kind, created_at) VALUES (1, 'complaint', '2026-01-01')"
    )
    [(stamp,)] = await rows(db, select(follow_ups.c.updated_at).where(follow_ups.c.kind == "complaint"))
    assert abs(stamp - datetime.now(UTC)).total_seconds() < 3600  # the column's default: now


async def test_upgrading_keeps_every_row_of_the_tables_it_rebuilds(db: Database, branch_id: int) -> None:
    """Batch mode rebuilds customers and visits on SQLite; with foreign keys on, dropping the old table
    would cascade to phones, vehicle links, visit items and follow-ups."""
    await _downgrade(db, "0005")
    stamp = "'2025-01-01 00:00:00'"
    await execute(
        db,
        "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
        f"VALUES (1, :branch, 'person', '张伟', {stamp}, {stamp})",
        "INSERT INTO customer_phones (customer_id, number, e164) VALUES (1, '138', '+86138')",
        f"INSERT INTO vehicles (id, branch_id, plate, created_at, updated_at) "
        f"VALUES (1, :branch, '粤A12345', {stamp}, {stamp})",
        "INSERT INTO customer_vehicles VALUES (1, 1, 'owner')",
        "INSERT INTO visits (id, vehicle_id, customer_id, visited_on) VALUES (1, 1, 1, '2025-01-02')",
        "INSERT INTO visit_items (visit_id, name) VALUES (1, '洗车')",
        f"INSERT INTO follow_ups (customer_id, kind, created_at) VALUES (1, 'follow_up', {stamp})",
        branch=branch_id,
    )
    await upgrade(db.engine)
    for table in ("customers", "customer_phones", "vehicles", "customer_vehicles", "visits", "visit_items"):
        assert await rows(db, f"SELECT count(*) FROM {table}") == [(1,)], table
    assert await rows(db, "SELECT kind FROM visit_items") == [("service",)]
    assert await rows(db, select(follow_ups.c.updated_at)) == [(STAMP,)]
    if db.engine.dialect.name == "sqlite":  # PostgreSQL checks its keys at every write
        assert await rows(db, "PRAGMA foreign_key_check") == []
