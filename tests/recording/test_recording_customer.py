"""The real daemon with a simulated line: a recording has its call's customer and the operator's note on
the call, whenever the operator gives them.

A known caller's call is recorded with the customer matched at the ring; an unknown caller's customer,
created from the pop while the call is still being recorded, and a note written after the recording is
converted, reach it; so does a customer picked among the candidates of a shared switchboard after the call.
The recordings API lists and filters them by customer; the list page links the customer and filters by
them, and the player shows the note.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ctid import control
from tests.support.daemon import Daemon, ctid_command, sim_desk_on
from tests.support.waiting import wait

KNOWN, SWITCHBOARD, UNKNOWN = "13912345678", "020-8888-1234", "13700000001"


class Api:
    """The JSON API and the pages with a user's Bearer token."""

    def __init__(self, daemon: Daemon, token: str) -> None:
        self.base, self.token = daemon.url, token

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            text, status = error.read().decode(), error.code
        is_json = text.startswith(("{", "["))
        return status, json.loads(text) if is_json else text

    def get(self, path: str) -> Any:
        status, answer = self.request("GET", path)
        assert status == 200, (path, answer)
        return answer


@pytest.fixture
def daemon(tmp_path: Path, database_url: str) -> Iterator[Daemon]:
    with sim_desk_on(tmp_path, database_url) as running:
        yield running


ctid = ctid_command


@pytest.fixture
def api(daemon: Daemon) -> Api:
    """A supervisor of the line's branch (she hears every call of it)."""
    ctid(daemon, "user", "add", "sue", "--role", "supervisor", stdin="front-desk-2026\n")
    return Api(daemon, ctid(daemon, "token", "create", "sue").strip().splitlines()[-1])


def call(daemon: Daemon, api: Api, number: str, talk_s: float) -> str:
    """Ring the sim line from ``number``, answered at the first ring; returns the call's id."""
    request = {"command": "simulate", "line": "desk", "number": number, "rings": 1}
    request |= {"answer_after": 1, "talk_s": talk_s}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.config.parent / "var" / "ctid.sock"))
        sock.sendall(control.to_json(request))
        assert json.loads(sock.makefile("rb").readline())["ok"]
    digits = "".join(c for c in number if c.isdigit()).lstrip("0")
    calls = wait(lambda: api.get(f"/api/v1/calls?number={digits}")["items"], 30, f"the call from {number}")
    return str(calls[0]["id"])


def recording_of(api: Api, call_id: str, status: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        items = api.get("/api/v1/recordings?per_page=200")["items"]
        return next((r for r in items if r["call_id"] == call_id and r["status"] == status), None)

    return dict(wait(found, 30, f"the recording of call {call_id} {status}"))


def customer(api: Api, name: str, phone: str, **extra: Any) -> dict[str, Any]:
    status, created = api.request("POST", "/api/v1/customers", {"name": name, "phones": [phone], **extra})
    assert status == 201, created
    return dict(created)


def test_a_recording_has_its_calls_customer_and_note(daemon: Daemon, api: Api) -> None:
    zhang = customer(api, "张伟", KNOWN)
    hengtong = customer(api, "广州恒通物流有限公司", SWITCHBOARD, kind="company")
    liqiang = customer(api, "李强", SWITCHBOARD, confirm_shared_phone=True)  # a company's staff

    known = call(daemon, api, KNOWN, talk_s=1.0)
    recorded = recording_of(api, known, "ready")
    assert (recorded["customer_id"], recorded["customer_name"]) == (zhang["id"], "张伟"), (
        "matched at the ring"
    )

    unknown = call(daemon, api, UNKNOWN, talk_s=4.0)
    assert recording_of(api, unknown, "recording")["customer_id"] is None
    wangfang = customer(api, "王芳", UNKNOWN, call_id=unknown)  # the pop's form, the call still recorded
    recorded = recording_of(api, unknown, "ready")
    assert (recorded["customer_id"], recorded["customer_name"]) == (wangfang["id"], "王芳")
    status, _call = api.request(
        "PUT", f"/api/v1/calls/{unknown}/note", {"note": "客户要求周六上午保养\n回电确认"}
    )
    assert status == 200
    answer = api.get(f"/api/v1/recordings/{recorded['id']}")["recording"]
    assert answer["call_note"] == "客户要求周六上午保养\n回电确认" and answer["note"] is None

    shared = call(daemon, api, SWITCHBOARD, talk_s=1.0)
    recorded_shared = recording_of(api, shared, "ready")
    assert recorded_shared["customer_id"] is None, "two candidates: nobody yet"
    status, _answer = api.request("PUT", f"/api/v1/calls/{shared}/customer", {"customer_id": liqiang["id"]})
    assert status == 200
    recorded_shared = api.get(f"/api/v1/recordings/{recorded_shared['id']}")["recording"]
    assert recorded_shared["customer_name"] == "李强"

    def listed(query: str) -> list[str]:
        return [r["call_id"] for r in api.get(f"/api/v1/recordings?{query}")["items"]]

    assert listed(f"customer={wangfang['id']}") == [unknown]
    assert listed(f"customer={liqiang['id']}") == [shared]
    assert listed(f"customer={zhang['id']}") == [known]
    assert listed(f"customer={hengtong['id']}") == []

    page = api.get("/recordings")
    assert f'href="/customers/{wangfang["id"]}" class="customer-link">王芳</a>' in page
    assert f"customer={liqiang['id']}" in page, "each customer's name has a filter beside it"
    filtered = api.get(f"/recordings?customer={liqiang['id']}")
    assert "李强" in filtered and f'data-recording="{recorded_shared["id"]}"' in filtered
    assert f'data-recording="{recorded["id"]}"' not in filtered
    player = api.get(f"/recordings/{recorded['id']}")
    assert 'id="call-note">客户要求周六上午保养\n回电确认</p>' in player and "王芳" in player
