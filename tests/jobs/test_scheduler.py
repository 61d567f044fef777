"""The scheduler on a real loop: jobs every few seconds (here hundredths), one at a time, a failure logged
(without the caller's number) and tried again at its next time, a long job holding up no other, and a stop
that lets a cut-off run unwind."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time

import pytest

from ctid.core.logs import FORMAT, PhoneMaskFilter
from ctid.jobs.scheduler import Scheduler
from tests.support.waiting import wait_until


class Written(logging.Handler):
    """What the daemon's log handlers would write: formatted, through the phone-number mask."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter(FORMAT))
        self.addFilter(PhoneMaskFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


async def test_a_periodic_job_runs_again_and_again_and_never_overlaps_itself() -> None:
    scheduler = Scheduler("Asia/Shanghai")
    running, most, runs = 0, 0, 0

    async def slow() -> None:  # slower than its interval
        nonlocal running, most, runs
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.03)
        running -= 1
        runs += 1

    scheduler.every(slow, 0.01, "slow")
    await scheduler.start()
    try:
        await wait_until(lambda: runs >= 4, 10, "four runs")
    finally:
        await scheduler.stop()
    assert most == 1


async def test_a_job_that_raises_is_logged_without_the_number_and_runs_at_its_next_time() -> None:
    scheduler = Scheduler("Asia/Shanghai")
    tries = 0

    async def flaky() -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise RuntimeError("no answer from 13912345678")

    written = Written()
    logging.getLogger("ctid.jobs").addHandler(written)
    scheduler.every(flaky, 0.01, "calling back")
    await scheduler.start()
    try:
        await wait_until(lambda: tries >= 2, 10, "a second run after the failure")
    finally:
        await scheduler.stop()
        logging.getLogger("ctid.jobs").removeHandler(written)
    assert "calling back failed; it runs again at its next time" in written.text
    assert "RuntimeError: no answer from 139*****678" in written.text
    assert "13912345678" not in written.text


async def test_a_long_job_holds_up_no_other_and_a_stop_lets_it_unwind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = Scheduler("Asia/Shanghai")
    forever, unwound = asyncio.Event(), []
    ticks, began = 0, []

    async def long() -> None:
        try:
            await forever.wait()
        finally:
            unwound.append("long")

    async def once_long() -> None:
        began.append("once")
        try:
            await forever.wait()
        finally:
            unwound.append("once")

    async def tick() -> None:
        nonlocal ticks
        ticks += 1

    scheduler.every(long, 0.01, "long", at_once=True)
    scheduler.after(once_long, 0.01, "once")
    scheduler.every(tick, 0.01, "tick")
    await scheduler.start()
    try:
        await wait_until(lambda: began == ["once"], 10, "the one-off job running")
        await wait_until(lambda: ticks >= 5, 10, "the short job going on")
    finally:
        await scheduler.stop()
    assert sorted(unwound) == ["long", "once"], "both cut off, and unwound before stop() returned"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], "a stop is no failure"


async def test_when_periodic_jobs_run_first_and_one_removed_stops() -> None:
    scheduler = Scheduler("Asia/Shanghai")
    ran: list[str] = []

    async def beat() -> None:
        ran.append("beat")

    async def hourly() -> None:
        ran.append("hourly")

    scheduler.every(beat, 3600, "heartbeat", at_once=True)
    remove = scheduler.every(hourly, 3600, "hourly")
    started = datetime.now(UTC)
    await scheduler.start()
    try:
        await wait_until(lambda: ran == ["beat"], 10, "the at-once job's first run")
        hourly_at = scheduler.next_run("hourly")
        assert hourly_at is not None
        assert abs(hourly_at - (started + timedelta(hours=1))) < timedelta(seconds=5)
        await remove()
        assert scheduler.next_run("hourly") is None
    finally:
        await scheduler.stop()
    assert ran == ["beat"]


async def test_a_daily_job_without_a_record_of_its_runs_waits_for_its_hour() -> None:
    scheduler = Scheduler("Asia/Shanghai", catch_up_after_s=0)

    async def job() -> None:
        raise AssertionError("not caught up: nothing says it missed its time")

    scheduler.daily(job, dt_time(3, 0), "nightly")
    await scheduler.start()
    try:
        at = scheduler.next_run("nightly")
    finally:
        await scheduler.stop()
    assert at is not None and (at.hour, at.minute) == (3, 0)
