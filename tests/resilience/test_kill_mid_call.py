"""kill -9 of the daemon during a recorded call, then a restart (tests/recording/test_kill.py checks the
file's repair in detail; this is the call log's side).

The restart is not blocked by the PID file; the killed call is closed as answered, ended when the daemon was
last alive (its heartbeat), not at the restart; its recording is repaired and converted; the call before it
and the customer are untouched.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.support.daemon import SIM_DESK, Daemon
from tests.support.daemon_site import Site, pops_of_a_call, start_site
from tests.support.media import seconds
from tests.support.waiting import await_until


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def wav_seconds(site: Site) -> float:
    """Seconds in the WAV being written (the first call's is converted to Opus by then)."""
    wavs = list((site.var / "recordings").rglob("*.wav"))
    return (wavs[0].stat().st_size - 44) / 16000 if len(wavs) == 1 else 0.0


async def test_kill_9_mid_call_then_restart(tmp_path: Path) -> None:
    site = await asyncio.to_thread(start_site, tmp_path, SIM_DESK)
    status, customer = await asyncio.to_thread(
        site.send, "POST", "/api/v1/customers", {"name": "李娜", "phones": [{"number": "13800138000"}]}
    )
    assert status == 201, customer
    answered = ("--rings", "1", "--answer-after", "1")
    await pops_of_a_call(site, "desk", "13800138000", "call.ended", *answered, "--talk", "0.5")
    await pops_of_a_call(site, "desk", "13912345678", "call.answered", *answered, "--talk", "60")
    await await_until(lambda: wav_seconds(site) > 4.5, what="4.5 s recorded")
    before = site.rows("select * from calls order by started_at")
    site.daemon.process.send_signal(signal.SIGKILL)
    killed_at = datetime.now(UTC)
    site.daemon.process.wait()
    await asyncio.sleep(3.0)  # the restart comes later than the heartbeat's period: told apart

    again = Site(Daemon(site.daemon.config, site.daemon.port).start(), site.var, site.token)
    try:
        restarted_at = time.time()
        await asyncio.to_thread(again.daemon.wait_healthy)
        assert "found a stale PID file" in again.log
        first, cut = again.rows("select * from calls order by started_at")
        assert first == before[0], "the finished call is untouched"
        assert first["customer_id"] == customer["id"]
        assert (cut["outcome"], cut["end_reason"]) == ("answered", "daemon restart")
        ended = utc(cut["ended_at"])
        assert killed_at.timestamp() - 2.5 <= ended.timestamp() <= killed_at.timestamp() + 0.1, (
            ended,
            killed_at,
        )
        assert ended.timestamp() < restarted_at - 2.0
        assert 2.0 <= cut["talk_s"] <= 8.0 and cut["duration_s"] >= cut["talk_s"], cut
        query = "select * from recordings where call_id = ? and status = 'ready'"
        [rec] = await await_until(lambda: again.rows(query, cut["id"]), what="the cut recording converted")
        assert rec["call_id"] == cut["id"] and rec["problem"].startswith("cut off")
        assert abs(rec["duration_s"] - cut["talk_s"]) < 2.5
        assert abs(seconds(again.var / "recordings" / rec["path"]) - rec["duration_s"]) < 0.2
        assert again.get(f"/api/v1/customers/{customer['id']}")[0] == 200
        assert "closed 1 call(s) left open by the last run (ended: last alive at" in again.log
    finally:
        await asyncio.to_thread(again.daemon.stop)
