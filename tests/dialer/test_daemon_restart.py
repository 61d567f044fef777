"""The issue's done-when for a crash: the real daemon runs a broadcast campaign over two fake modems on ptys,
is killed with -9 while calls are in flight, and started again. The fakes' dial logs (kept in this process,
so they outlive the daemon) show no extra dial: every number at most once, the calls lost in the crash
waiting their retry delay (unknown) instead of being dialled again, the rest of the campaign dialled by the
restarted daemon (a running campaign runs on)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path
from typing import Any

from ctid.storage.db import Database
from tests.dialer.rig import customers_with_items
from tests.support.daemon import Daemon
from tests.support.daemon_site import Site, start_site
from tests.support.fakemodem import DialAnswer, FakeModem
from tests.support.waiting import await_until

CONTACTS = 12
SETTINGS: dict[str, Any] = {
    "lines": ["m1", "m2"],
    "source": {"kind": "reminders", "types": ["insurance"]},
    "hours": {"weekdays": [0, 1, 2, 3, 4, 5, 6], "windows": [["00:00", "23:59"]], "statutory": False},
    "retry_minutes": {"unknown": 120},
}


def lines_config(fakes: dict[str, FakeModem]) -> str:
    return "".join(
        f'[[lines]]\nname = "{name}"\ndriver = "modem"\ndevice = "{fake.path}"\nrecord = "never"\n'
        for name, fake in fakes.items()
    )


async def test_kill_9_mid_campaign_dials_nobody_twice(tmp_path: Path) -> None:
    fakes = {name: FakeModem(tmp_path / f"tty{name}") for name in ("m1", "m2")}
    for fake in fakes.values():
        fake.plug()
        fake.dial_script = lambda _number: DialAnswer("OK", 0.2, talk_s=1.0)  # answered, a short message
    site: Site | None = None
    try:
        site = await asyncio.to_thread(start_site, tmp_path, lines_config(fakes))
        db = Database(f"sqlite+aiosqlite:///{site.db}", keep_in_memory=False)
        await db.start()
        try:
            await customers_with_items(db, 1, CONTACTS)
        finally:
            await db.stop()
        status, made = await asyncio.to_thread(
            site.send,
            "POST",
            "/api/v1/campaigns",
            {"name": "续保", "mode": "broadcast", "settings": SETTINGS},
        )
        assert status == 201, made
        status, _ = await asyncio.to_thread(site.send, "POST", f"/api/v1/campaigns/{made['id']}/start")
        assert status == 200

        def dials() -> list[str]:
            return [d.number for fake in fakes.values() for d in sorted(fake.dials, key=lambda d: d.at)]

        await await_until(lambda: len(dials()) >= 4, 20)  # two rounds on two lines: calls in flight now
        site.daemon.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(site.daemon.process.wait)
        before = dials()

        site.daemon = Daemon(site.daemon.config, site.daemon.port).start()
        await asyncio.to_thread(site.daemon.wait_healthy)
        await await_until(lambda: _settled(site), 30)
        assert "attempt(s) were in flight when the daemon stopped" in site.log

        dialled = dials()
        assert len(dialled) > len(before), "the restarted daemon dialled the rest of the campaign"
        assert max(Counter(dialled).values()) == 1, f"a number was dialled twice: {Counter(dialled)}"
        rows = await asyncio.to_thread(site.rows, "SELECT number_e164, result FROM dial_attempts ORDER BY id")
        lost = [row["number_e164"].removeprefix("+86") for row in rows if row["result"] == "unknown"]
        assert lost, "a call was in flight at the kill"
        assert all(dialled.count(n) == before.count(n) for n in lost)  # not dialled again after the kill
        assert Counter(r["result"] for r in rows) == Counter(
            {"answered": len(rows) - len(lost), "unknown": len(lost)}
        )
        assert {r["number_e164"].removeprefix("+86") for r in rows} >= set(dialled)
        contacts = await asyncio.to_thread(site.rows, "SELECT status, last_result FROM campaign_contacts")
        assert Counter((c["status"], c["last_result"]) for c in contacts) == Counter(
            {("done", "answered"): CONTACTS - len(lost), ("pending", "unknown"): len(lost)}
        )
    finally:
        if site is not None:
            await asyncio.to_thread(site.daemon.stop)
        for fake in fakes.values():
            fake.unplug()


def _settled(site: Site) -> bool:
    """Every contact done, or waiting after the crash: nothing in flight, nothing due."""
    rows = site.rows("SELECT status, last_result FROM campaign_contacts")
    return bool(rows) and all(
        r["status"] == "done" or (r["status"] == "pending" and r["last_result"] == "unknown") for r in rows
    )
