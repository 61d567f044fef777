"""The daemon's one scheduler: what runs when, in one place, on the shop's clock (``[site] timezone``).

- ``every(job, seconds, name)``: the periodic work (the heartbeat, the recorder's disk check and retention,
  the expired-session purge, the hub's check of open consoles). Each job is a task of its own that waits
  ``seconds`` after a run ends before the next: it never overlaps itself, a slow run delays the next one
  instead of piling runs up behind it (the old hand-written loops did the same), and it never holds up the
  other jobs. Not APScheduler's interval trigger: that counts from the starts, so a check slower than its
  interval (a locked database) would be skipped with a warning every few seconds.
- ``daily(job, at, name)``: at ``at`` shop time (APScheduler's cron trigger, on the daemon's loop; one run
  at a time, missed runs coalesced). With ``catch_up`` a job that has not run since it was last due (the
  box was off at 03:00, or the run failed) runs once ``catch_up_after_s`` after the start, once start-up
  and the first calls are past; that run stands in for the day's. Its last run comes from the run log
  (``ctid.jobs.runs``: the ``job_runs`` table) or from the job's own record (``last_run``).

A job is a coroutine on the loop (blocking work inside it goes to a thread, as everywhere else). A job that
raises is logged (the log's filter masks phone numbers) and runs again at its next time. The scheduler starts
after the components its jobs use and stops before them (last in the daemon's list), cancelling a run in
progress and waiting for it to unwind, so no job meets a closed database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from ctid.core.tasks import TaskSet
from ctid.jobs.due import last_due, missed

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]
LastRun = Callable[[], Awaitable[datetime | None]]
Cancel = Callable[[], Awaitable[None]]
MISFIRE_GRACE_S = 3600  # a loop held up (a suspended VM, a long GC) still runs the night's job late
CATCH_UP_AFTER_S = 300.0


class RunLog(Protocol):
    """Where daily jobs' last runs are kept (``ctid.jobs.runs.JobRuns``)."""

    async def last(self, name: str) -> datetime | None: ...

    async def ran(self, name: str, at: datetime) -> None: ...


@dataclass(frozen=True)
class _Calendar:
    job: Job
    name: str
    trigger: Any
    daily_at: time | None = None
    catch_up: bool = False
    last_run: LastRun | None = None


@dataclass(eq=False)
class _Every:
    job: Job
    name: str
    seconds: float
    at_once: bool
    level: int
    task: asyncio.Task[None] | None = None
    next_at: datetime | None = None


