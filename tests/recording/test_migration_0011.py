"""Revision 0011: ``recordings.customer_id`` goes; a customer only the recording had is given to its call
first (none is lost), and the recordings read the customer from the call; downgrading copies it back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection

from ctid.recording import store
from ctid.storage.db import Database, _alembic_config, upgrade
from tests.support.queries import columns, execute, rows


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_the_recordings_customer_moves_to_its_call(db: Database) -> None:
    await _downgrade(db, "0010")
    stamp = "'2026-03-22 06:00:00'"
    insert_call = (
        "INSERT INTO calls (id, line, direction, customer_id, started_at) "
        "VALUES ('{}', 'desk', 'inbound', {}, " + stamp + ")"
    )
    insert_recording = (
        "INSERT INTO recordings (call_id, line, direction, customer_id, started_at, status, format, path, "
        "sample_rate, source) VALUES ('{0}', 'desk', 'inbound', {1}, " + stamp + ", 'ready', 'opus', "
        "'{0}.opus', 8000, 'sim')"
    )
    await execute(
        db,
        f"INSERT INTO branches (id, code, name, created_at) VALUES (1, 'gz', '总店', {stamp})",
        "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
        f"VALUES (7, 1, 'person', '张伟', {stamp}, {stamp}), (8, 1, 'person', '李娜', {stamp}, {stamp})",
        *(insert_call.format(c, n) for c, n in (("c1", "NULL"), ("c2", 8), ("c3", "NULL"))),
        # c2: the call knows better
        *(insert_recording.format(c, n) for c, n in (("c1", 7), ("c2", 7), ("c3", "NULL"))),
    )
    await upgrade(db.engine)
    assert await rows(db, "SELECT id, customer_id FROM calls ORDER BY id") == [
        ("c1", 7),
        ("c2", 8),
        ("c3", None),
    ]
    recording_columns = await columns(db, "recordings")
    assert "customer_id" not in recording_columns and "call_id" in recording_columns
    async with db.connect() as conn:
        found = [await store.get_recording(conn, n) for n in (1, 2, 3)]
    assert [(r.customer_id, r.customer_name) for r in found if r] == [(7, "张伟"), (8, "李娜"), (None, None)]

    await _downgrade(db, "0010")
    assert await rows(db, "SELECT call_id, customer_id FROM recordings ORDER BY id") == [
        ("c1", 7),
        ("c2", 8),
        ("c3", None),
    ]
