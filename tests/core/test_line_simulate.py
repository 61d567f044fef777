"""End to end: `ctid line simulate` rings a sim line of a running daemon; the call shows in the API."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.daemon import Daemon, free_port, write_config
from tests.support.waiting import wait

SIM_LINE = '[[lines]]\nname = "demo"\nlabel = "展厅"\ndriver = "sim"\n'


def _ctid(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ctid", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _get(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_simulated_call_reaches_the_call_log_and_the_lines_api(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port, SIM_LINE)
    daemon = Daemon(config, port).start()
    try:
        daemon.wait_healthy()
        daemon.admin_password()
        token = _ctid("token", "create", "admin", "--config", str(config)).stdout.strip()
        daemon.settle_admin(token)
        lines = _get(daemon.url + "/api/v1/lines", token)["items"]
        assert [(line["name"], line["label"], line["status"]) for line in lines] == [("demo", "展厅", "up")]

        result = _ctid(
            "line",
            "simulate",
            "demo",
            "--number",
            "13912345678",
            "--name",
            "王伟",
            "--rings",
            "1",
            "--config",
            str(config),
        )
        assert (result.returncode, result.stdout.strip()) == (0, "line demo is ringing")

        calls: list[dict[str, Any]] = wait(
            # with its name: NAME comes on the line after NMBR, as a modem reports them, and the log may be
            # read between the two
            lambda: [c for c in _get(daemon.url + "/api/v1/calls?number=139", token)["items"] if c["name"]],
            10,
            "the simulated call in the call log, with its name",
        )
        call = calls[0]
        assert (call["line"], call["number"], call["number_e164"], call["name"]) == (
            "demo",
            "13912345678",
            "+8613912345678",
            "王伟",
        )
        assert _get(daemon.url + "/api/v1/lines", token)["items"][0]["status"] == "ringing"

        unknown = _ctid("line", "simulate", "nope", "--config", str(config))
        assert unknown.returncode == 1 and "No line named nope" in unknown.stderr
        bad = _ctid("line", "simulate", "demo", "--rings", "0", "--config", str(config))
        assert bad.returncode == 1 and "rings: must be between 1 and 50, got 0" in bad.stderr
        assert "Traceback" not in daemon.stderr(), "a wrong value is an answer, not a failure in the daemon"
    finally:
        assert daemon.stop() == 0


def test_simulate_without_a_daemon_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path, free_port(), SIM_LINE)
    result = _ctid("line", "simulate", "demo", "--config", str(config))
    assert result.returncode == 1
    assert "no ctid is running with this data dir" in result.stderr
