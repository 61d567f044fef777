"""The websocket hub: who receives which screen pop, and delivering it to 200 consoles in a few milliseconds.

Delivery never waits on a socket: a pop is serialised and framed once (``text_frame``), and the same bytes
are handed to each recipient's transport, whose buffer is bounded: a console that stops reading lets its
buffer grow past ``CLIENT_BUFFER`` bytes and is disconnected with close code 4008, so it can never delay the
pops of the others. Everyone sees only their own branch; operators see the lines they are bound to,
supervisors and admins every line of their branch.

Why frames are written here and not with ``ws.send_str``: that is a coroutine, so each console needed its
own writer task, and waking 200 tasks one after another, each compressing and framing the same text again,
took 15-40 ms per pop (``bench/pop_latency.py``); one frame written 200 times takes under 2 ms. It is
safe because every frame is written whole, in one call, from the event loop thread, and the socket is
opened without compression (``compress=False``): aiohttp's own frames (pings, the close) can only come
before or after ours, never inside.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import WSCloseCode, web

from ctid.accounts.agents import AgentStateChanged
from ctid.accounts.models import Role, User
from ctid.core.events import EventBus, Unsubscribe
from ctid.core.tasks import TaskSet
from ctid.screenpop import messages
from ctid.screenpop.console import ConsoleScope
from ctid.screenpop.messages import Message
from ctid.screenpop.service import PopEvent

log = logging.getLogger(__name__)

CLIENT_BUFFER = 1024 * 1024  # bytes a console may leave unread before it is disconnected
CLOSE_SLOW = 4008
# A socket outlives the request that was authenticated, and pops carry customers' data: every few seconds
# the hub asks, in one read for all consoles, whose session or token still lets them in, and closes the
# others (a logout in another tab, a deactivated user, a changed or reset password, an expired session, a
# revoked token) with this application code: the console then asks for a login instead of reconnecting.
# The same read says who each one is now: a console whose user was moved to another branch, given another
# role or told to change their password is closed the same way (what it shows is the old scope's); one
# whose lines changed is re-scoped in place and greeted again with its new lines.
SESSION_CHECK_S = 5.0
SESSION_ENDED = 4401
CLOSE_TIMEOUT_S = 1.0
WATCHERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(eq=False)
class Client:
    """One connected console (or program)."""

    user: User
    lines: frozenset[str]
    ws: web.WebSocketResponse
    transport: asyncio.Transport
    credential: str = ""
    """The session cookie or API token it connected with (checked again by the hub)."""
    via_token: bool = False
    board: bool = False
    """A supervisor's live board (``/ws?board=1``): also gets ``agent.state`` and ``call.handled``."""

    def rank(self, line: str) -> int:
        """Who gets a line's pop first: the operators who answer it (0), then those who watch (1)."""
        return 1 if self.user.role in WATCHERS else 0 if line in self.lines else 2

    def sees(self, event: PopEvent) -> bool:
        if event.branch_id != self.user.branch_id:
            return False
        if event.user_id is not None:  # a call this user dialled: theirs alone, not the line's others
            return event.user_id == self.user.id
        return event.line in self.lines or self.user.role in WATCHERS

    def offer(self, frame: bytes) -> bool:
        """Hand a frame to the socket; False when the client has left CLIENT_BUFFER bytes unread."""
        if self.ws.closed or self.transport.is_closing():
            return True  # it is leaving anyway; the handler removes it
        if self.transport.get_write_buffer_size() > CLIENT_BUFFER:
            return False
        self.transport.write(frame)
        return True

    def send(self, message: Message) -> bool:
        return self.offer(text_frame(json.dumps(message, ensure_ascii=False)))


def _scope_ended(connected: User, now: User) -> str:
    """Why a console cannot go on as the user it connected as (empty: it can): what it shows and follows
    belongs to another branch or role, or the user must change their password before anything else."""
    if now.branch_id != connected.branch_id:
        return "moved to another branch"
    if now.role != connected.role:
        return "role changed"
    if now.must_change_password:
        return "must change password"
    return ""


