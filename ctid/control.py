"""The control socket: how local commands (``ctid line simulate``, ``line watch``) talk to a running daemon.

A Unix socket in the data dir, mode 0600: only the account that runs ctid (and root) can use it, so it
needs no password and is never reachable from the network. One JSON object per line each way.

Two kinds of request. A command gets one reply (``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``).
A line that is no request (not JSON, longer than ``MAX_REQUEST``, nested deeper than ``MAX_DEPTH``) gets
the error reply too, never a traceback in the daemon's log.
A stream (``watch``) gets ``{"ok": true}`` and then one object per line until either side closes: events
as they are published, each with ``type`` and ``mono``, the daemon's ``time.monotonic()`` at publication.
``mono`` is CLOCK_MONOTONIC, one clock for every process on the machine, so a client can time the daemon's
reaction to something it did itself (the caller-ID bench does) without the socket's delay in the figure.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ctid.core.errors import CtidError
from ctid.core.events import Event, EventBus

log = logging.getLogger(__name__)

Command = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
Stream = Callable[[dict[str, Any]], "Subscription"]
MAX_REQUEST = 64 * 1024
MAX_DEPTH = 8  # a request is a flat object with, at most, a filter object in it
STREAM_QUEUE = 1000


class ControlError(Exception):
    """The daemon could not be reached or refused the command; the message says which."""


def to_json(value: Any) -> bytes:
    """One JSON line; datetimes as ISO 8601, sets as sorted lists, dataclasses as objects."""
    return json.dumps(value, ensure_ascii=False, default=_json_default).encode() + b"\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def event_record(event: Event, mono: float) -> dict[str, Any]:
    """An event as a stream sends it: its class name as ``type``, ``mono``, then its fields."""
    return {"type": type(event).__name__, "mono": mono, **dataclasses.asdict(event)}


class Subscription(Protocol):
    """What a stream opener returns: subscribed already, items as they come, ``close`` to unsubscribe."""

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def __anext__(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class EventWatch:
    """Events of one type published from now on, as stream items, optionally only those matching ``where``.

    A client too slow for its queue loses the oldest events and is told with ``{"type": "dropped", ...}``.
    """

    def __init__(
        self, bus: EventBus, event_type: type[Event], where: dict[str, Any], maxsize: int = STREAM_QUEUE
    ) -> None:
        self._where = where
        self._queue = bus.queue(event_type, maxsize=maxsize)
        self.close = self._queue.close

    def __aiter__(self) -> EventWatch:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            if dropped := self._queue.dropped:
                self._queue.dropped = 0
                return {"type": "dropped", "mono": time.monotonic(), "count": dropped}
            mono, event = await self._queue.get_stamped()
            record = event_record(event, mono)
            if all(record.get(key) == value for key, value in self._where.items()):
                return record


def event_stream(bus: EventBus, event_type: type[Event]) -> Stream:
    """The ``watch`` stream: ``{"command": "watch", "where": {"line": "front"}}``; ``where`` is optional."""

    def open_watch(request: dict[str, Any]) -> EventWatch:
        where = request.get("where") or {}
        if not isinstance(where, dict):
            raise CtidError("'where' must be an object of field values")
        return EventWatch(bus, event_type, where)

    return open_watch


class ControlServer:
    name = "control socket"

    def __init__(
        self, path: Path, commands: Mapping[str, Command], streams: Mapping[str, Stream] | None = None
    ) -> None:
        self.path = path
        self._commands = commands
        self._streams = streams or {}
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()
        self._connections: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self.path.unlink(missing_ok=True)
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_REQUEST
            )
        finally:
            os.umask(old_umask)

    async def stop(self) -> None:
        """Stop listening and end the open streams (a ``watch`` never ends by itself)."""
        if self._server is not None:
            self._server.close()
            for pump in list(self._pumps):
                pump.cancel()  # not the connection's task: Python 3.11 logs a cancelled connection handler
            if self._connections:
                await asyncio.wait(self._connections, timeout=1.0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None
        self.path.unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = asyncio.current_task()
        assert connection is not None
        self._connections.add(connection)
        try:
            try:
                line = await asyncio.wait_for(reader.readline(), 10)
            except ValueError:  # the reader's limit: a line longer than MAX_REQUEST
                writer.write(to_json(_refusal(f"the request is longer than {MAX_REQUEST // 1024} KB")))
                await writer.drain()
                return
            request = _parse(line)
            if isinstance(request, dict) and request.get("command") in self._streams:
                await self._stream(request, reader, writer)
            else:
                writer.write(to_json(await self._answer(request)))
                await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            self._connections.discard(connection)
            writer.close()

    async def _stream(
        self, request: dict[str, Any], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """``{"ok": true}``, then the items until the client hangs up (EOF) or the daemon stops."""
        try:
            subscription = self._streams[request["command"]](request)
        except CtidError as exc:
            writer.write(to_json({"ok": False, "error": str(exc)}))
            await writer.drain()
            return
        writer.write(to_json({"ok": True}))
        pump = asyncio.create_task(_pump(subscription, writer))
        hangup = asyncio.create_task(reader.read())  # the client sends nothing more: EOF means gone
        self._pumps.add(pump)
        try:
            await asyncio.wait({pump, hangup}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._pumps.discard(pump)
            subscription.close()
            for task in (pump, hangup):
                task.cancel()
            await asyncio.gather(pump, hangup, return_exceptions=True)

    async def _answer(self, request: Any) -> dict[str, Any]:
        if isinstance(request, Refused):
            return _refusal(request.reason)
        if not isinstance(request, dict) or request.get("command") not in self._commands:
            known = ", ".join(sorted({*self._commands, *self._streams}))
            return {"ok": False, "error": f"unknown command (known: {known})"}
        try:
            result = await self._commands[request["command"]](request)
        except CtidError as exc:
            return {"ok": False, "error": str(exc)}
        except Exception:
            log.exception("control command %s failed", request["command"])
            return {"ok": False, "error": "the command failed; see the daemon's log"}
        return {"ok": True, **result}


@dataclass(frozen=True)
class Refused:
    """A request that is no request: why, for the reply."""

    reason: str


def _refusal(reason: str) -> dict[str, Any]:
    return {"ok": False, "error": reason}


def _parse(line: bytes) -> Any:
    """The request, or Refused: not JSON, or nested deeper than any request is (json.loads raises a
    RecursionError past the interpreter's limit, which is no ValueError and escaped as a traceback)."""
    too_deep = Refused(f"the request is nested deeper than {MAX_DEPTH} levels")
    try:
        request = json.loads(line)
    except ValueError:
        return Refused("the request is not JSON")
    except RecursionError:
        return too_deep
    return too_deep if _deeper_than(request, MAX_DEPTH) else request


def _deeper_than(value: Any, limit: int) -> bool:
    """Without recursion: the value may be nested as deep as the parser could follow."""
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            level.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


async def _pump(subscription: Subscription, writer: asyncio.StreamWriter) -> None:
    async for item in subscription:
        writer.write(to_json(item))
        await writer.drain()


async def _connect(path: Path) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        return await asyncio.open_unix_connection(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        raise ControlError(f"no ctid is running with this data dir (no control socket at {path})") from None
    except PermissionError:
        raise ControlError(f"not allowed to use {path}: run as the user that runs ctid") from None


async def send(path: Path, command: str, **arguments: Any) -> dict[str, Any]:
    """Send one command to the daemon whose data dir holds ``path``; raises ControlError."""
    reader, writer = await _connect(path)
    try:
        writer.write(to_json({"command": command, **arguments}))
        await writer.drain()
        reply = json.loads(await asyncio.wait_for(reader.readline(), 30) or b"{}")
    finally:
        writer.close()
    if not reply.get("ok"):
        raise ControlError(reply.get("error", "the daemon gave no answer"))
    return dict(reply)


@contextlib.asynccontextmanager
async def watching(
    path: Path, command: str = "watch", **arguments: Any
) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """Open a stream: ``async with watching(socket, where=...) as items: async for item in items: ...``.

    Raises ControlError on entry if the daemon is not there or refuses; once entered, the subscription is in
    place, so whatever happens next is in ``items`` (the bench relies on that). Items end when the daemon
    closes the stream.
    """
    reader, writer = await _connect(path)
    try:
        writer.write(to_json({"command": command, **arguments}))
        await writer.drain()
        reply = json.loads(await asyncio.wait_for(reader.readline(), 30) or b"{}")
        if not reply.get("ok"):
            raise ControlError(reply.get("error", "the daemon gave no answer"))
        yield _items(reader)
    finally:
        writer.close()


async def _items(reader: asyncio.StreamReader) -> AsyncIterator[dict[str, Any]]:
    while line := await reader.readline():
        yield json.loads(line)
