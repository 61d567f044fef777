"""A real daemon at work, as the resilience tests (and daemon-level core and voicecard tests) see it: its API
with a token, its database and log as files."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.daemon import Daemon, free_port, write_config


@dataclass
class Site:
    """A running daemon, its data dir and an API token of its admin."""

    daemon: Daemon
    var: Path
    token: str = ""
    inside: tuple[str, ...] = ()  # how to run a command where the daemon sees its files (its mount namespace)
    inner_db: Path | None = None  # the database's path as the daemon sees it

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
        if self.inside:  # SQLite resolves /proc/<pid>/root to the file outside: read it from inside
            command = [
                *self.inside,
                sys.executable,
                "-c",
                _READ_ROWS,
                str(self.inner_db),
                sql,
                json.dumps(args),
            ]
            result = subprocess.run(command, check=True, capture_output=True, text=True, timeout=30)
            return list(json.loads(result.stdout))
        with sqlite3.connect(self.db, timeout=10) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, args)]

    def ctid(self, *args: str) -> str:
        """Run a ``ctid`` command on the daemon's config; its stdout."""
        command = [*self.inside, sys.executable, "-m", "ctid", *args, "--config", str(self.daemon.config)]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


_READ_ROWS = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=10)
conn.row_factory = sqlite3.Row
print(json.dumps([dict(r) for r in conn.execute(sys.argv[2], json.loads(sys.argv[3]))]))
"""


def start_site(tmp_path: Path, extra: str, *, token: bool = True) -> Site:
    """A daemon on ``tmp_path`` with the config ``extra`` (lines, recording...), healthy."""
    port = free_port()
    daemon = Daemon(write_config(tmp_path, port, extra), port).start()
    daemon.wait_healthy()
    site = Site(daemon, tmp_path / "var")
    if token:
        daemon.admin_password()  # the admin exists
        site.token = site.ctid("token", "create", "admin").strip()
        daemon.settle_admin(site.token)
    return site


def start_on_small_disk(tmp_path: Path, extra: str, size: str) -> Site:
    """A daemon whose data dir is a tmpfs of ``size`` (in a private mount namespace: no root needed).

    The test reaches its files through ``/proc/<pid>/root`` and runs ``ctid`` commands inside with nsenter.
    """
    port = free_port()
    config = write_config(tmp_path, port, extra)
    var = tmp_path / "var"
    var.mkdir()
    daemon = Daemon(config, port)
    script = (
        f"mount -t tmpfs -o size={size} tmpfs {var} && exec {sys.executable} -m ctid run --config {config}"
    )
    with (tmp_path / "stdout.txt").open("wb") as out, (tmp_path / "stderr.txt").open("wb") as err:
        daemon.process = subprocess.Popen(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    daemon.wait_healthy()
    pid = str(daemon.process.pid)
    inside = ("nsenter", "-t", pid, "-U", "-m", "--preserve-credentials")
    site = Site(
        daemon, Path("/proc", pid, "root", *var.parts[1:]), inside=inside, inner_db=var / "ctid.sqlite3"
    )
    daemon.admin_password()
    site.token = site.ctid("token", "create", "admin").strip()
    daemon.settle_admin(site.token)
    return site


async def pops_of_a_call(
    site: Site, line: str, number: str, until: str, *options: str
) -> list[dict[str, Any]]:
    """Ring ``line`` (``ctid line simulate`` with ``options``) and collect what an admin's console gets,
    until a message of type ``until``; each message gets ``after_s``, its delay from the ring."""
    headers = {"Authorization": f"Bearer {site.token}"}
    messages: list[dict[str, Any]] = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(site.daemon.url + "/ws", headers=headers) as ws,
    ):
        assert json.loads((await ws.receive()).data)["type"] == "hello"
        started = time.monotonic()
        await asyncio.to_thread(site.ctid, "line", "simulate", line, "--number", number, *options)
        async with asyncio.timeout(10):
            while not messages or messages[-1]["type"] != until:
                messages.append(json.loads((await ws.receive()).data))
                messages[-1]["after_s"] = time.monotonic() - started
    return messages


__all__ = ["Site", "free_port", "start_site"]
