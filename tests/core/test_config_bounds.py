"""Every number the config takes is bounded at load: a value that passes ``check-config`` never breaks later.

Before, only the sign was checked: ``session_hours = 1e8`` made every login a 500 (the session's end
overflowed the calendar), a huge ``file_backups`` hung the log's rotation, ``retention_days`` past the year 1
broke the retention run, ``bitrate_kbps = 300`` failed every Opus conversion. Each key's accepted values are
handed here to what uses them, for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging.handlers
import os
import pty
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import serial
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.app import outbox_settings
from ctid.core import config
from ctid.messaging.outbox_rules import gives_up, retry_delay, spacing
from ctid.recording import disk
from ctid.recording.retention import apply_retention
from ctid.recording.transcode import transcode
from ctid.recording.wav import WavWriter
from ctid.reminders.appointments import slot_plan
from ctid.storage.backup import expired
from ctid.voicecard.dsp.tap import LineTap, TapSettings
from ctid.voicecard.events import CallMissed
from ctid.voicecard.line import LineStateMachine
from ctid.web.app import make_app
from tests.support.site import fast_passwords
from tests.web.fuzz_support import LiveSite, live_site
from tests.web.support import Browser

# What TOML can hold: 64-bit integers and any float (inf and nan included), with the edges of the bounds
# drawn often enough.
numbers = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-50, 5000),
    st.floats(),
    st.floats(-200, 100_000),
)
TABLES: dict[str, type] = {**config.SECTIONS, **{f"lines.{d}": o for d, o in config.DRIVER_OPTIONS.items()}}
TABLES["sms"] = config.SmsConfig  # its own keys; [[sms.senders]] is parsed apart
NUMERIC = sorted(
    (table, field.name)
    for table, cls in TABLES.items()
    for field in dataclasses.fields(cls)
    if field.type in ("int", "float")
)
BOUNDS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def load(table: str, key: str, value: Any) -> Any:
    """The value as the loader takes it from a file, or None when it is refused with a config error."""
    if table.startswith("lines."):
        data: dict[str, Any] = {"lines": [{"name": "x", "driver": table[6:], key: value}]}
    else:
        data = {table: {key: value}}
    try:
        loaded = config.parse(data, "bounds.toml")
    except config.ConfigError as exc:
        assert f"bounds.toml: {'lines[0]' if table.startswith('lines.') else table}.{key}: " in str(exc)
        return None
    section = loaded.lines[0].options if table.startswith("lines.") else getattr(loaded, table)
    return getattr(section, key)


@pytest.mark.parametrize(("table", "key"), NUMERIC)
@pytest.mark.parametrize("huge", [10**18, -(10**18), 1e300, float("inf"), float("-inf"), float("nan")])
def test_every_number_has_bounds(table: str, key: str, huge: float) -> None:
    """No numeric key takes whatever a typo gives it: a new key without bounds fails here."""
    assert load(table, key, huge) is None, f"{table}.{key} = {huge} passes check-config"


def test_the_message_names_the_key_and_the_range(tmp_path: Path) -> None:
    path = tmp_path / "ctid.toml"
    path.write_text("[web]\nsession_hours = 1e8\n")
    result = subprocess.run(
        [sys.executable, "-m", "ctid", "check-config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"ctid: config error in {path}: web.session_hours: must be between 0.1 and 8760 hours, "
        "got 100000000.0\n"
    )


# --- what uses each key, given what the loader accepts ---------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("bounds"), module_database_url) as site:
        site.user("boss", Role.ADMIN)
        yield site


async def _login(live: LiveSite, hours: float) -> tuple[int, int]:
    """Log in through the real web app whose sessions last ``hours``; (login status, /api/v1/me status)."""
    site = live.site
    accounts = AccountService(site.services.db, LoginThrottle(), fast_passwords(), session_hours=hours)
    services = dataclasses.replace(site.services, accounts=accounts)
    async with TestClient(TestServer(make_app(services))) as client:
        browser = Browser(client)
        status = (await browser.login("boss")).status
        return status, (await client.get("/api/v1/me")).status


@BOUNDS
@given(hours=numbers)
@example(hours=1e8)
@example(hours=8760)
@example(hours=0.1)
def test_any_accepted_session_length_logs_in(live: LiveSite, hours: float) -> None:
    if (accepted := load("web", "session_hours", hours)) is None:
        return
    assert live.run(_login(live, accepted)) == (303, 200)


@BOUNDS
@given(default=numbers, branch=numbers)
@example(default=36_500, branch=36_500)
def test_any_accepted_retention_runs(live: LiveSite, default: int, branch: int) -> None:
    days = load("recording", "retention_days", default)
    if days is None:
        days = 0
    own = f"main={branch}"
    kept = load("recording", "branch_retention_days", [own])
    settings_ = config.RecordingConfig(retention_days=days, branch_retention_days=kept or ())
    root = Path(tempfile.mkdtemp())
    now = datetime.now(UTC)
    assert live.run(apply_retention(live.site.services.db, root, settings_, {"main": 1}, now)) == 0


def _rotate(table: str, key: str, value: Any) -> None:
    with tempfile.TemporaryDirectory() as directory:
        log = config.LogConfig(**{key: value})
        handler = logging.handlers.RotatingFileHandler(
            Path(directory) / "ctid.log", maxBytes=log.file_max_mb * 1024 * 1024, backupCount=log.file_backups
        )
        try:
            for _ in range(3):
                handler.doRollover()
        finally:
            handler.close()


def _throttle(table: str, key: str, value: Any) -> None:
    security = config.SecurityConfig(**{key: value})
    throttle = LoginThrottle(security.login_max_failures, security.login_window_s, security.login_lockout_s)
    for _ in range(security.login_max_failures + 1):
        throttle.failed("olga", "10.0.0.1", 1000.0)
    wait = throttle.retry_after("olga", "10.0.0.1", 1000.0)
    assert wait is not None and 0 < wait <= 3600


def _follow_up(table: str, key: str, value: Any) -> None:
    """As closing a visit dates its follow-up call (ctid.crm.visits), on the last day of 2099."""
    date(2099, 12, 31) + timedelta(days=value)


def _keep(table: str, key: str, value: Any) -> None:
    names = [f"ctid-2026010{d}-030000.sqlite3" for d in range(1, 10)]
    assert len(expired(names, value)) == max(0, 9 - value)


def _transcode(table: str, key: str, value: Any) -> None:
    with tempfile.TemporaryDirectory() as directory:
        wav = Path(directory) / "call.wav"
        writer = WavWriter(wav, 8000)
        writer.write((np.sin(np.arange(4000) / 3) * 8000).astype(np.int16))
        writer.close()
        for format in ("opus", "mp3"):
            transcode(wav, Path(directory) / f"call.{format}", format, value)


def _free_space(table: str, key: str, value: Any) -> None:
    """As the recorder guards its disk (Recorder.check_disk)."""
    limit = value * disk.MB
    assert disk.check(Path(tempfile.gettempdir()), limit, stopped=True, margin_bytes=limit // 10).message


def _timer(table: str, key: str, value: Any) -> None:
    """Ring timeouts, the sim's interval (up to half again) and the watchdog are waits on the loop."""

    async def wait() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.sleep(value * 1.5), 0.001)  # the value as asyncio takes it

    asyncio.run(wait())


