"""A real daemon on a modem that is mute at start, then answers amid line noise.

The line is down with the reason in the lines API and the log (once, not at every retry), the daemon keeps
serving, retries, and the line comes up and identifies a caller once the modem answers.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from tests.resilience.support import CONFIG, a_call, line_status
from tests.support.daemon_site import Site, start_site
from tests.support.fakemodem import FakeModem
from tests.support.waiting import await_until


async def noise(fake: FakeModem, stop: asyncio.Event) -> None:
    """Random bytes between and inside the modem's answers (a bad USB cable, a modem's boot chatter)."""
    chance = random.Random(7)
    while not stop.is_set():
        fake.write(bytes(chance.randrange(256) for _ in range(chance.randint(1, 12))))
        await asyncio.sleep(chance.uniform(0.005, 0.03))  # the behaviour: noise at a cable's random pace


async def test_a_mute_modem_then_a_noisy_one(tmp_path: Path) -> None:
    fake = FakeModem(tmp_path / "ttyFAKE0")
    fake.plug()
    fake.muted = True
    site: Site = await asyncio.to_thread(start_site, tmp_path, CONFIG.format(device=fake.path))
    stop = asyncio.Event()
    try:
        _, error = await await_until(lambda: (s := line_status(site))[1] and s, what="the reason")
        assert line_status(site)[0] == "down" and error == "no answer to ATZ within 6 s", error
        assert (await asyncio.to_thread(site.get, "/healthz"))[1]["lines"] == {"front": "down"}
        await fake.wait_for_command("ATZ", count=2, within_s=15)  # it tries again
        assert site.log.count("line front is down: no answer to ATZ") == 1, "one line, not one per retry"

        fake.muted = False
        chatter = asyncio.create_task(noise(fake, stop))
        await await_until(lambda: line_status(site)[0] == "up", what="up amid the noise", within_s=40)
        stop.set()
        await chatter
        await a_call(site, fake, "13912345678", count=1)
        [call] = site.rows("select number from calls")
        assert call["number"] == "13912345678"
        assert site.daemon.process.poll() is None
    finally:
        stop.set()
        fake.unplug()
        await asyncio.to_thread(site.daemon.stop)
