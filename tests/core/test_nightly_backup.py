"""Nightly backups: the copy, the pruning, catching up after a night the box was off, the scheduler."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.app import build_services, nightly_backup, schedule
from ctid.jobs.due import missed, next_due
from ctid.jobs.scheduler import Scheduler
from ctid.storage.backup import DATED, expired
from ctid.storage.nightly_backup import NightlyBackup
from tests.core.support import pretend_asyncpg
from tests.jobs.support import daemon_jobs
from tests.support.site import build_site, make_config
from tests.support.waiting import wait_until

stamps = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1))


@given(st.lists(stamps, unique=True, max_size=30), st.lists(st.text(max_size=12)), st.integers(1, 20))
def test_pruning_keeps_the_newest_copies_and_touches_nothing_else(
    when: list[datetime], others: list[str], keep: int
) -> None:
    dated = {f"ctid-{w:%Y%m%d-%H%M%S}.sqlite3" for w in when}
    gone = expired([*dated, *others], keep)
    assert set(gone) <= dated, "only ctid's own dated copies"
    kept = dated - set(gone)
    assert len(kept) == min(keep, len(dated))
    assert all(old < new for old in gone for new in kept), "the oldest go first"


def database(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
        db.execute("INSERT INTO customers VALUES ('王伟')")
    db.close()
    return path


async def test_a_night_copies_the_database_and_prunes_the_oldest(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)  # 03:00 in Shanghai the next day
    backups = tmp_path / "backups"
    backups.mkdir()
    for day in range(1, 4):
        (backups / f"ctid-202611{day:02d}-030000.sqlite3").write_bytes(b"old")
    (backups / "keep-me.txt").write_text("not ours")
    (backups / ".ctid-20261102-030000.sqlite3.partial").write_bytes(b"a copy cut short by a stop")
    nightly = NightlyBackup(
        database(tmp_path / "ctid.sqlite3"), "03:00", backups, 2, "Asia/Shanghai", lambda: now
    )

    outcome = await nightly.run()

    assert outcome.problem is None and outcome.path == backups / "ctid-20261203-030000.sqlite3"
    assert sorted(p.name for p in backups.iterdir()) == [
        "ctid-20261103-030000.sqlite3",
        "ctid-20261203-030000.sqlite3",
        "keep-me.txt",
    ]
    copy = sqlite3.connect(outcome.path)
    assert copy.execute("SELECT name FROM customers").fetchall() == [("王伟",)]
    copy.close()
    assert nightly.alert() is None


async def test_a_failed_night_is_logged_and_alerts_until_a_copy_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "usb-disk"
    target.write_text("the USB disk is not mounted: a file stands there")
    nightly = NightlyBackup(database(tmp_path / "ctid.sqlite3"), "03:00", target, 14, "Asia/Shanghai")
    with caplog.at_level(logging.ERROR, "ctid.storage.nightly_backup"):
        outcome = await nightly.run()
    assert outcome.problem and "usb-disk" in outcome.problem
    assert nightly.alert() == outcome.problem
    assert "nightly backup failed" in caplog.text
    target.unlink()
    assert (await nightly.run()).problem is None and nightly.alert() is None


async def test_a_box_that_was_off_at_backup_time_missed_it(tmp_path: Path) -> None:
    """The newest copy on disk is the backup's record of its last run. Before, "missed" meant no copy in the
    last 24 hours: a copy made by yesterday's catch-up at 10:00 stood in for last night's 03:00."""
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    nightly = NightlyBackup(tmp_path / "ctid.sqlite3", "03:00", tmp_path / "backups", 14, "UTC", lambda: now)

    async def missed_it() -> bool:
        return missed(await nightly.last_copy(), dt_time(3, 0), ZoneInfo("UTC"), now)

    assert await missed_it(), "no directory yet"
    (tmp_path / "backups").mkdir()
    assert await missed_it(), "no copy yet"
    copy = tmp_path / "backups" / "ctid-20261201-030000.sqlite3"
    copy.write_bytes(b"x")
    for written, missing in [(now - timedelta(days=2), True), (now - timedelta(hours=23), True)]:
        os.utime(copy, (written.timestamp(), written.timestamp()))
        assert await missed_it() == missing, written
    tonight = datetime(2026, 12, 7, 3, 0, 2, tzinfo=UTC)
    os.utime(copy, (tonight.timestamp(), tonight.timestamp()))
    assert not await missed_it()
    assert DATED.fullmatch(copy.name)


async def test_the_last_backup_survives_a_restart(tmp_path: Path) -> None:
    """Read from the backup directory at start: before, a restart made the System page and /healthz say
    "none yet" about a box backed up last night (and about every box restarted since its last copy)."""
    config = make_config(str(tmp_path / "var"))
    async with build_site(config) as site:
        backup = site.services.backup
        assert backup is not None
        made = await backup.run()
        assert made.path is not None and made.problem is None
    restarted = build_services(config)
    await restarted.db.start()
    try:
        assert (await restarted.status.report()).backup.last_at is None, "not read before the start"
        schedule(config, restarted)
        state = (await restarted.status.report()).backup
    finally:
        await restarted.db.stop()
    assert (state.last_path, state.problem) == (made.path, None)
    assert state.last_at is not None and abs(state.last_at - made.at) < timedelta(seconds=5)


async def test_the_scheduler_runs_a_job_and_survives_one_that_fails(caplog: pytest.LogCaptureFixture) -> None:
    scheduler = Scheduler("Asia/Shanghai")
    ran = asyncio.Event()

    async def broken() -> None:
        raise RuntimeError("disk on fire")

    async def works() -> None:
        ran.set()

    scheduler.after(broken, 0.01, "broken")
    await scheduler.start()
    try:
        scheduler.after(works, 0.05, "works")  # added while running
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        await scheduler.stop()
    assert "broken failed; it runs again at its next time" in caplog.text


def _at_three(when: datetime | None) -> bool:
    """The next 03:00 in Shanghai (make_config's default zone and time)."""
    return when == next_due(dt_time(3, 0), ZoneInfo("Asia/Shanghai"), datetime.now(UTC))


async def test_a_daily_job_runs_on_the_shops_clock() -> None:
    scheduler = Scheduler("Asia/Shanghai")

    async def job() -> None:
        pass

    scheduler.daily(job, dt_time(3, 0), "nightly")
    await scheduler.start()
    try:
        at = scheduler.next_run("nightly")
    finally:
        await scheduler.stop()
    assert at is not None and at.utcoffset() == timedelta(hours=8) and (at.hour, at.minute) == (3, 0)
    assert timedelta(0) < at - datetime.now(UTC) <= timedelta(days=1)


async def test_the_daemon_catches_up_only_when_no_copy_since_the_hour_and_never_on_a_server_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(str(tmp_path / "var"))
    async with daemon_jobs(config) as (services, scheduler):
        backup = services.backup
        assert backup is not None and backup.directory == tmp_path / "var" / "backups"
        scheduler.catch_up_after_s = 0.05
        await scheduler.start()
        await wait_until(lambda: backup.last is not None, 10, "the catch-up copy")
        assert backup.last is not None and backup.last.path is not None and backup.last.path.exists()
        assert _at_three(scheduler.next_run("nightly backup")), "then at its hour"

    async with daemon_jobs(config) as (services, scheduler):  # restarted: the copy is newer than 03:00
        await scheduler.start()
        assert _at_three(scheduler.next_run("nightly backup"))

    off = make_config(str(tmp_path / "off"), backup={"at": ""})
    assert build_services(off).backup is None
    pretend_asyncpg(monkeypatch, installed=True)
    server = make_config(str(tmp_path / "pg"), database={"url": "postgresql+asyncpg://ctid@db.lan/ctid"})
    assert nightly_backup(server) is None
