"""SQL of the daily jobs' last runs (one row per job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.jobs.tables import job_runs


async def last_run(conn: AsyncConnection, name: str) -> datetime | None:
    found = await conn.scalar(select(job_runs.c.last_run_at).where(job_runs.c.name == name))
    return found if isinstance(found, datetime) else None


async def set_last_run(conn: AsyncConnection, name: str, at: datetime) -> None:
    """Update, else insert: the same two statements on SQLite and PostgreSQL (the caller holds the write
    lock, ``Database.begin(immediate=True)``, so no second writer inserts in between)."""
    changed = await conn.execute(update(job_runs).where(job_runs.c.name == name).values(last_run_at=at))
    if changed.rowcount == 0:
        await conn.execute(insert(job_runs).values(name=name, last_run_at=at))