def _serial(table: str, key: str, value: Any) -> None:
    controller, device = pty.openpty()
    try:
        serial.Serial(os.ttyname(device), baudrate=value).close()
    finally:
        os.close(controller)
        os.close(device)


def _ring(table: str, key: str, value: Any) -> None:
    """A line rings once and its timeout runs out: the call is missed."""
    line, wall = LineStateMachine("x", ring_timeout_s=value), datetime.now(UTC)
    line.ring(now=0.0, wall=wall)
    deadline = line.next_deadline()
    assert deadline is not None
    assert any(isinstance(event, CallMissed) for event in line.tick(now=deadline, wall=wall))


def _vox(table: str, key: str, value: Any) -> None:
    tap = LineTap(TapSettings(**{"threshold_dbfs" if "threshold" in key else "hangover_s": value}))
    for step in range(3):
        tap.block(-20.0, 0.0, step * 0.02, 0.02, "talking")


def _slots(table: str, key: str, value: Any) -> None:
    """As the appointments' day is built from the config (ctid.reminders.appointments.slot_plan)."""
    plan = slot_plan(config.AppointmentsConfig(**{key: value}))
    assert plan.slots and plan.free(0) == plan.cars and plan.slot_end(plan.slots[-1]) <= plan.end


def _outbox(table: str, key: str, value: Any) -> None:
    """As the SMS outbox spaces and retries its messages (ctid.app.outbox_settings, ctid.messaging)."""
    settings = outbox_settings(config.SmsConfig(**{key: value}))
    assert spacing(settings.default_rate) >= 0
    now = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    for attempts in range(1, settings.max_attempts + 1):
        assert now + retry_delay(attempts, settings.retry_first_s, settings.retry_max_s) > now
    gives_up(settings.max_attempts, settings.max_attempts)


USES: dict[tuple[str, str], Callable[[str, str, Any], None]] = {
    ("log", "file_max_mb"): _rotate,
    ("log", "file_backups"): _rotate,
    ("security", "login_max_failures"): _throttle,
    ("security", "login_window_s"): _throttle,
    ("security", "login_lockout_s"): _throttle,
    ("crm", "follow_up_after_days"): _follow_up,
    ("backup", "keep"): _keep,
    ("recording", "bitrate_kbps"): _transcode,
    ("recording", "min_free_mb"): _free_space,
    ("lines.sim", "ring_interval_s"): _timer,
    ("lines.sim", "ring_timeout_s"): _ring,
    ("lines.modem", "ring_timeout_s"): _ring,
    ("lines.modem", "watchdog_s"): _timer,
    ("lines.modem", "baud"): _serial,
    ("lines.audio", "ring_timeout_s"): _ring,
    ("lines.audio", "vox_threshold_dbfs"): _vox,
    ("lines.audio", "vox_hangover_s"): _vox,
    ("appointments", "slot_minutes"): _slots,
    ("appointments", "cars_per_slot"): _slots,
    ("sms", "max_attempts"): _outbox,
    ("sms", "retry_after_s"): _outbox,
    ("sms", "retry_max_s"): _outbox,
}
ELSEWHERE = {("web", "port"), ("web", "session_hours"), ("recording", "retention_days")}
ELSEWHERE |= {("email", "port"), ("email", "timeout_s")}  # a port as [web]'s; a timeout given to aiosmtplib
FIXED_CHOICES = {("lines.modem", "tap_rate"), ("lines.audio", "rate")}  # 8000 or 16000, nothing else


def test_every_number_is_tried_by_what_uses_it() -> None:
    assert set(NUMERIC) == set(USES) | ELSEWHERE | FIXED_CHOICES


@pytest.mark.parametrize(("table", "key"), sorted(USES))
@settings(max_examples=25, deadline=None)
@given(value=numbers)
def test_any_accepted_number_works_where_it_is_used(table: str, key: str, value: float) -> None:
    if (accepted := load(table, key, value)) is not None:
        USES[table, key](table, key, accepted)
