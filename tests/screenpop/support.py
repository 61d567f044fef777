"""What the screen-pop tests share: sim lines in two branches, logged-in consoles, a known customer."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from ctid.accounts.models import Role, User
from ctid.audit.models import Actor
from ctid.crm.new_customer import NewCustomer
from ctid.voicecard.sim import SimCall, SimLine
from tests.support.site import PASSWORD, Site

LINES = [
    {"name": "front", "label": "前台", "driver": "sim"},
    {"name": "back", "label": "售后", "driver": "sim"},
    {"name": "east-1", "label": "东区", "driver": "sim", "branch": "east"},
    {"name": "desk", "label": "服务台", "driver": "sim", "ring_timeout_s": 0.3},  # misses calls fast
]
KNOWN = "13800138000"


class Console:
    """A logged-in browser's websocket."""

    def __init__(
        self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, base: str
    ) -> None:
        self.session, self.ws, self.base = session, ws, base
        self.csrf: str | None = None

    async def next(self, kind: str, within_s: float = 3.0) -> dict[str, Any]:
        """The next message of this type (skipping others)."""
        deadline = time.monotonic() + within_s
        while True:
            message = await self.ws.receive_json(timeout=max(0.01, deadline - time.monotonic()))
            if message["type"] == kind:
                return dict(message)

    async def silent(self, seconds: float = 0.3) -> bool:
        try:
            message = await self.ws.receive(timeout=seconds)
        except TimeoutError:
            return True
        return message.type != aiohttp.WSMsgType.TEXT

    async def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """A JSON API call the way the console's script makes it (cookie + X-CSRF-Token)."""
        if self.csrf is None:
            page = await (await self.session.get(self.base + "console")).text()
            self.csrf = page.split('data-csrf="')[1].split('"')[0]
        headers = {"X-CSRF-Token": self.csrf}
        async with self.session.request(
            method, self.base + path.lstrip("/"), json=body, headers=headers
        ) as r:
            return r.status, await r.json()

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


async def connect(server: Any, username: str, origin: str | None = None, board: bool = False) -> Console:
    """A console's socket, or with ``board`` a supervisor's live board's (``/ws?board=1``)."""
    base = str(server.make_url("/"))
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # cookies for 127.0.0.1
    login = await session.get(base + "login")
    token = (await login.text()).split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "username": username, "password": PASSWORD, "next": "/"}
    await session.post(base + "login", data=form, allow_redirects=False)
    ws = await session.ws_connect(base + ("ws?board=1" if board else "ws"), origin=origin or base.rstrip("/"))
    console = Console(session, ws, base)
    await console.next("hello")
    return console


async def operator(
    site: Site, name: str, lines: list[str], role: Role = Role.OPERATOR, branch: str = ""
) -> User:
    branch_id = (await site.accounts.branches.branch_by_code(branch)).id if branch else None
    user = await site.user(name, role, branch_id=branch_id)
    known = {line["name"] for line in LINES}
    await site.accounts.bindings.bind_lines(Actor.system(), user.id, lines, known)
    return user


def sim(site: Site, name: str) -> SimLine:
    line = site.services.lines.get(name)
    assert isinstance(line, SimLine)
    return line


def ring(site: Site, line: str, number: str | None, name: str | None = None) -> None:
    sim(site, line).simulate(SimCall(number, name, rings=1, ring_period_s=0.01))


async def known_customer(site: Site) -> int:
    branch = (await site.accounts.branches.default_branch()).id
    new = NewCustomer("张伟", "person", branch, [KNOWN], plate="粤A12345", brand="大众", model="朗逸")
    return (await site.services.crm.create_customer(Actor.system(), new)).id
