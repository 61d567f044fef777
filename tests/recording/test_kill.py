"""Kill -9 mid-recording, start again: the cut-off file is repaired, converted, playable and registered."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.daemon import SIM_DESK, Daemon, free_port, write_config
from tests.support.media import seconds
from tests.support.waiting import wait


def _recordings(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from recordings")]


def test_kill_9_mid_recording_then_restart(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port, SIM_DESK)
    var = tmp_path / "var"
    daemon = Daemon(config, port).start()
    try:
        daemon.wait_healthy()
        simulate = [sys.executable, "-m", "ctid", "line", "simulate", "desk", "--number", "13912345678"]
        options = ["--rings", "1", "--answer-after", "1", "--talk", "60", "--config", str(config)]
        subprocess.run([*simulate, *options], check=True, capture_output=True, timeout=60)
        wav = wait(lambda: next((var / "recordings").rglob("*.wav"), None), 30, "the take's file")
        wait(lambda: wav.stat().st_size > 44 + 3 * 16000, 30, "3 s of audio")
        assert _recordings(var / "ctid.sqlite3")[0]["status"] == "recording"
    finally:
        daemon.process.kill()
        daemon.process.wait()

    again = Daemon(config, port).start()
    try:
        again.wait_healthy()
        db = var / "ctid.sqlite3"
        [row] = wait(lambda: [r for r in _recordings(db) if r["status"] == "ready"] or None, 30, "the repair")
        assert row["format"] == "opus" and row["problem"].startswith("cut off")
        assert row["duration_s"] >= 3.0 and row["number"] == "13912345678"
        path = var / "recordings" / row["path"]
        assert abs(seconds(path) - row["duration_s"]) < 0.2
        assert not list((var / "recordings").rglob("*.wav"))
        assert "was cut off: repaired" in (var / "logs" / "ctid.log").read_text()
    finally:
        again.stop()
