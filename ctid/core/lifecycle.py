"""Component lifecycle: start in dependency order, stop in reverse.

Each component owns its tasks: ``stop()`` cancels them and fails whatever is pending, so a SIGTERM
never leaves a half-written call row or a dangling serial port behind.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)
HEARTBEAT_S = 2.0


class Component(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Supervisor:
    """Starts components in the order given and stops the started ones in reverse."""

    def __init__(self, components: list[Component], stop_timeout_s: float = 4.0) -> None:
        self._components = components
        self._started: list[Component] = []
        self._stop_timeout_s = stop_timeout_s

    async def start(self) -> None:
        for component in self._components:
            log.debug("starting %s", component.name)
            try:
                await component.start()
            except BaseException:
                await self.stop()
                raise
            self._started.append(component)
        log.info("started: %s", ", ".join(c.name for c in self._started))

    async def stop(self) -> None:
        while self._started:
            component = self._started.pop()
            try:
                await asyncio.wait_for(component.stop(), self._stop_timeout_s)
            except TimeoutError:
                log.error("%s did not stop within %.1f s", component.name, self._stop_timeout_s)
            except Exception:
                log.exception("%s failed while stopping", component.name)
            else:
                log.debug("stopped %s", component.name)


class Heartbeat:
    """Touches a file (the PID file) every ``HEARTBEAT_S`` (``beat`` is a job on the scheduler): after a
    kill -9, a power cut or a crash, its modification time tells the next start when the daemon was last
    alive, so the calls it left open are closed at that moment (within seconds) and not at the restart, maybe
    hours later. A ``utime`` every two seconds costs a metadata update; nothing else records the moment of
    death for free."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @staticmethod
    def last(path: Path) -> datetime | None:
        """When the daemon that touched ``path`` was last alive; None if there is no such file."""
        try:
            return datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            return None

    async def beat(self) -> None:
        try:
            os.utime(self.path)
        except OSError as exc:  # a full or read-only disk: the estimate is only less precise
            log.debug("heartbeat: cannot touch %s: %s", self.path, exc.strerror)
