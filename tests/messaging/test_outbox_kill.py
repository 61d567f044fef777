"""A daemon killed mid-outbox sends nothing twice after its restart (issue 17's "done when").

A real ``ctid run`` sends six queued SMS through the fake GSM modem on a pty. The modem stops showing its
``> `` prompt, so one message sits ``sending`` (committed before the modem was asked) while the daemon
waits; the daemon is killed with SIGKILL then, the modem power-cycled, the daemon started again. The
modem's log of accepted PDUs holds every other message exactly once, and the one in flight never: it is
``unknown``, listed for a person to resend, not sent again by itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ctid.core.clock import utcnow
from ctid.messaging import outbox_store
from ctid.messaging.models import NewSms, Purpose
from ctid.storage.db import Database
from tests.messaging.fake_gsm import FakeGsmModem, describe, read_log
from tests.support.daemon import Daemon, free_port, write_config
from tests.support.waiting import eventually

NUMBER = "+8613800138000"
TEXTS = [f"第{n}条：您的爱车保养提醒" for n in range(1, 7)]


async def _queue(url: str) -> None:
    """The shop's database, migrated, with six messages queued (before any daemon runs)."""
    db = Database(url, keep_in_memory=False)
    await db.start()
    try:
        async with db.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO branches (id, code, name, created_at) VALUES (1, 'main', '总店', '2026-12-01')"
            )
            for text in TEXTS:
                await outbox_store.insert_message(conn, NewSms(1, NUMBER, text, Purpose.SERVICE), utcnow())
    finally:
        await db.stop()


def _statuses(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT text, status FROM sms_messages"))


def _sent_texts(fake: FakeGsmModem) -> list[str]:
    assert fake.log_path is not None
    return [str(describe(hexdata)["text"]) for _, hexdata in read_log(fake.log_path)]


async def test_a_daemon_killed_mid_outbox_sends_nothing_twice(tmp_path: Path) -> None:
    fake = FakeGsmModem(tmp_path / "ttyGSM0", tmp_path / "pdus.log")
    fake.plug()
    database = tmp_path / "var" / "ctid.sqlite3"
    database.parent.mkdir()
    await _queue(f"sqlite+aiosqlite:///{database}")
    senders = f"""
[[sms.senders]]
name = "modem"
driver = "gsm_modem"
device = "{fake.path}"
rate_per_minute = 60
"""
    port = free_port()
    config = write_config(tmp_path, port, senders)

    first = Daemon(config, port).start()
    try:
        await eventually(lambda: _async(len(_sent_texts(fake)) >= 2), 60, "two messages sent")
        fake.script.prompt_delay_s = None  # the modem stops answering AT+CMGS with its prompt
        await eventually(lambda: _async(_stuck(database, fake)), 60, "a message in flight, not yet accepted")
    finally:
        first.process.kill()  # SIGKILL: no stop, no cleanup
        first.process.wait()
    in_flight = [text for text, status in _statuses(database).items() if status == "sending"]
    assert len(in_flight) == 1
    before = _sent_texts(fake)

    fake.unplug()  # a power cycle: the half-done AT+CMGS is gone with it
    fake.script.prompt_delay_s = 0.0
    fake.plug()
    second = Daemon(config, port).start()
    try:
        settled = {"sent", "delivered", "unknown"}
        await eventually(
            lambda: _async(set(_statuses(database).values()) <= settled), 90, "every message settled"
        )
    finally:
        second.stop()

    statuses = _statuses(database)
    assert statuses[in_flight[0]] == "unknown"
    assert [t for t, s in statuses.items() if s == "unknown"] == in_flight
    sent = _sent_texts(fake)
    assert sent[: len(before)] == before
    assert sorted(sent) == sorted(t for t in TEXTS if t != in_flight[0]), (
        "each message once, the unknown none"
    )
    assert "now unknown" in (tmp_path / "var" / "logs" / "ctid.log").read_text(errors="replace")


def _stuck(database: Path, fake: FakeGsmModem) -> bool:
    """A message is ``sending`` that the modem has not accepted (it waits for the prompt). Not merely one
    ``sending``: the one the modem accepted just before its prompts stopped is ``sending`` too until the
    daemon reads the modem's answer, and killed then it is rightly ``unknown`` though it went out."""
    sending = [text for text, status in _statuses(database).items() if status == "sending"]
    return bool(sending) and not set(sending) & set(_sent_texts(fake))


async def _async(value: bool) -> bool:
    return value
