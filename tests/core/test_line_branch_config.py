"""A line whose ``branch`` names no branch stops the start, as a config error naming the line and the code.

Before, it was a logged error and the daemon ran on: the line's pops reached no one and its recordings were
stored with no branch, which every branch's supervisors could play by id. ``ctid check-config`` cannot see
it (the branches live in the database): the real daemon, started as a process, must refuse.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.daemon import Daemon, free_port, write_config

LINES = """
[[lines]]
name = "desk"
driver = "sim"
[[lines]]
name = "east-desk"
driver = "sim"
branch = "east"
"""


def test_a_line_of_no_branch_is_a_config_error_at_start(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port, LINES)
    daemon = Daemon(config, port).start()
    try:
        assert daemon.process.wait(timeout=60) == 2
    finally:
        daemon.stop()
    errors = [line for line in daemon.stderr().splitlines() if line.startswith("ctid:")]
    assert errors == [
        f"ctid: config error in {config}: lines[1].branch: line 'east-desk': no branch with code 'east' "
        "(branches: main); create the branch first or correct the code"
    ]
    assert "Traceback" not in daemon.stderr()
    assert not (tmp_path / "var" / "ctid.pid").exists(), "the PID file is released"
