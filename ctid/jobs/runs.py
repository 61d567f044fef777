"""The scheduler's record of daily jobs' last runs, in the database (``job_runs``).

Why the database: it is what every daemon has on both backends and what survives a restart, a kill or a
power cut; a file in the data dir would not follow a shop's database moved into PostgreSQL. A job with a
better record of its own passes it to ``Scheduler.daily`` instead (the nightly backup: its newest copy).
"""

from __future__ import annotations

from datetime import datetime

from ctid.jobs import store
from ctid.storage.db import Database


class JobRuns:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def last(self, name: str) -> datetime | None:
        async with self._db.connect() as conn:
            return await store.last_run(conn, name)

    async def ran(self, name: str, at: datetime) -> None:
        async with self._db.begin(immediate=True) as conn:
            await store.set_last_run(conn, name, at)
