"""Database.read: one hop to a read-only reader thread on an SQLite file, run_sync elsewhere.

The reader thread, the lock and the file kept in memory are SQLite's: those tests take SQLite files of
their own. What every backend must do (see a committed write at once) runs on each."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, exc, insert, select, text

from ctid.accounts.tables import branches
from ctid.core.clock import utcnow
from ctid.storage.db import Database


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


async def test_every_backend_reads_what_was_just_committed(database_url: str) -> None:
    db = Database(database_url)
    await db.start()
    try:
        async with db.begin() as conn:
            await conn.execute(insert(branches).values(code="th", name="天河店", created_at=utcnow()))
        assert (await db.read(names))[-1] == "天河店"
        assert (await db.read_here(names))[-1] == "天河店"
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


async def test_a_file_kept_in_memory_is_read_on_the_loop_and_a_lock_sends_the_read_to_a_thread(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'here.sqlite3'}")
    await db.start()
    try:
        await db.kept_in_memory()
        assert await db.read_here(thread_name) == threading.current_thread().name
        tries: list[str] = []

        def locked_on_the_loop(conn: Connection) -> str:
            tries.append(threading.current_thread().name)
            if len(tries) == 1:
                raise sqlite3.OperationalError("database is locked")
            return "read"

        assert await db.read_here(locked_on_the_loop) == "read"
        assert tries[0] == threading.current_thread().name and tries[1].startswith("db-read")
    finally:
        await db.stop()


async def test_without_keeping_the_file_in_memory_reads_go_to_a_thread(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'off.sqlite3'}", keep_in_memory=False)
    await db.start()
    try:
        assert (await db.read_here(thread_name)).startswith("db-read")
    finally:
        await db.stop()