class Scheduler:
    name = "scheduler"

    def __init__(
        self,
        timezone: str,
        runs: RunLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        catch_up_after_s: float = CATCH_UP_AFTER_S,
    ) -> None:
        """``runs``: where daily jobs' last runs are kept; without it only a job that brings its own
        ``last_run`` can catch up."""
        self._zone = ZoneInfo(timezone)
        self._runs = runs
        self._clock = clock
        self.catch_up_after_s = catch_up_after_s
        self._calendar: list[_Calendar] = []
        self._every: list[_Every] = []
        self._scheduler: AsyncIOScheduler | None = None
        self._loops = TaskSet()
        self._running: set[asyncio.Task[Any]] = set()  # calendar jobs' runs in progress
        self._stopping = False

    # --- what runs when ---------------------------------------------------------------------------------

    def every(
        self,
        job: Job,
        seconds: float,
        name: str,
        *,
        at_once: bool = False,
        failure_level: int = logging.ERROR,
    ) -> Cancel:
        """``seconds`` after each run ends (the first ``seconds`` after the start, or at once with
        ``at_once``). ``failure_level``: WARNING for a job whose failure is ordinary (a database locked for a
        moment). Returns what removes the job (awaiting a run in progress)."""
        planned = _Every(job, name, seconds, at_once, failure_level)
        self._every.append(planned)
        if self._scheduler is not None:
            self._loop(planned)

        async def cancel() -> None:
            if planned in self._every:
                self._every.remove(planned)
            if planned.task is not None:
                planned.task.cancel()
                await asyncio.gather(planned.task, return_exceptions=True)
                planned.task = None

        return cancel

    def daily(
        self, job: Job, at: time, name: str, *, catch_up: bool = True, last_run: LastRun | None = None
    ) -> None:
        """Every day at ``at`` on the shop's clock; with ``catch_up``, once soon after a start that finds it
        has not run since it was last due. ``last_run``: the job's own record of its last run (else the run
        log's, written after each run that worked)."""
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=self._zone)
        self._add(_Calendar(job, name, trigger, at, catch_up, last_run))

    def after(self, job: Job, seconds: float, name: str) -> None:
        """Once, ``seconds`` from now."""
        when = datetime.now(self._zone) + timedelta(seconds=seconds)
        self._add(_Calendar(job, name, DateTrigger(run_date=when, timezone=self._zone)))

    def next_run(self, name: str) -> datetime | None:
        if self._scheduler is None:
            return None
        found = [j.next_run_time for j in self._scheduler.get_jobs() if j.name == name and j.next_run_time]
        found += [e.next_at for e in self._every if e.name == name and e.next_at is not None]
        return min(found, default=None)

    # --- lifecycle --------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._scheduler = AsyncIOScheduler(timezone=self._zone)
        for planned in self._calendar:
            await self._schedule(planned)
        self._scheduler.start()
        for every in self._every:
            self._loop(every)

    async def stop(self) -> None:
        """Cancels the runs in progress and waits for them to unwind (a purge cut off mid-transaction must
        roll back before the database closes)."""
        self._stopping = True
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)  # cancels the calendar jobs' runs
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        await self._loops.cancel()
        for every in self._every:
            every.task, every.next_at = None, None
        self._scheduler = None

    # --- running ----------------------------------------------------------------------------------------

    def _add(self, planned: _Calendar) -> None:
        self._calendar.append(planned)
        if self._scheduler is not None:
            # added while running: catching up is decided at the start
            run = self._calendar_run(planned)
            self._scheduler.add_job(run, planned.trigger, name=planned.name, **_ONE_AT_A_TIME)

    async def _schedule(self, planned: _Calendar) -> None:
        assert self._scheduler is not None
        options: dict[str, Any] = dict(_ONE_AT_A_TIME, name=planned.name)
        if (when := await self._catch_up_at(planned)) is not None:
            options["next_run_time"] = when  # the cron trigger goes on from there: no second run that day
        self._scheduler.add_job(self._calendar_run(planned), planned.trigger, **options)

    async def _catch_up_at(self, planned: _Calendar) -> datetime | None:
        """When a daily job that missed its time runs (None: it did not miss it, or cannot know)."""
        source = planned.last_run or self._run_log_of(planned.name)
        if not planned.catch_up or planned.daily_at is None or source is None:
            return None
        now = self._clock()
        try:
            last = await source()
        except Exception:  # not knowing, it runs: every daily job may run twice (idempotent), none may skip
            log.warning("%s: cannot tell when it last ran; it runs soon", planned.name, exc_info=True)
            last = None
        if not missed(last, planned.daily_at, self._zone, now):
            return None
        when = now + timedelta(seconds=self.catch_up_after_s)
        due = f"{last_due(planned.daily_at, self._zone, now).astimezone(self._zone):%Y-%m-%d %H:%M}"
        wait = f"{self.catch_up_after_s / 60:g} min"
        log.info("%s was due at %s (shop time) and has not run since: it runs in %s", planned.name, due, wait)
        return when

    def _run_log_of(self, name: str) -> LastRun | None:
        runs = self._runs
        if runs is None:
            return None

        async def last() -> datetime | None:
            return await runs.last(name)

        return last

    def _calendar_run(self, planned: _Calendar) -> Job:
        record = planned.catch_up and planned.last_run is None and self._runs is not None

        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                began = self._clock()
                if await self._attempt(planned.job, planned.name, logging.ERROR) and record:
                    await self._record(planned.name, began)
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
            finally:
                self._running.discard(task)

        return run

    async def _record(self, name: str, began: datetime) -> None:
        assert self._runs is not None
        try:
            await self._runs.ran(name, began)
        except Exception as exc:
            log.warning("%s: cannot record its run (%s); a restart may run it again", name, exc)

    def _loop(self, every: _Every) -> None:
        every.task = self._loops.spawn(self._repeat(every), name=f"job: {every.name}")

    async def _repeat(self, every: _Every) -> None:
        if not every.at_once:
            await self._wait(every)
        while True:
            await self._attempt(every.job, every.name, every.level)
            await self._wait(every)

    async def _wait(self, every: _Every) -> None:
        every.next_at = self._clock() + timedelta(seconds=every.seconds)
        await asyncio.sleep(every.seconds)
        every.next_at = None

    @staticmethod
    async def _attempt(job: Job, name: str, level: int) -> bool:
        """One run; False when it raised (logged, and it runs again at its next time)."""
        try:
            await job()
        except Exception:
            log.log(level, "%s failed; it runs again at its next time", name, exc_info=True)
            return False
        return True


_ONE_AT_A_TIME: dict[str, Any] = {
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": MISFIRE_GRACE_S,
}
