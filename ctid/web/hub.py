"""The websocket hub: who receives which screen pop, and a bounded queue per console.

Delivery never waits on a socket: a pop is serialised once and put on each recipient's queue; a writer task
per connection drains it. A console that stops reading fills its queue (``CLIENT_QUEUE`` messages) and is
disconnected with close code 4008, so it can never delay the pops of the others. Everyone sees only their own
branch; operators see the lines they are bound to, supervisors and admins every line of their branch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, web

from ctid.accounts.models import Role, User
from ctid.events import EventBus, Unsubscribe
from ctid.screenpop.service import PopEvent
from ctid.tasks import TaskSet

log = logging.getLogger(__name__)

CLIENT_QUEUE = 256
CLOSE_SLOW = 4008
CLOSE_TIMEOUT_S = 1.0
WATCHERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(eq=False)
class Client:
    """One connected console (or program)."""

    user: User
    lines: frozenset[str]
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None = None
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(CLIENT_QUEUE))
    slow: bool = False

    def sees(self, event: PopEvent) -> bool:
        if event.branch_id != self.user.branch_id:
            return False
        return event.line in self.lines or self.user.role in WATCHERS

    def offer(self, text: str) -> bool:
        """Queue a message; False when the queue is full (the client is too slow)."""
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.slow = True
            return False
        return True


class Hub:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._clients: set[Client] = set()
        self._unsubscribe: Unsubscribe | None = None
        self._closing = TaskSet()

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        self._unsubscribe = self._bus.subscribe(PopEvent, self.deliver)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for client in list(self._clients):
            await self._close(client, WSCloseCode.GOING_AWAY, "server stopping")
        await self._closing.wait()

    def add(self, client: Client) -> None:
        self._clients.add(client)

    def remove(self, client: Client) -> None:
        self._clients.discard(client)

    def deliver(self, event: PopEvent) -> None:
        """Called synchronously by the bus: serialise once, queue for every client that may see it."""
        text: str | None = None
        for client in list(self._clients):
            if not client.sees(event):
                continue
            text = text or json.dumps(event.message, ensure_ascii=False)
            if not client.offer(text):
                self._drop_slow(client)

    def _drop_slow(self, client: Client) -> None:
        log.warning("console of %s stopped reading: disconnected", client.user.username)
        self._clients.discard(client)
        self._closing.spawn(self._close(client, CLOSE_SLOW, "too slow"))

    async def _close(self, client: Client, code: int, reason: str) -> None:
        """Close politely, and cut the connection if the client does not even read the close frame."""
        self._clients.discard(client)
        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(client.ws.close(code=code, message=reason.encode()), CLOSE_TIMEOUT_S)
        transport = client.transport
        if isinstance(transport, asyncio.Transport) and not transport.is_closing():
            transport.abort()
