"""The real daemon on each database: a customer created through the API pops on a console when the sim line
rings with their number.

Issue 15's two PostgreSQL bugs, end to end: creating a customer answered 500 and every pop's lookup failed
(the prepared statements). Here the daemon runs as a process with ``[database] url`` set to the test's
database, the supervisor's console is a websocket with a Bearer token, and the ring comes through the
control socket as ``ctid line simulate`` sends it.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ctid import control
from tests.support.daemon import Daemon, ctid_command, sim_desk_on

KNOWN = "13912345678"


@pytest.fixture
def daemon(tmp_path: Path, database_url: str) -> Iterator[Daemon]:
    with sim_desk_on(tmp_path, database_url) as running:
        yield running


ctid = ctid_command


def ring(daemon: Daemon, number: str) -> None:
    request = {"command": "simulate", "line": "desk", "number": number, "rings": 1}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.config.parent / "var" / "ctid.sock"))
        sock.sendall(control.to_json(request))
        assert json.loads(sock.makefile("rb").readline())["ok"]


async def next_of(ws: aiohttp.ClientWebSocketResponse, kind: str, within_s: float = 10.0) -> dict[str, Any]:
    while True:
        message = await ws.receive_json(timeout=within_s)
        if message["type"] == kind:
            return dict(message)


async def test_a_customer_created_through_the_api_pops_when_their_number_rings(daemon: Daemon) -> None:
    ctid(daemon, "user", "add", "sue", "--role", "supervisor", stdin="front-desk-2026\n")
    token = ctid(daemon, "token", "create", "sue").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(daemon.url, headers=headers) as session:
        async with session.post("/api/v1/customers", json={"name": "张伟", "phones": [KNOWN]}) as created:
            assert created.status == 201, await created.text()
            customer = await created.json()
        async with session.ws_connect("/ws") as ws:
            await next_of(ws, "hello")
            ring(daemon, KNOWN)
            pop = await next_of(ws, "call.identified")
            if pop["lookup"] == "pending":  # a slow first read pops the number first
                pop = await next_of(ws, "call.updated")
    assert pop["lookup"] == "done" and pop["call"]["number"] == KNOWN
    assert pop["customer"]["id"] == customer["id"] and pop["customer"]["name"] == "张伟"
    assert "Traceback" not in daemon.stderr()
