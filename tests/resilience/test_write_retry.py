"""``Database.write``: what a retry can fix is retried (the daemon tests drive a locked and a full database);
what it cannot (a constraint, a missing table) is raised at once instead of stalling the call log."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.storage.db import Database


async def test_errors_a_retry_cannot_fix_are_raised_at_once(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}", keep_in_memory=False)
    await db.start()
    try:

        async def duplicate(conn: AsyncConnection) -> None:
            await conn.execute(text("INSERT INTO branches (id, code, name) VALUES (1, 'X', 'x')"))

        started = time.monotonic()
        with pytest.raises(IntegrityError):
            await db.write(duplicate, "a duplicate branch")

        async def missing(conn: AsyncConnection) -> None:
            await conn.execute(text("INSERT INTO no_such_table VALUES (1)"))

        with pytest.raises(OperationalError, match="no such table"):
            await db.write(missing, "a missing table")
        assert time.monotonic() - started < 0.4 and db.write_problem is None
    finally:
        await db.stop()
