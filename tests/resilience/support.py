"""What the resilience tests share: a real daemon, its API with a token, its database and log as files."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.daemon import Daemon, free_port, write_config

T = TypeVar("T")


@dataclass
class Site:
    """A running daemon, its data dir and an API token of its admin."""

    daemon: Daemon
    var: Path
    token: str = ""

    @property
    def db(self) -> Path:
        return self.var / "ctid.sqlite3"

    @property
    def log(self) -> str:
        return (self.var / "logs" / "ctid.log").read_text(errors="replace")

    def get(self, path: str) -> tuple[int, Any]:
        """GET ``path`` (JSON) with the admin's token; (status, body)."""
        return self.send("GET", path)

    def send(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        """``method path`` with a JSON body and the admin's token; (status, JSON answer)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.daemon.url + path, data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def rows(self, sql: str, *args: object) -> list[dict[str, Any]]:
        """Rows of the daemon's database read by another process (as an admin's sqlite3 shell would)."""
        with sqlite3.connect(self.db, timeout=10) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, args)]

    def ctid(self, *args: str) -> str:
        """Run a ``ctid`` command on the daemon's config; its stdout."""
        command = [sys.executable, "-m", "ctid", *args, "--config", str(self.daemon.config)]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def start_site(tmp_path: Path, extra: str, *, token: bool = True) -> Site:
    """A daemon on ``tmp_path`` with the config ``extra`` (lines, recording...), healthy."""
    port = free_port()
    daemon = Daemon(write_config(tmp_path, port, extra), port).start()
    daemon.wait_healthy()
    site = Site(daemon, tmp_path / "var")
    if token:
        daemon.admin_password()  # the admin exists
        site.token = site.ctid("token", "create", "admin").strip()
    return site


def wait(condition: Callable[[], T | None], timeout: float = 20.0, what: str = "condition") -> T:
    """Poll ``condition`` every 50 ms until it returns something true; TimeoutError names ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not within {timeout} s")


async def await_until(
    condition: Callable[[], T | None], within_s: float = 20.0, what: str = "condition"
) -> T:
    """``wait`` for async tests whose loop must keep running (a fake modem lives on it): each poll in a
    thread, 50 ms apart."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if result := await asyncio.to_thread(condition):
            return result
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{what}: not within {within_s} s")


__all__ = ["Site", "await_until", "free_port", "start_site", "wait"]
