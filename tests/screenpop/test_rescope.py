"""An open console follows its user's changes: moved to another branch, given another role, deactivated or
told to change their password, it is closed with 4401 at the hub's next check; given other lines, it is
re-scoped in place (a new hello, the new lines' pops only). The changes are made as a program would,
through ``PATCH /api/v1/users/{id}``, over real websockets.

Before, a socket kept the role, branch and lines it connected with: a user moved to another branch went on
receiving the old branch's pops with full cards.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from ctid.accounts.models import Role
from ctid.accounts.users import UserChanges
from ctid.audit.models import Actor
from ctid.web.hub import SESSION_CHECK_S, SESSION_ENDED
from ctid.web.keys import HUB
from tests.screenpop.support import Console, connect, operator, ring
from tests.support.site import Site

Patch = Any  # async (user id, body) -> (status, json)


async def closed_with(ws: aiohttp.ClientWebSocketResponse, within_s: float = 3.0) -> int | None:
    """The close code once the server closes the socket (pops that come before are skipped)."""
    deadline = time.monotonic() + within_s
    while True:
        message = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return ws.close_code


@pytest.fixture
async def patch(site: Site, server: Any) -> AsyncIterator[Patch]:
    """The admin's program: PATCH /api/v1/users/{id} with a Bearer token."""
    secret, _ = await site.token(await site.user("boss", Role.ADMIN))
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {secret}"})

    async def call(user_id: int, body: Any) -> tuple[int, Any]:
        async with session.patch(server.make_url(f"/api/v1/users/{user_id}"), json=body) as response:
            return response.status, await response.json()

    yield call
    await session.close()


async def east(site: Site) -> int:
    return (await site.accounts.branches.branch_by_code("east")).id


async def test_a_user_moved_to_another_branch_stops_getting_its_pops_within_the_check(
    site: Site, server: Any, patch: Patch
) -> None:
    olga = await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    try:
        ring(site, "front", "13900001234")
        assert (await console.next("call.identified"))["call"]["line"] == "front"

        status, body = await patch(olga.id, {"branch_id": await east(site), "lines": ["east-1"]})
        assert status == 200, body
        assert (body["user"]["branch_id"], body["lines"]) == (await east(site), ["east-1"])
        started = time.monotonic()
        assert await closed_with(console.ws, SESSION_CHECK_S + 2) == SESSION_ENDED, "the hub's own check"
        assert time.monotonic() - started < SESSION_CHECK_S + 2
    finally:
        await console.close()

    again = await connect(server, "olga")  # the console's login link: the same session, the new scope
    try:
        ring(site, "back", "13900005678")
        assert await again.silent(), "the old branch's pops"
        ring(site, "east-1", "13900009999")
        assert (await again.next("call.identified"))["call"]["line"] == "east-1"
    finally:
        await again.close()


async def test_other_lines_rescope_the_open_console(site: Site, server: Any, patch: Patch) -> None:
    olga = await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    try:
        status, body = await patch(olga.id, {"lines": ["back"]})
        assert (status, body["lines"]) == (200, ["back"])
        await server.app[HUB].check_sessions()
        hello = await console.next("hello")
        assert [line["name"] for line in hello["lines"]] == ["back"]
        ring(site, "front", "13900001234")
        assert await console.silent(), "no longer her line"
        ring(site, "back", "13900005678")
        assert (await console.next("call.identified"))["call"]["line"] == "back"
    finally:
        await console.close()


async def test_a_new_role_or_deactivation_closes_the_console(site: Site, server: Any, patch: Patch) -> None:
    sam = await operator(site, "sam", [], Role.SUPERVISOR)
    olga = await operator(site, "olga", ["front"])
    await operator(site, "sue", ["front"])
    demoted, deactivated, untouched = [await connect(server, name) for name in ("sam", "olga", "sue")]
    try:
        assert (await patch(sam.id, {"role": "operator"}))[0] == 200
        assert (await patch(olga.id, {"active": False}))[0] == 200
        await server.app[HUB].check_sessions()
        assert await closed_with(demoted.ws) == SESSION_ENDED
        assert await closed_with(deactivated.ws) == SESSION_ENDED
        ring(site, "front", "13900001234")
        assert (await untouched.next("call.identified"))["call"]["line"] == "front", "the others go on"
    finally:
        for console in (demoted, deactivated, untouched):
            await Console.close(console)


async def test_the_admin_page_moves_a_user_the_same_way(site: Site, server: Any) -> None:
    olga = await operator(site, "olga", ["front"])
    await operator(site, "boss", [], Role.ADMIN)
    console, admin = await connect(server, "olga"), await connect(server, "boss")
    try:
        page = await (await admin.session.get(admin.base + f"admin/users/{olga.id}")).text()
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        form = [("csrf_token", token), ("display_name", "Olga"), ("role", "operator")]
        form += [("branch_id", str(await east(site))), ("active", "on"), ("lines", "east-1")]
        moved = await admin.session.post(
            admin.base + f"admin/users/{olga.id}", data=form, allow_redirects=False
        )
        assert moved.status == 303
        assert await site.accounts.bindings.bound_lines(olga.id) == ["east-1"]
        await server.app[HUB].check_sessions()
        assert await closed_with(console.ws) == SESSION_ENDED
        ring(site, "front", "13900001234")
        assert (await admin.next("call.identified"))["call"]["line"] == "front", "the admin's console goes on"
    finally:
        await console.close()
        await admin.close()


async def test_a_program_whose_user_must_change_the_password_is_closed(site: Site, server: Any) -> None:
    """An admin's password reset ends the user's sessions; their API token stays, but until they change the
    password it does nothing, its open console included."""
    robot = await operator(site, "robot", ["front"])
    secret, _ = await site.token(robot)
    session = aiohttp.ClientSession()
    program = await session.ws_connect(server.make_url("/ws"), headers={"Authorization": f"Bearer {secret}"})
    try:
        assert (await program.receive_json(timeout=3))["type"] == "hello"
        reset = UserChanges(new_password="a fresh passphrase 42")
        await site.accounts.users.update_user(Actor.system(), robot.id, reset)
        await server.app[HUB].check_sessions()
        assert await closed_with(program) == SESSION_ENDED
    finally:
        await program.close()
        await session.close()
