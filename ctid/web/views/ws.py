"""``/ws``: screen pops and line status for consoles (which lines: ctid.screenpop.console)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSMsgType, web

from ctid.accounts.permissions import Permission, allows
from ctid.core.errors import N_, PermissionDenied
from ctid.screenpop import messages
from ctid.services import Services
from ctid.web.auth import current, requires
from ctid.web.feature import Feature
from ctid.web.hub import Client
from ctid.web.keys import HUB, SERVICES, Identity

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
FEATURE = Feature("ws", routes)

HEARTBEAT_S = 20.0
MAX_CLIENT_MESSAGE = 16 * 1024


def _allowed_origin(request: web.Request, who: Identity) -> bool:
    """Browsers must come from this site; a program with a Bearer token sends no Origin and needs none."""
    origin = request.headers.get("Origin")
    if origin is None:
        return who.via_token
    configured = request.app[SERVICES].config.web.public_origin
    return origin in {configured, f"{request.scheme}://{request.host}"} - {""}


@routes.get("/ws")
@requires(Permission.USE_CONSOLE)
async def websocket(request: web.Request) -> web.WebSocketResponse:
    who = current(request)
    if not _allowed_origin(request, who):
        raise PermissionDenied(N_("You are not allowed to do this."))
    lines = await request.app[SERVICES].console.lines_for(who.user)
    # No compression: pops are small, on the shop's LAN, and the hub writes its frames itself (see hub.py).
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_CLIENT_MESSAGE, compress=False)
    await ws.prepare(request)
    transport = request.transport
    if not isinstance(transport, asyncio.Transport):
        return ws  # the client left during the handshake
    board = request.query.get("board") == "1" and allows(who.user, Permission.BOARD_VIEW)
    client = Client(who.user, lines, ws, transport, _credential(request, who), who.via_token, board)
    hub = request.app[HUB]
    greet(request.app[SERVICES], client)
    hub.add(client)  # which also checks, every few seconds, that its session or token still lets it in
    agents = request.app[SERVICES].agents
    handle = await agents.connected(who.user, lines)  # an operator with a console open is not offline
    # (a board's socket is a supervisor's: Agents counts operators only)
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT and message.data == '{"type":"ping"}':
                client.send({"type": "pong"})
    finally:
        hub.remove(client)
        agents.disconnected(handle)
    return ws


def _credential(request: web.Request, who: Identity) -> str:
    """The session cookie or the program's Bearer token this console proved itself with."""
    if who.session_secret:
        return who.session_secret
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


def greet(services: Services, client: Client) -> None:
    """``hello``, then the calls active on the client's lines: a reloaded console is never blank (and one
    whose lines the hub changed shows its new lines)."""
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
    for message in [hello, *services.pops.active_messages(set(client.lines), user.id, client.board)]:
        client.send(message)
    services.agents.rescoped(user, client.lines)
