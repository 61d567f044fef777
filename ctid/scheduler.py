"""Jobs on the clock (APScheduler on the daemon's loop): nightly backups now, the reminder queues later.

One scheduler for the daemon, so "what runs when" is in one place and every job runs on the shop's clock
(``[site] timezone``), not the machine's. Jobs are coroutines on the event loop; blocking work inside them
goes to a thread, as everywhere else. A job that raises is logged and runs again at its next time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]
MISFIRE_GRACE_S = 3600  # a loop held up (a suspended VM, a long GC) still runs the night's job late


@dataclass(frozen=True)
class _Planned:
    job: Job
    name: str
    trigger: Any


class Scheduler:
    name = "scheduler"

    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)
        self._planned: list[_Planned] = []
        self._scheduler: AsyncIOScheduler | None = None

    def daily(self, job: Job, at: time, name: str) -> None:
        """Every day at ``at`` on the shop's clock."""
        self._add(_Planned(job, name, CronTrigger(hour=at.hour, minute=at.minute, timezone=self._zone)))

    def after(self, job: Job, seconds: float, name: str) -> None:
        """Once, ``seconds`` from now."""
        when = datetime.now(self._zone) + timedelta(seconds=seconds)
        self._add(_Planned(job, name, DateTrigger(run_date=when, timezone=self._zone)))

    def next_run(self, name: str) -> datetime | None:
        if self._scheduler is None:
            return None
        found = [j.next_run_time for j in self._scheduler.get_jobs() if j.name == name and j.next_run_time]
        return min(found, default=None)

    async def start(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=self._zone)
        for planned in self._planned:
            self._schedule(planned)
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    def _add(self, planned: _Planned) -> None:
        self._planned.append(planned)
        if self._scheduler is not None:
            self._schedule(planned)

    def _schedule(self, planned: _Planned) -> None:
        assert self._scheduler is not None
        self._scheduler.add_job(
            _logged(planned.job, planned.name),
            planned.trigger,
            name=planned.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_S,
        )


def _logged(job: Job, name: str) -> Job:
    async def run() -> None:
        try:
            await job()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    return run
