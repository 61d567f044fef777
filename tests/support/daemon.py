"""Start the real daemon as a process, for tests and benchmarks."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.waiting import wait

PASSWORD = re.compile(r"password:\s+(\S+)")
ADMIN_PASSWORD = "the tests' own admin passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SIM_DESK = """
[recording]
min_free_mb = 0
[[lines]]
name = "desk"
driver = "sim"
"""
"""One simulated line "desk" that records even on a nearly full disk (the disk tests fill it)."""


def write_config(directory: Path, port: int, extra: str = "") -> Path:
    path = directory / "ctid.toml"
    path.write_text(
        f'[web]\nport = {port}\n[storage]\ndir = "{directory / "var"}"\n[log]\nlevel = "INFO"\n{extra}',
        encoding="utf-8",
    )
    return path


@dataclass
class Daemon:
    """A ``ctid run`` process whose stdout and stderr go to files we can read while it runs."""

    config: Path
    port: int
    process: subprocess.Popen[bytes] = field(init=False)

    def start(self) -> Daemon:
        out = open(self.config.parent / "stdout.txt", "wb")  # noqa: SIM115 - closed with the process
        err = open(self.config.parent / "stderr.txt", "wb")  # noqa: SIM115
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ctid", "run", "--config", str(self.config)],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stdout(self) -> str:
        return (self.config.parent / "stdout.txt").read_text(errors="replace")

    def stderr(self) -> str:
        return (self.config.parent / "stderr.txt").read_text(errors="replace")

    def wait_healthy(self, timeout: float = 30.0) -> float:
        """Seconds until /healthz answers 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.process.returncode}: {self.stderr()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.02)
        raise TimeoutError(f"daemon not healthy after {timeout} s: {self.stderr()}")

    def admin_password(self, timeout: float = 10.0) -> str:
        return wait(lambda: PASSWORD.search(self.stdout()), timeout, "the admin password printed").group(1)

    def settle_admin(self, token: str, new_password: str = ADMIN_PASSWORD) -> None:
        """The first admin must change the printed password before anything else (the API refuses the
        rest with 403): done with the admin's ``token``, as a person does at the first login."""
        body = json.dumps({"old_password": self.admin_password(), "new_password": new_password}).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.url + "/api/v1/me/password", body, headers, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextmanager
def sim_desk_on(directory: Path, database_url: str) -> Iterator[Daemon]:
    """A running daemon with the one sim line "desk" on the given database, its first admin settled."""
    port = free_port()
    database = f'[database]\nurl = "{database_url}"\n'
    running = Daemon(write_config(directory, port, SIM_DESK + database), port).start()
    try:
        running.wait_healthy()
        running.admin_password()
        yield running
    finally:
        running.stop()


def ctid_command(daemon: Daemon, *args: str, stdin: str = "") -> str:
    """``ctid ARGS --config <the daemon's>`` as another process; its stdout."""
    command = [sys.executable, "-m", "ctid", *args, "--config", str(daemon.config)]
    return subprocess.run(command, input=stdin, check=True, capture_output=True, text=True).stdout
