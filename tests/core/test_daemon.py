"""The daemon as a process: starts, stops cleanly on SIGTERM, refuses clear conflicts."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import ctid
from tests.support.daemon import Daemon, free_port, write_config


def test_sigterm_stops_cleanly_within_5_seconds(tmp_path: Path) -> None:
    port = free_port()
    daemon = Daemon(write_config(tmp_path, port), port).start()
    try:
        daemon.wait_healthy()
        with urllib.request.urlopen(daemon.url + "/healthz") as response:
            assert json.load(response) == {"status": "ok", "version": ctid.__version__}
        started = time.monotonic()
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=5) == 0
        assert time.monotonic() - started < 5
    finally:
        daemon.stop()
    log = (tmp_path / "var" / "logs" / "ctid.log").read_text()
    assert "stop requested" in log and "ctid stopped" in log
    assert not (tmp_path / "var" / "ctid.pid").exists()
    assert len(daemon.admin_password()) >= 12
    assert daemon.admin_password() not in log, "the one-time password must never reach the log file"


def test_port_in_use_fails_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        daemon = Daemon(write_config(tmp_path, port), port).start()
        assert daemon.process.wait(timeout=30) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in daemon.stderr()
    assert "Traceback" not in daemon.stderr()


def test_second_daemon_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    port = free_port()
    first = Daemon(write_config(tmp_path, port), port).start()
    try:
        first.wait_healthy()
        second_dir = tmp_path / "second"
        second_dir.mkdir()
        config = second_dir / "ctid.toml"
        config.write_text((tmp_path / "ctid.toml").read_text().replace(str(port), str(free_port())))
        result = subprocess.run(
            [sys.executable, "-m", "ctid", "run", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 1
        assert f"another ctid (pid {first.process.pid}) is already running" in result.stderr
    finally:
        assert first.stop() == 0


def test_stale_pid_file_is_taken_over_and_reported(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "ctid.pid").write_text("999999\n")
    daemon = Daemon(write_config(tmp_path, port), port).start()
    try:
        daemon.wait_healthy()
        assert "stale PID file (pid 999999" in daemon.stderr()
    finally:
        assert daemon.stop() == 0
