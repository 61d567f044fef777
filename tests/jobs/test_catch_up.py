"""Daily jobs after downtime, on SQLite and PostgreSQL: a job whose last run (kept in ``job_runs``) is older
than its last due time runs once soon after the start, and the next start finds it done; one that ran since
its time waits for the next. The daemon's own catch-up of the nightly backup is in test_nightly_backup."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from zoneinfo import ZoneInfo

import pytest

from ctid.jobs.due import next_due
from ctid.jobs.runs import JobRuns
from ctid.jobs.scheduler import Scheduler
from ctid.storage.db import Database
from tests.support.queries import differences

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUEUE = "reminders' daily queue"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, keep_in_memory=False)
    await database.start()
    yield database
    await database.stop()


def an_hour_ago() -> dt_time:
    """A due time the test's start is past (whole minutes, as ``[backup] at`` has)."""
    at = datetime.now(SHANGHAI) - timedelta(hours=1)
    return dt_time(at.hour, at.minute)


class NotedRuns(JobRuns):
    """The database's record, and an event once the scheduler has written a run in it."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.written = asyncio.Event()

    async def ran(self, name: str, at: datetime) -> None:
        await super().ran(name, at)
        self.written.set()


async def test_a_daily_job_missed_during_downtime_runs_once_soon_after_the_start(db: Database) -> None:
    runs = NotedRuns(db)
    await runs.ran(QUEUE, datetime.now(UTC) - timedelta(days=2))  # then the box was off for two days
    runs.written.clear()
    at, ran = an_hour_ago(), asyncio.Event()

    async def build_queue() -> None:
        ran.set()

    started = datetime.now(UTC)
    scheduler = Scheduler("Asia/Shanghai", runs, catch_up_after_s=0.05)
    scheduler.daily(build_queue, at, QUEUE)
    await scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 10)
        await asyncio.wait_for(runs.written.wait(), 10)
        last = await runs.last(QUEUE)
        assert last is not None and last >= started, "recorded"
        assert scheduler.next_run(QUEUE) == next_due(at, SHANGHAI, datetime.now(UTC)), "then at its hour"
    finally:
        await scheduler.stop()

    restarted = Scheduler("Asia/Shanghai", JobRuns(db), catch_up_after_s=0)
    restarted.daily(build_queue, at, QUEUE)
    await restarted.start()
    try:
        assert restarted.next_run(QUEUE) == next_due(at, SHANGHAI, datetime.now(UTC)), "done: not again"
    finally:
        await restarted.stop()


async def test_a_job_that_never_ran_catches_up_and_one_that_ran_since_its_time_waits(db: Database) -> None:
    at = an_hour_ago()

    async def job() -> None:
        pass

    fresh = Scheduler("Asia/Shanghai", JobRuns(db), catch_up_after_s=600)
    fresh.daily(job, at, QUEUE)
    await fresh.start()
    try:
        soon = fresh.next_run(QUEUE)
        assert soon is not None and soon - datetime.now(UTC) <= timedelta(seconds=600), "never ran"
    finally:
        await fresh.stop()

    await JobRuns(db).ran(QUEUE, datetime.now(UTC) - timedelta(minutes=1))
    done = Scheduler("Asia/Shanghai", JobRuns(db), catch_up_after_s=600)
    done.daily(job, at, QUEUE)
    await done.start()
    try:
        assert done.next_run(QUEUE) == next_due(at, SHANGHAI, datetime.now(UTC))
    finally:
        await done.stop()


async def test_the_record_of_runs_keeps_the_latest_per_job(db: Database) -> None:
    runs = JobRuns(db)
    assert await runs.last(QUEUE) is None
    first, second = datetime(2026, 12, 6, 19, 0, tzinfo=UTC), datetime(2026, 12, 7, 19, 0, 1, tzinfo=UTC)
    await runs.ran(QUEUE, first)
    await runs.ran("nightly report", first)
    await runs.ran(QUEUE, second)
    assert (await runs.last(QUEUE), await runs.last("nightly report")) == (second, first)
    assert [d for d in await differences(db) if "job_runs" in repr(d)] == [], "the migration makes the table"