def text_frame(text: str) -> bytes:
    """A final, unmasked, uncompressed text frame as a server sends it (RFC 6455, section 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


SignedIn = Callable[[set[str], set[str]], Awaitable[Mapping[str, ConsoleScope]]]
"""(session cookies, API tokens) -> those still signed in, each with what its console may follow now."""
Greet = Callable[[Client], None]
"""Send a client its ``hello`` and the calls in progress on its lines (ctid.web.views.ws.greet)."""


class Hub:
    def __init__(
        self,
        bus: EventBus,
        signed_in: SignedIn | None = None,
        greet: Greet | None = None,
    ) -> None:
        self._bus = bus
        self._signed_in = signed_in
        self._greet = greet
        self._clients: set[Client] = set()
        self._order: dict[tuple[str, int, int | None], list[Client]] = {}  # who sees a line's pops, in order
        self._unsubscribe: list[Unsubscribe] = []
        self._closing = TaskSet()

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        self._unsubscribe = [
            self._bus.subscribe(PopEvent, self.deliver),
            self._bus.subscribe(AgentStateChanged, self.agent_changed),
        ]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        for client in list(self._clients):
            await self._close(client, WSCloseCode.GOING_AWAY, "server stopping")
        await self._closing.wait()

    def add(self, client: Client) -> None:
        self._clients.add(client)
        self._order.clear()

    def remove(self, client: Client) -> None:
        self._clients.discard(client)
        self._order.clear()

    def deliver(self, event: PopEvent) -> None:
        """Called synchronously by the bus: serialise and frame once, write to every client that may see it
        (operators bound to the line first, then the supervisors watching the branch)."""
        recipients = self._recipients(event)
        if not recipients:
            return
        frame = text_frame(json.dumps(event.message, ensure_ascii=False))
        for client in recipients:
            if event.board_only and not client.board:
                continue
            if not client.offer(frame):
                self._drop_slow(client)

    def agent_changed(self, event: AgentStateChanged) -> None:
        """An operator's state: to the boards of their branch."""
        message = messages.agent_state(event.user_id, event.label, event.state, event.since)
        frame = text_frame(json.dumps(message, ensure_ascii=False))
        for client in list(self._clients):
            board = client.board and client.user.branch_id == event.branch_id
            if board and not client.offer(frame):
                self._drop_slow(client)

    def _recipients(self, event: PopEvent) -> list[Client]:
        """The clients who see this line's pops, in the order they get them; kept until a client comes or
        goes (sorting 200 consoles for every message cost the pop ~0.3 ms)."""
        key = (event.line, event.branch_id, event.user_id)
        found = self._order.get(key)
        if found is None:
            ordered = sorted(self._clients, key=lambda c: c.rank(event.line))
            found = self._order[key] = [client for client in ordered if client.sees(event)]
        return found

    async def check_sessions(self) -> None:
        """Close the consoles whose session or token no longer lets them in, or whose user's role or branch
        changed; re-scope those whose lines changed: one read for all of them. A job on the scheduler every
        ``SESSION_CHECK_S`` while the web app runs (ctid.web.app); a database that cannot answer now keeps
        the consoles, and the next check decides."""
        assert self._signed_in is not None
        clients = [c for c in self._clients if c.credential]
        if not clients:
            return
        sessions = {c.credential for c in clients if not c.via_token}
        tokens = {c.credential for c in clients if c.via_token}
        live = await self._signed_in(sessions, tokens)
        for client in clients:
            if client not in self._clients:
                continue
            now = live.get(client.credential)
            if now is None or (ended := _scope_ended(client.user, now.user)):
                why = "signed out" if now is None else ended
                log.info("console of %s: %s, socket closed", client.user.username, why)
                self._closing.spawn(self._close(client, SESSION_ENDED, "session ended"))
            elif now.lines != client.lines:
                self._rescope(client, now)
            else:
                client.user = now.user  # a new name or language: nothing it receives changes

    def _rescope(self, client: Client, now: ConsoleScope) -> None:
        """Same person, branch and role, other lines: from now on the pops of the new lines only, and a new
        ``hello`` (with the calls in progress on them) so the console shows them."""
        lines = ", ".join(sorted(now.lines)) or "none"
        log.info("console of %s: lines now %s", client.user.username, lines)
        client.user, client.lines = now.user, now.lines
        self._order.clear()
        if self._greet is not None:
            self._greet(client)

    def _drop_slow(self, client: Client) -> None:
        log.warning("console of %s stopped reading: disconnected", client.user.username)
        self.remove(client)
        self._closing.spawn(self._close(client, CLOSE_SLOW, "too slow"))

    async def _close(self, client: Client, code: int, reason: str) -> None:
        """Close politely, and cut the connection if the client does not even read the close frame."""
        self.remove(client)
        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(client.ws.close(code=code, message=reason.encode()), CLOSE_TIMEOUT_S)
        if not client.transport.is_closing():
            client.transport.abort()
