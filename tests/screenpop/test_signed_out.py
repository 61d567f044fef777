"""A console whose session or token stops letting it in is closed with 4401; the others carry on."""

from __future__ import annotations

from typing import Any

import aiohttp

from ctid.accounts.models import Role
from ctid.accounts.users import UserChanges
from ctid.audit.models import Actor
from ctid.web.hub import SESSION_ENDED
from ctid.web.keys import HUB
from tests.screenpop.support import Console, connect, operator, ring
from tests.support.site import Site


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    while True:
        message = await ws.receive(timeout=3)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            return ws.close_code


async def test_deactivated_users_and_revoked_tokens_lose_their_consoles_at_the_next_check(
    site: Site, server: Any
) -> None:
    olga = await operator(site, "olga", ["front"])
    await operator(site, "sun", ["front"], Role.SUPERVISOR)
    robot = await operator(site, "robot", ["front"])
    secret, token_id = await site.token(robot)
    leaving, staying = await connect(server, "olga"), await connect(server, "sun")
    session = aiohttp.ClientSession()
    program = await session.ws_connect(server.make_url("/ws"), headers={"Authorization": f"Bearer {secret}"})
    assert (await program.receive_json(timeout=3))["type"] == "hello"
    hub = server.app[HUB]
    try:
        await hub.check_sessions()
        assert await staying.silent(0.2) and await leaving.silent(0.2), "everyone still signed in"

        await site.accounts.users.update_user(Actor.system(), olga.id, UserChanges(active=False))
        await site.accounts.tokens.revoke_token(Actor.of(robot), token_id)
        await hub.check_sessions()

        assert await closed_with(leaving.ws) == SESSION_ENDED
        assert await closed_with(program) == SESSION_ENDED
        ring(site, "front", "13912345678")
        assert (await staying.next("call.identified"))["call"]["number"] == "13912345678", "the others go on"
    finally:
        for console in (leaving, staying):
            await Console.close(console)
        await program.close()
        await session.close()
