"""PostgreSQL sessions keep UTC and the lock timeout for as long as they live, whatever their first use."""

from __future__ import annotations

from sqlalchemy import text

from ctid.storage.db import BUSY_TIMEOUT_MS, Database


async def test_a_session_first_used_by_a_rolled_back_read_keeps_its_settings(postgresql_url: str) -> None:
    """The driver runs a new connection's ``SET``s in a transaction of its own: a read ending in a rollback
    (any ``Database.connect``) undid them, and the connection went on in the server's time zone (a Chinese
    shop's Asia/Shanghai: times written eight hours off)."""
    db = Database(postgresql_url)
    await db.start()
    try:
        async with db.engine.connect(), db.engine.connect(), db.engine.connect():
            pass  # three new connections, each returned to the pool with a rollback
        seen = set()
        for _ in range(3):
            async with db.connect() as conn:
                zone = await conn.scalar(text("SELECT current_setting('TimeZone')"))
                timeout = await conn.scalar(text("SELECT current_setting('lock_timeout')"))
                seen.add((zone, timeout))
        assert seen == {("UTC", f"{BUSY_TIMEOUT_MS // 1000}s")}
    finally:
        await db.stop()


async def test_a_busy_timeout_given_to_the_database_is_what_its_sessions_wait(database_url: str) -> None:
    """``Overrides.busy_timeout_ms`` reaches every connection: SQLite's busy_timeout, PostgreSQL's
    lock_timeout (a test that holds the write lock waits half a second for its 503, not 10)."""
    db = Database(database_url, busy_timeout_ms=1500)
    await db.start()
    try:
        async with db.connect() as conn:
            if db.backend == "sqlite":
                assert await conn.scalar(text("PRAGMA busy_timeout")) == 1500
            else:
                assert await conn.scalar(text("SELECT current_setting('lock_timeout')")) == "1500ms"
    finally:
        await db.stop()
