"""Kill -9 mid-recording, start again: the cut-off file is repaired, converted, playable and registered."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.daemon import SIM_DESK, Daemon, free_port, write_config
from tests.support.media import seconds


def _recordings(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("select * from recordings")]


def _wait(condition: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise TimeoutError("condition not met")


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
        wav = _wait(lambda: next((var / "recordings").rglob("*.wav"), None))
        _wait(lambda: wav.stat().st_size > 44 + 3 * 16000)  # more than 3 s of audio
        assert _recordings(var / "ctid.sqlite3")[0]["status"] == "recording"
    finally:
        daemon.process.kill()
        daemon.process.wait()

    again = Daemon(config, port).start()
    try:
        again.wait_healthy()
        db = var / "ctid.sqlite3"
        [row] = _wait(lambda: [r for r in _recordings(db) if r["status"] == "ready"] or None)
        assert row["format"] == "opus" and row["problem"].startswith("cut off")
        assert row["duration_s"] >= 3.0 and row["number"] == "13912345678"
        path = var / "recordings" / row["path"]
        assert abs(seconds(path) - row["duration_s"]) < 0.2
        assert not list((var / "recordings").rglob("*.wav"))
        assert "was cut off: repaired" in (var / "logs" / "ctid.log").read_text()
    finally:
        again.stop()
