"""What two resilience test modules share: the modem line's config and a call on it, and an sqlite3 shell
holding the write lock."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.daemon_site import Site
from tests.support.fakemodem import FakeModem
from tests.support.waiting import await_until

CONFIG = """
[recording]
min_free_mb = 0
[[lines]]
name = "front"
driver = "modem"
record = "always"
device = "{device}"
init = ["ATZ", "ATE0V1Q0", "AT+VCID=1", "AT+FCLASS=8"]
ring_timeout_s = 3.0
"""


def line_status(site: Site) -> tuple[str, str]:
    status, body = site.get("/api/v1/lines")
    assert status == 200, body
    [line] = body["items"]
    return line["status"], line["last_error"]


def calls(site: Site) -> list[dict[str, object]]:
    return site.rows("select * from calls order by started_at")


async def a_call(site: Site, fake: FakeModem, number: str, *, count: int) -> None:
    """RING, caller ID, the handset lifted: until the modem records (AT+VRX) and the call is in the log."""
    fake.ring()
    await await_until(lambda: line_status(site)[0] == "ringing", what="ringing")
    fake.caller_id(number)
    fake.dle("H")
    await await_until(lambda: fake.recording, what="AT+VRX")
    await await_until(lambda: len(calls(site)) == count and calls(site)[-1]["answered_at"], what="answered")


def hold_write_lock(db: Path) -> subprocess.Popen[str]:
    """A ``sqlite3`` shell that has begun a write transaction (and waits for its COMMIT on stdin)."""
    shell = subprocess.Popen(
        ["sqlite3", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert shell.stdin is not None and shell.stdout is not None
    shell.stdin.write("BEGIN IMMEDIATE;\nUPDATE users SET name = name;\nSELECT 'holding';\n")
    shell.stdin.flush()
    assert shell.stdout.readline().strip() == "holding"
    return shell
