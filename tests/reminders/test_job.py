"""The daily build is one of the daemon's jobs, at ``[reminders] build_at`` on the shop's clock (with the
scheduler's catch-up after a start that missed it); "" leaves it to the command and the button."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.jobs.support import daemon_jobs
from tests.support.site import make_config
from tests.support.waiting import wait_until

JOB = "reminders: daily queue"


async def test_the_queue_is_built_daily_at_its_hour(tmp_path: Path) -> None:
    config = make_config(str(tmp_path / "var"), backup={"at": ""}, reminders={"build_at": "06:45"})
    async with daemon_jobs(config) as (services, scheduler):
        await services.reminders.builder.run()  # today's: no catch-up run at the start
        await scheduler.start()
        await wait_until(lambda: scheduler.next_run(JOB) is not None, 10, "the job planned")
        planned = scheduler.next_run(JOB)
        assert planned is not None and planned > datetime.now(UTC)
        shop = planned.astimezone(ZoneInfo(config.site.timezone))
        assert (shop.hour, shop.minute) == (6, 45)


async def test_no_hour_no_job(tmp_path: Path) -> None:
    config = make_config(str(tmp_path / "var"), backup={"at": ""}, reminders={"build_at": ""})
    async with daemon_jobs(config) as (_services, scheduler):
        await scheduler.start()
        assert scheduler.next_run(JOB) is None
