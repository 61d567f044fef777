"""A real daemon on a fake USB modem (a pty behind a symlink) that is pulled out and plugged back in.

The modem is unplugged mid-call while the call is being recorded through its voice mode, and again while
idle: the line says so (lines API, /healthz, log), the call ends as "line lost" in the call log, the recording
is finished and converted (never left "recording"), and the line works again once the modem is back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from tests.resilience.support import CONFIG, a_call, calls, line_status
from tests.support.daemon_site import start_site
from tests.support.fakemodem import FakeModem
from tests.support.media import seconds
from tests.support.waiting import await_until


async def talk(fake: FakeModem, seconds_: float) -> None:
    """``seconds_`` of 8-bit audio at the modem's pace (a real modem sends it as it hears it)."""
    rng = np.random.default_rng(1)
    for _ in range(int(seconds_ / 0.1)):
        fake.send_audio(rng.integers(40, 216, 800, dtype=np.uint8).tobytes())
        await asyncio.sleep(0.1)  # the behaviour: audio at the modem's pace


async def test_unplugged_mid_call_and_idle_then_replugged(tmp_path: Path) -> None:
    fake = FakeModem(tmp_path / "ttyFAKE0")
    fake.plug()
    site = await asyncio.to_thread(start_site, tmp_path, CONFIG.format(device=fake.path))
    try:
        await await_until(lambda: line_status(site)[0] == "up", what="line up")
        await a_call(site, fake, "13912345678", count=1)
        await talk(fake, 2.0)

        fake.unplug()  # mid-call, mid-recording
        _, error = await await_until(lambda: (s := line_status(site))[0] == "down" and s, what="down")
        assert "lost" in error or "unplugged" in error, error
        health = (await asyncio.to_thread(site.get, "/healthz"))[1]
        assert health["lines"] == {"front": "down"}
        [call] = await await_until(lambda: (c := calls(site)) and c[0]["ended_at"] and c, what="call ended")
        assert call["end_reason"] == "line lost" and call["outcome"] == "answered", call
        [rec] = await await_until(
            lambda: (r := site.rows("select * from recordings")) and r[0]["status"] == "ready" and r,
            what="recording ready",
        )
        assert rec["call_id"] == call["id"] and rec["format"] == "opus"
        assert 1.5 <= rec["duration_s"] <= 3.0, rec
        assert abs(seconds(site.var / "recordings" / rec["path"]) - rec["duration_s"]) < 0.2
        assert "line front is down" in site.log

        fake.plug()  # back, with its settings lost (a power cycle): the daemon initialises it again
        await await_until(lambda: line_status(site)[0] == "up", what="up again", within_s=40)
        assert (await asyncio.to_thread(site.get, "/healthz"))[1]["lines"] == {"front": "up"}
        await a_call(site, fake, "13800138000", count=2)
        await talk(fake, 1.0)
        fake.dle("h")  # an ordinary hang-up
        await await_until(lambda: calls(site)[1]["ended_at"], what="second call ended")
        assert calls(site)[1]["number"] == "13800138000" and calls(site)[1]["end_reason"] != "line lost"
        await await_until(
            lambda: [r["status"] for r in site.rows("select * from recordings")] == ["ready", "ready"],
            what="second recording ready",
        )

        fake.unplug()  # idle this time
        await await_until(lambda: line_status(site)[0] == "down", what="down while idle")
        assert len(calls(site)) == 2  # no call made up by the unplug
        fake.plug()
        await await_until(lambda: line_status(site)[0] == "up", what="up after the idle unplug", within_s=40)
        assert site.daemon.process.poll() is None
    finally:
        fake.unplug()
        await asyncio.to_thread(site.daemon.stop)
    assert site.daemon.process.returncode == 0
