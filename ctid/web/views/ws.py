"""``/ws``: screen pops and line status for consoles, and the console's line bindings."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.errors import N_, PermissionDenied, ValidationError
from ctid.screenpop import messages
from ctid.web.auth import actor, current, requires
from ctid.web.hub import Client
from ctid.web.keys import HUB, SERVICES, Identity

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
HEARTBEAT_S = 20.0
MAX_CLIENT_MESSAGE = 16 * 1024


def _allowed_origin(request: web.Request, who: Identity) -> bool:
    """Browsers must come from this site; a program with a Bearer token sends no Origin and needs none."""
    origin = request.headers.get("Origin")
    if origin is None:
        return who.via_token
    configured = request.app[SERVICES].config.web.public_origin
    return origin in {configured, f"{request.scheme}://{request.host}"} - {""}


async def _followed_lines(request: web.Request, who: Identity) -> frozenset[str]:
    """Operators follow their bound lines; supervisors and admins every line of their branch."""
    services = request.app[SERVICES]
    if who.user.role in (Role.SUPERVISOR, Role.ADMIN):
        return frozenset(
            info.name
            for info in services.lines.infos()
            if services.pops.branch_of(info.name) == who.user.branch_id
        )
    return frozenset(await services.accounts.bound_lines(who.user.id))


@routes.get("/ws")
@requires(Permission.USE_CONSOLE)
async def websocket(request: web.Request) -> web.WebSocketResponse:
    who = current(request)
    if not _allowed_origin(request, who):
        raise PermissionDenied(N_("You are not allowed to do this."))
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_CLIENT_MESSAGE)
    await ws.prepare(request)
    client = Client(who.user, await _followed_lines(request, who), ws, request.transport)
    hub = request.app[HUB]
    _greet(request, client)
    hub.add(client)
    writer = asyncio.create_task(_write(client), name=f"ws-writer-{who.user.username}")
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT and message.data == '{"type":"ping"}':
                client.offer(json.dumps({"type": "pong"}))
    finally:
        hub.remove(client)
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
    return ws


def _greet(request: web.Request, client: Client) -> None:
    """``hello``, then the calls active on the client's lines: a reloaded console is never blank."""
    services = request.app[SERVICES]
    lines = [
        {"name": i.name, "label": i.label, "status": i.status}
        for i in services.lines.infos()
        if i.name in client.lines
    ]
    user = client.user
    hello = messages.hello(
        {
            "id": user.id,
            "username": user.username,
            "label": user.label,
            "role": user.role.value,
            "branch_id": user.branch_id,
        },
        lines,
    )
    for message in [hello, *services.pops.active_messages(set(client.lines))]:
        client.offer(json.dumps(message, ensure_ascii=False))


async def _write(client: Client) -> None:
    while True:
        text = await client.queue.get()
        await client.ws.send_str(text)


@routes.get("/api/v1/me/lines")
@requires(Permission.USE_CONSOLE)
async def my_lines(request: web.Request) -> web.Response:
    who = current(request)
    services = request.app[SERVICES]
    bound = await services.accounts.bound_lines(who.user.id)
    return web.json_response({"lines": _line_choices(request, who, set(bound))})


@routes.put("/api/v1/me/lines")
@requires(Permission.USE_CONSOLE)
async def bind_my_lines(request: web.Request) -> web.Response:
    """The console's line picker: which lines pop on my screen (changes apply on the next connect)."""
    who = current(request)
    try:
        body = await request.json()
    except ValueError:
        raise ValidationError("body", N_("The request body is not valid JSON.")) from None
    lines = body.get("lines") if isinstance(body, dict) else None
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise ValidationError("lines", N_("%(what)s must be a list of line names."), what="lines")
    services = request.app[SERVICES]
    known = {c["name"] for c in _line_choices(request, who, set())}
    bound = await services.accounts.bind_lines(actor(request), who.user.id, lines, known)
    return web.json_response({"lines": _line_choices(request, who, set(bound))})


def _line_choices(request: web.Request, who: Identity, bound: set[str]) -> list[dict[str, Any]]:
    """The lines of the user's branch, each marked bound or not."""
    services = request.app[SERVICES]
    return [
        {"name": i.name, "label": i.label, "status": i.status, "bound": i.name in bound}
        for i in services.lines.infos()
        if services.pops.branch_of(i.name) == who.user.branch_id
    ]
