"""Database.read: one hop to a read-only reader thread on an SQLite file, run_sync elsewhere."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, exc, insert, select, text

from ctid.accounts.tables import branches
from ctid.db import Database, utcnow


def names(conn: Connection) -> list[str]:
    return list(conn.execute(select(branches.c.name).order_by(branches.c.id)).scalars())


def thread_name(conn: Connection) -> str:
    return threading.current_thread().name


async def test_reads_see_what_was_just_committed_and_run_in_a_reader_thread(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'read.sqlite3'}")
    await db.start()
    try:
        for name in ("总店", "天河店"):
            async with db.begin() as conn:
                await conn.execute(insert(branches).values(code=name, name=name, created_at=utcnow()))
            assert (await db.read(names))[-1] == name
        assert (await db.read(thread_name)).startswith("db-read")
    finally:
        await db.stop()


async def test_the_reader_cannot_write(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'read.sqlite3'}")
    await db.start()

    def write(conn: Connection) -> None:
        conn.execute(text("DELETE FROM branches"))

    try:
        with pytest.raises(exc.OperationalError, match="readonly"):
            await db.read(write)
    finally:
        await db.stop()


async def test_an_in_memory_database_reads_on_its_own_connection() -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    await db.start()
    try:
        assert await db.read(names) == []  # the migrated (private) in-memory database, not a new empty one
        assert not (await db.read(thread_name)).startswith("db-read")
    finally:
        await db.stop()
