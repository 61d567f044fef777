"""The database held by another program (an admin's ``sqlite3`` shell in a write transaction) for longer
than the daemon's busy timeout, while a call comes in and is recorded.

Pops still come at once (number and customer: reads are not blocked in WAL mode), pages answer, /healthz
and the log say writes are failing, and once the shell lets go every stage of the call and its recording
are written: nothing is lost.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.resilience.support import hold_write_lock
from tests.support.daemon import SIM_DESK
from tests.support.daemon_site import pops_of_a_call, start_site
from tests.support.waiting import await_until

NUMBER = "13912345678"


async def test_a_database_locked_past_the_busy_timeout_loses_nothing(tmp_path: Path) -> None:
    site = await asyncio.to_thread(start_site, tmp_path, SIM_DESK)
    try:
        customer = {"name": "张伟", "phones": [{"number": NUMBER, "label": "手机"}]}
        status, created = await asyncio.to_thread(site.send, "POST", "/api/v1/customers", customer)
        assert status == 201, created

        shell = await asyncio.to_thread(hold_write_lock, site.db)
        try:
            options = ("--rings", "1", "--answer-after", "1", "--talk", "2")
            messages = await pops_of_a_call(site, "desk", NUMBER, "call.identified", *options)
            identified = messages[-1]
            assert identified["call"]["number"] == NUMBER
            card = identified.get("customer") or {}
            assert card.get("id") == created["id"] or any(
                m.get("customer", {}).get("id") == created["id"] for m in messages
            ), messages
            assert identified["after_s"] < 3.0, "the pop waited for the locked database"
            health = await await_until(
                lambda: (h := site.get("/healthz")[1])["status"] == "degraded" and h,
                what="healthz",
                within_s=20,
            )
            assert health["database"] == "cannot write: database is locked", health
            assert site.get("/api/v1/calls")[0] == 200  # the pages still answer
            assert "cannot write the call log" in site.log
            await asyncio.sleep(1.0)  # kept: the outage lasts a second more while the call goes on
        finally:
            assert shell.stdin is not None
            shell.stdin.write("COMMIT;\n.quit\n")
            shell.stdin.close()
            shell.wait(10)

        [call] = await await_until(
            lambda: (c := site.rows("select * from calls")) and c[0]["ended_at"] and c, what="call written"
        )
        assert (call["number"], call["customer_id"], call["outcome"]) == (NUMBER, created["id"], "answered")
        assert call["answered_at"] and call["identified_at"] and call["talk_s"] >= 1.5, call
        [rec] = await await_until(
            lambda: (r := site.rows("select * from recordings")) and r[0]["status"] == "ready" and r,
            what="recording ready",
        )
        assert rec["call_id"] == call["id"] and rec["duration_s"] >= 1.5
        health = await await_until(lambda: (h := site.get("/healthz")[1])["status"] == "ok" and h, what="ok")
        assert health["database"] == "ok"
        assert "database: writable again" in site.log
        assert "the call log dropped" not in site.log and "could not" not in site.log
    finally:
        await asyncio.to_thread(site.daemon.stop)
