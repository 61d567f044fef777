"""The daemon's periodic work is on its scheduler, at the intervals the hand-written loops had: the
heartbeat (2 s, at once), the purge of expired sessions (hourly, at once), the recorder's disk check (5 s)
and retention (hourly); the hub's session check (5 s) while the web app runs."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ctid.web.app import make_app
from tests.jobs.support import daemon_jobs
from tests.support.site import build_site, make_config
from tests.support.waiting import wait_until

INTERVALS = {
    "heartbeat": 2.0,
    "purging expired sessions": 3600.0,
    "recorder: disk check": 5.0,
    "recorder: retention": 3600.0,
}


async def test_every_periodic_job_of_the_daemon_runs_on_the_scheduler(tmp_path: Path) -> None:
    config = make_config(str(tmp_path / "var"), backup={"at": ""})
    async with daemon_jobs(config) as (_services, scheduler):
        pid_file = config.data_dir / "ctid.pid"
        pid_file.write_text("1")
        long_ago = time.time() - 3600
        os.utime(pid_file, (long_ago, long_ago))
        await scheduler.start()
        await wait_until(lambda: pid_file.stat().st_mtime > long_ago + 60, 10, "the first heartbeat, at once")
        await wait_until(lambda: all(scheduler.next_run(name) for name in INTERVALS), 10, "every job waiting")
        now = datetime.now(UTC)
        for name, seconds in INTERVALS.items():
            next_run = scheduler.next_run(name)
            assert next_run is not None
            assert abs(next_run - now - timedelta(seconds=seconds)) < timedelta(seconds=1.5), name


async def test_the_web_app_checks_its_consoles_on_the_scheduler_while_it_runs(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    async with build_site(make_config(str(tmp_path / "var"))) as site:
        scheduler = site.services.scheduler
        await scheduler.start()
        try:
            server = await aiohttp_server(make_app(site.services))
            check = scheduler.next_run("checking the consoles' sessions")
            assert check is not None and check - datetime.now(UTC) <= timedelta(seconds=5)
            await server.close()
            assert scheduler.next_run("checking the consoles' sessions") is None, "gone with the app"
        finally:
            await scheduler.stop()
