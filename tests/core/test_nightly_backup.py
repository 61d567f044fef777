"""Nightly backups: the copy, the pruning, catching up after a night the box was off, the scheduler."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.app import build_services, nightly_backup, schedule
from ctid.backup import DATED, expired
from ctid.nightly_backup import NightlyBackup
from ctid.scheduler import Scheduler
from tests.core.support import pretend_asyncpg
from tests.support.site import build_site, make_config

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
    with caplog.at_level(logging.ERROR, "ctid.nightly_backup"):
        outcome = await nightly.run()
    assert outcome.problem and "usb-disk" in outcome.problem
    assert nightly.alert() == outcome.problem
    assert "nightly backup failed" in caplog.text
    target.unlink()
    assert (await nightly.run()).problem is None and nightly.alert() is None


def test_a_box_that_was_off_at_backup_time_is_overdue(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    nightly = NightlyBackup(tmp_path / "ctid.sqlite3", "03:00", tmp_path / "backups", 14, "UTC", lambda: now)
    assert nightly.overdue(), "no directory yet"
    (tmp_path / "backups").mkdir()
    assert nightly.overdue(), "no copy yet"
    copy = tmp_path / "backups" / "ctid-20261201-030000.sqlite3"
    copy.write_bytes(b"x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(copy, (two_days_ago, two_days_ago))
    assert nightly.overdue()
    os.utime(copy, (time.time() - 3600, time.time() - 3600))
    assert not nightly.overdue()
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
    assert "scheduled job broken failed" in caplog.text


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


async def test_the_daemon_catches_up_only_when_overdue_and_never_on_a_server_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(str(tmp_path / "var"))
    services = build_services(config)
    assert services.backup is not None and services.backup.directory == tmp_path / "var" / "backups"
    first = schedule(config, services)
    await first.start()
    try:
        assert first.next_run("nightly backup") and first.next_run("catch-up backup")
    finally:
        await first.stop()

    services.backup.directory.mkdir(parents=True)
    (services.backup.directory / "ctid-20990101-030000.sqlite3").write_bytes(b"a copy from today")
    second = schedule(config, services)
    await second.start()
    try:
        assert second.next_run("nightly backup") and second.next_run("catch-up backup") is None
    finally:
        await second.stop()

    off = make_config(str(tmp_path / "off"), backup={"at": ""})
    assert build_services(off).backup is None
    pretend_asyncpg(monkeypatch, installed=True)
    server = make_config(str(tmp_path / "pg"), database={"url": "postgresql+asyncpg://ctid@db.lan/ctid"})
    assert nightly_backup(server) is None
