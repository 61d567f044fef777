"""The data dir (database, recordings, logs) on a small tmpfs that fills up while a call is being recorded.

With the size guard off (``min_free_mb = 0``) the disk full is met by the writes themselves: the recording
stops with what it has and raises the alert (once, not at every block), pops and pages carry on, the
database writes that fail are retried; when space returns the alert clears, the cut recording is converted,
the next call is recorded whole, and every call is in the log.
"""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

from tests.support.daemon import SIM_DESK
from tests.support.daemon_site import Site, pops_of_a_call, start_on_small_disk
from tests.support.media import seconds
from tests.support.waiting import await_until

FIRST, SECOND, THIRD = "13912345678", "13800138000", "13700137000"


def fill(path: Path) -> None:
    """Write ``path`` until the disk is full."""
    chunk = b"\0" * 65536
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            try:
                os.write(fd, chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                if len(chunk) == 1:
                    return
                chunk = chunk[: len(chunk) // 16 or 1]
    finally:
        os.close(fd)


def health(site: Site) -> dict[str, object]:
    status, body = site.get("/healthz")
    assert status == 200, body
    return dict(body)


def wav_seconds(site: Site) -> float:
    wavs = list((site.var / "recordings").rglob("*.wav"))
    return (wavs[0].stat().st_size - 44) / 16000 if wavs else 0.0


async def test_a_disk_filling_up_mid_recording_then_freed(tmp_path: Path) -> None:
    site = await asyncio.to_thread(start_on_small_disk, tmp_path, SIM_DESK, "48m")
    filler = site.var / "filler"
    try:
        talk = ("--rings", "1", "--answer-after", "1", "--talk", "4")
        await pops_of_a_call(site, "desk", FIRST, "call.answered", *talk)
        await await_until(lambda: wav_seconds(site) > 1.0, what="a second recorded")
        await asyncio.to_thread(fill, filler)

        alert = await await_until(lambda: (h := health(site))["recording"] != "ok" and h, what="the alert")
        assert alert["recording"] == "recordings stopped: cannot write to the disk (No space left on device)"
        assert site.get("/api/v1/lines")[0] == 200 and site.get("/api/v1/calls")[0] == 200
        await await_until(lambda: site.get("/api/v1/lines")[1]["items"][0]["status"] == "up", what="hung up")
        messages = await pops_of_a_call(site, "desk", SECOND, "call.identified", "--rings", "1")
        assert messages[-1]["call"]["number"] == SECOND and messages[-1]["after_s"] < 3.0
        log = (tmp_path / "stderr.txt").read_text(errors="replace")  # the log file is on the full disk
        assert log.count("stopped after") == 1, "reported once, not at every block"

        await asyncio.to_thread(filler.unlink)
        await await_until(lambda: health(site) | {"uptime_s": 0, "lines": {}} == {
            "status": "ok", "version": alert["version"], "database": "ok", "uptime_s": 0,
            "recording": "ok", "lines": {}, "backup": "none yet",
        }, what="healthy again")  # fmt: skip
        await await_until(lambda: site.get("/api/v1/lines")[1]["items"][0]["status"] == "up", what="idle")
        await pops_of_a_call(
            site, "desk", THIRD, "call.ended", "--rings", "1", "--answer-after", "1", "--talk", "1.5"
        )

        rows = await await_until(
            lambda: (
                (r := site.rows("select * from recordings order by id"))
                and all(x["status"] == "ready" for x in r)
                and len(r) == 2
                and r
            ),
            what="both recordings converted",
        )
        cut, whole = rows
        assert cut["problem"].startswith("stopped: the disk could not be written"), cut
        assert 1.0 <= cut["duration_s"] < 4.0 and cut["format"] == "opus"
        assert abs(seconds(site.var / "recordings" / cut["path"]) - cut["duration_s"]) < 0.2
        assert whole["problem"] is None and whole["duration_s"] >= 1.2
        calls = site.rows("select number, outcome, ended_at from calls order by started_at")
        assert [(c["number"], c["ended_at"] is not None) for c in calls] == [
            (FIRST, True), (SECOND, True), (THIRD, True)
        ]  # fmt: skip
        assert site.daemon.process.poll() is None
    finally:
        await asyncio.to_thread(site.daemon.stop)
