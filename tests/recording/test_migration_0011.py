"""Revision 0011: ``recordings.customer_id`` goes; a customer only the recording had is given to its call
first (none is lost), and the recordings read the customer from the call; downgrading copies it back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from ctid.db import Database, _alembic_config, upgrade
from ctid.recording import store


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query).fetchall()


async def test_the_recordings_customer_moves_to_its_call(db: Database, db_path: Path) -> None:
    await _downgrade(db, "0010")
    stamp = "2026-03-22 06:00:00"
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(
            "INSERT OR IGNORE INTO branches (id, code, name, created_at) VALUES (1, 'gz', '总店', ?)",
            (stamp,),
        )
        conn.execute(
            "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
            "VALUES (7, 1, 'person', '张伟', ?, ?), (8, 1, 'person', '李娜', ?, ?)",
            (stamp,) * 4,
        )
        for call_id, customer in (("c1", None), ("c2", 8), ("c3", None)):
            conn.execute(
                "INSERT INTO calls (id, line, direction, customer_id, started_at) "
                "VALUES (?, 'desk', 'inbound', ?, ?)",
                (call_id, customer, stamp),
            )
        for call_id, customer in (("c1", 7), ("c2", 7), ("c3", None)):  # c2: the call knows better
            conn.execute(
                "INSERT INTO recordings (call_id, line, direction, customer_id, started_at, status, "
                "format, path, sample_rate, source) "
                "VALUES (?, 'desk', 'inbound', ?, ?, 'ready', 'opus', ?, 8000, 'sim')",
                (call_id, customer, stamp, f"{call_id}.opus"),
            )
        conn.commit()
    await upgrade(db.engine)
    assert _rows(db_path, "SELECT id, customer_id FROM calls ORDER BY id") == [
        ("c1", 7),
        ("c2", 8),
        ("c3", None),
    ]
    columns = [row[1] for row in _rows(db_path, "PRAGMA table_info(recordings)")]
    assert "customer_id" not in columns and "call_id" in columns
    async with db.connect() as conn:
        found = [await store.get_recording(conn, n) for n in (1, 2, 3)]
    assert [(r.customer_id, r.customer_name) for r in found if r] == [(7, "张伟"), (8, "李娜"), (None, None)]

    await _downgrade(db, "0010")
    assert _rows(db_path, "SELECT call_id, customer_id FROM recordings ORDER BY id") == [
        ("c1", 7),
        ("c2", 8),
        ("c3", None),
    ]
