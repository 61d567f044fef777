"""A ``Recorder`` of the line events on a bus, to wait for the next one of a kind (the voicecard tests'
``recorder`` fixture makes one; the call log's tests use it too)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from ctid.core.events import EventBus
from ctid.voicecard.events import LineEvent

E = TypeVar("E", bound=LineEvent)


class Recorder:
    """Every line event published on a bus, and a way to wait for the next one of a kind."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[LineEvent] = []
        self._changed = asyncio.Event()
        bus.subscribe(LineEvent, self._add)

    def _add(self, event: LineEvent) -> None:
        self.events.append(event)
        self._changed.set()
        self._changed = asyncio.Event()

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    async def wait_for(
        self,
        kind: type[E],
        where: Callable[[E], bool] = lambda _: True,
        *,
        count: int = 1,
        within_s: float = 3.0,
    ) -> E:
        """The ``count``-th event of ``kind`` (in all, not from now) that matches ``where``."""
        async with asyncio.timeout(within_s):
            while len(found := [e for e in self.of(kind) if where(e)]) < count:
                await self._changed.wait()
        return found[count - 1]
