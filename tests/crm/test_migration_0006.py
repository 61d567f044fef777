"""Revision 0006 on a database with data, migrated as the daemon does (ctid.db.upgrade): no row of the
tables it rebuilds is lost, follow-ups written before it get updated_at = created_at, and writers that
predate it (the demo, the importers) still insert follow-ups without naming the column."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from ctid.db import Database, _alembic_config, upgrade
from tests.crm.support import rows


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_follow_ups_get_their_updated_at(db: Database, db_path: Path, branch_id: int) -> None:
    await _downgrade(db, "0005")
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(
            "INSERT INTO customers (branch_id, kind, name, created_at, updated_at) "
            "VALUES (?, 'person', '张伟', '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
            (branch_id,),
        )
        conn.execute(
            "INSERT INTO follow_ups (customer_id, kind, created_at) "
            "VALUES (1, 'follow_up', '2025-02-03 04:05:06')"
        )
        conn.commit()
    await upgrade(db.engine)
    assert rows(db_path, "SELECT updated_at, result, closed_at FROM follow_ups") == [
        ("2025-02-03 04:05:06", "", None)
    ]
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(
            "INSERT INTO follow_ups (customer_id, kind, created_at) VALUES (1, 'complaint', '2026-01-01')"
        )
        conn.commit()
    [(stamp,)] = rows(db_path, "SELECT updated_at FROM follow_ups WHERE kind = 'complaint'")
    assert isinstance(stamp, str) and stamp.startswith("20")


async def test_upgrading_keeps_every_row_of_the_tables_it_rebuilds(
    db: Database, db_path: Path, branch_id: int
) -> None:
    """Batch mode rebuilds customers and visits; with foreign keys on, dropping the old table would
    cascade to phones, vehicle links, visit items and follow-ups."""
    await _downgrade(db, "0005")
    stamp = "2025-01-01 00:00:00"
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(
            "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
            "VALUES (1, ?, 'person', '张伟', ?, ?)",
            (branch_id, stamp, stamp),
        )
        conn.execute("INSERT INTO customer_phones (customer_id, number, e164) VALUES (1, '138', '+86138')")
        conn.execute(
            "INSERT INTO vehicles (id, branch_id, plate, created_at, updated_at) "
            "VALUES (1, ?, '粤A12345', ?, ?)",
            (branch_id, stamp, stamp),
        )
        conn.execute("INSERT INTO customer_vehicles VALUES (1, 1, 'owner')")
        conn.execute(
            "INSERT INTO visits (id, vehicle_id, customer_id, visited_on) VALUES (1, 1, 1, '2025-01-02')"
        )
        conn.execute("INSERT INTO visit_items (visit_id, name) VALUES (1, '洗车')")
        conn.execute(
            "INSERT INTO follow_ups (customer_id, kind, created_at) VALUES (1, 'follow_up', ?)", (stamp,)
        )
        conn.commit()
    await upgrade(db.engine)
    for table in ("customers", "customer_phones", "vehicles", "customer_vehicles", "visits", "visit_items"):
        assert rows(db_path, f"SELECT count(*) FROM {table}") == [(1,)], table
    assert rows(db_path, "SELECT kind FROM visit_items") == [("service",)]
    assert rows(db_path, "SELECT updated_at FROM follow_ups") == [(stamp,)]
    assert rows(db_path, "PRAGMA foreign_key_check") == []
