"""The control socket: how ``ctid line simulate`` (and other local commands) talk to a running daemon.

A Unix socket in the data dir, mode 0600: only the account that runs ctid (and root) can use it, so it
needs no password and is never reachable from the network. One JSON object per line each way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from ctid.errors import CtidError

log = logging.getLogger(__name__)

Command = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
MAX_REQUEST = 64 * 1024


class ControlError(Exception):
    """The daemon could not be reached or refused the command; the message says which."""


class ControlServer:
    name = "control socket"

    def __init__(self, path: Path, commands: Mapping[str, Command]) -> None:
        self.path = path
        self._commands = commands
        self._server: asyncio.Server | None = None

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
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None
        self.path.unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            reply = await self._answer(line)
            writer.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError:
            return {"ok": False, "error": "the request is not JSON"}
        if not isinstance(request, dict) or request.get("command") not in self._commands:
            return {"ok": False, "error": f"unknown command (known: {', '.join(sorted(self._commands))})"}
        try:
            result = await self._commands[request["command"]](request)
        except CtidError as exc:
            return {"ok": False, "error": str(exc)}
        except Exception:
            log.exception("control command %s failed", request["command"])
            return {"ok": False, "error": "the command failed; see the daemon's log"}
        return {"ok": True, **result}


async def send(path: Path, command: str, **arguments: Any) -> dict[str, Any]:
    """Send one command to the daemon whose data dir holds ``path``; raises ControlError."""
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        raise ControlError(f"no ctid is running with this data dir (no control socket at {path})") from None
    except PermissionError:
        raise ControlError(f"not allowed to use {path}: run as the user that runs ctid") from None
    try:
        writer.write(json.dumps({"command": command, **arguments}).encode() + b"\n")
        await writer.drain()
        reply = json.loads(await asyncio.wait_for(reader.readline(), 30) or b"{}")
    finally:
        writer.close()
    if not reply.get("ok"):
        raise ControlError(reply.get("error", "the daemon gave no answer"))
    return dict(reply)
