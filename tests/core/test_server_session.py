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
