"""SQL for the daily build of the reminder queue: the new items inserted idempotently, expired items,
woken snoozes. (Candidates are read by ``ctid.reminders.candidate_store``.)

The insert is ``INSERT ... ON CONFLICT DO NOTHING`` on the items' unique key ``(type, subject, due_on,
step)``, on SQLite and PostgreSQL alike: a build run twice, or again after a crash half-way, adds nothing
it added before, and a person's outcome on an item is never overwritten by a later build.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.reminders.models import ItemStatus
from ctid.reminders.tables import reminder_builds, reminder_items

_KEY = ["type", "subject", "due_on", "step"]


async def insert_items(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows that are not there yet (by the unique key); how many were added."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        # asyncpg's executemany counts nothing: RETURNING does (SQLAlchemy sends multi-row INSERTs)
        query = postgresql.insert(reminder_items).on_conflict_do_nothing(index_elements=_KEY)
        return len((await conn.execute(query.returning(reminder_items.c.id), list(rows))).all())
    # SQLite's executemany counts the rows it inserted, and costs a third of RETURNING's multi-row path
    plain = sqlite.insert(reminder_items).on_conflict_do_nothing(index_elements=_KEY)
    return max(int((await conn.execute(plain, list(rows))).rowcount or 0), 0)


async def expire(conn: AsyncConnection, today: date, now: datetime) -> int:
    """Open and snoozed items whose expiry day is past: nobody worked them in time."""
    query = (
        update(reminder_items)
        .where(
            reminder_items.c.status.in_([ItemStatus.OPEN.value, ItemStatus.SNOOZED.value]),
            reminder_items.c.expires_on < today,
        )
        .values(status=ItemStatus.EXPIRED.value, updated_at=now)
    )
    return int((await conn.execute(query)).rowcount or 0)


async def wake(conn: AsyncConnection, today: date, now: datetime) -> int:
    """Snoozed items whose day has come are back on the list (their contact day is that day)."""
    query = (
        update(reminder_items)
        .where(
            and_(reminder_items.c.status == ItemStatus.SNOOZED.value, reminder_items.c.contact_on <= today)
        )
        .values(status=ItemStatus.OPEN.value, updated_at=now)
    )
    return int((await conn.execute(query)).rowcount or 0)


async def last_built(conn: AsyncConnection, before: date) -> date | None:
    """The latest day built before ``before``."""
    day: date | None = await conn.scalar(
        select(func.max(reminder_builds.c.day)).where(reminder_builds.c.day < before)
    )
    return day


async def record_build(conn: AsyncConnection, day: date, at: datetime, added: int) -> None:
    """The day built (again: its row replaced, with this run's count)."""
    await conn.execute(reminder_builds.delete().where(reminder_builds.c.day == day))
    await conn.execute(reminder_builds.insert().values(day=day, built_at=at, added=added))


async def last_build_at(conn: AsyncConnection) -> datetime | None:
    """When the latest day built was built (by the job, the command or the button): a day built again by
    hand for an older date does not stand in for today's."""
    query = select(reminder_builds.c.built_at).order_by(reminder_builds.c.day.desc()).limit(1)
    at: datetime | None = await conn.scalar(query)
    return at
