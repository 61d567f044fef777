"""An API token used for the first time while another program holds the database's write lock (an
admin's ``sqlite3`` shell in a write transaction, past the daemon's busy timeout).

Before, authenticating a token wrote its last use in the same transaction: the request waited out the busy
timeout and answered 503, and the token's console could not connect. Now the token's user reads, its
console connects, and the last use is put off with one warning in the log, not one per request.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp

from tests.resilience.support import hold_write_lock
from tests.support.daemon import SIM_DESK
from tests.support.daemon_site import start_site
from tests.support.waiting import await_until

WARNING = "cannot write API tokens' last use (database is locked)"


async def test_a_token_reads_and_its_console_connects_while_the_database_is_locked(tmp_path: Path) -> None:
    site = await asyncio.to_thread(start_site, tmp_path, SIM_DESK)
    try:
        site.token = (await asyncio.to_thread(site.ctid, "token", "create", "admin", "--name", "new")).strip()
        shell = await asyncio.to_thread(hold_write_lock, site.db)
        try:
            started = time.monotonic()
            status, me = await asyncio.to_thread(site.get, "/api/v1/me")
            assert (status, me["user"]["username"]) == (200, "admin"), me
            assert time.monotonic() - started < 5, "did not wait for the lock"
            assert (await asyncio.to_thread(site.get, "/api/v1/calls"))[0] == 200

            headers = {"Authorization": f"Bearer {site.token}"}
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(site.daemon.url + "/ws", headers=headers) as ws,
            ):
                hello = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
                assert hello["type"] == "hello" and hello["user"]["username"] == "admin"

            await await_until(lambda: WARNING in site.log, what="the warning", within_s=30)
            for _ in range(5):
                assert (await asyncio.to_thread(site.get, "/api/v1/lines"))[0] == 200
            assert site.log.count("last use") == 1, "one warning, not one per request"
        finally:
            assert shell.stdin is not None
            shell.stdin.write("COMMIT;\n.quit\n")
            shell.stdin.close()
            shell.wait(10)
        assert (await asyncio.to_thread(site.get, "/api/v1/me"))[0] == 200
        assert "Traceback" not in site.log
    finally:
        await asyncio.to_thread(site.daemon.stop)
