"""The cache warmer keeps the database file mapped, follows its growth, and never disturbs SQLite's locks.

The last point is the one that bit: closing any descriptor of the file drops every POSIX lock the process
holds on it, so a warmer that opened and closed the file while the daemon ran broke SQLite's reads with
"disk I/O error". Here SQLite writes and reads through a growing file while the warmer maps it again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import Connection, insert, select, text

from ctid.accounts.tables import branches
from ctid.core.clock import utcnow
from ctid.storage.cache_warmer import CacheWarmer
from ctid.storage.db import Database, sqlite_file
from tests.support.waiting import wait_until


def count(conn: Connection) -> int:
    return len(list(conn.execute(select(branches.c.id))))


async def test_the_file_is_mapped_and_followed_as_it_grows_while_sqlite_works(tmp_path: Path) -> None:
    path = tmp_path / "ctid.sqlite3"
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.start()
    warmer = CacheWarmer(path, recheck_s=0.05)
    warmer.start()
    try:
        await asyncio.to_thread(warmer.warm.wait, 5)
        first = warmer.mapped
        assert first == path.stat().st_size > 0
        padding = "x" * 4000
        for n in range(400):  # ~1.6 MB more: past the growth step, and checkpointed into the file
            async with db.begin() as conn:
                await conn.execute(insert(branches).values(code=f"b{n}", name=padding, created_at=utcnow()))
            if n % 50 == 0:
                assert await db.read(count) == n + 1
        async with db.begin() as conn:
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        await wait_until(lambda: warmer.mapped > first, 5, "the map following the grown file")
        assert warmer.mapped <= path.stat().st_size
        assert await db.read(count) == 400
    finally:
        await db.stop()
        warmer.close()


async def test_the_database_stops_its_warmer_and_starts_again_cleanly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'again.sqlite3'}"
    for _ in range(3):
        db = Database(url)
        await db.start()
        assert await db.read(count) == 0
        await db.stop()


def test_only_sqlite_files_are_kept(tmp_path: Path) -> None:
    assert sqlite_file(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}") == tmp_path / "x.sqlite3"
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://ctid@localhost/ctid") is None


async def test_keep_in_memory_off_maps_nothing(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'off.sqlite3'}", keep_in_memory=False)
    await db.start()
    try:
        assert db._warmer is None and await db.read(count) == 0
    finally:
        await db.stop()
