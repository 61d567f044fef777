"""Component lifecycle: start in dependency order, stop in reverse.

Each component owns its tasks: ``stop()`` cancels them and fails whatever is pending, so a SIGTERM
never leaves a half-written call row or a dangling serial port behind.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

log = logging.getLogger(__name__)


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
