"""The in-process event bus: frozen dataclass events, typed subscriptions.

Why a bus: the line state machine must not know who listens (call log, screen pops, recording, dialer).
One failing subscriber is logged and never stops the others; a slow consumer takes its own bounded queue
(``queue()``) so that it cannot hold up the line that publishes.

Queued consumers are background work (the call log's writes, watch streams): while something urgent is in
flight (``urgent()``: a screen pop between the caller ID and the consoles), they hold back their next event
for up to ``MAX_DEFERRAL_S``. On two cores the event loop and the pop's reader thread share one GIL, so
every millisecond the call log spends in SQLAlchemy during a pop is a millisecond added to the pop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ctid.core.tasks import TaskSet

log = logging.getLogger(__name__)
MAX_DEFERRAL_S = 0.5


@dataclass(frozen=True)
class Event:
    """Base of every event on the bus."""


E = TypeVar("E", bound=Event)
Handler = Callable[[E], Awaitable[None] | None]
Unsubscribe = Callable[[], None]


class EventQueue:
    """A bounded queue of events for one slow consumer; overflow drops the oldest and counts it.

    Each event is stamped with the ``time.monotonic()`` at which the bus began to publish it, whatever the
    consumer's delay afterwards.
    """

    def __init__(self, maxsize: int, calm: Calm | None = None) -> None:
        self._queue: asyncio.Queue[tuple[float, Event]] = asyncio.Queue(maxsize)
        self._calm = calm or Calm()
        self.dropped = 0
        self.close: Unsubscribe = lambda: None

    def put(self, event: Event, at: float | None = None) -> None:
        """Queue an event; ``at`` is when its publication began (now if not given)."""
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait((time.monotonic() if at is None else at, event))

    async def get(self) -> Event:
        return (await self.get_stamped())[1]

    async def get_stamped(self) -> tuple[float, Event]:
        """The next event and the monotonic time it was published (once nothing urgent is in flight)."""
        item = await self._queue.get()
        await self._calm.wait()
        return item

    def empty(self) -> bool:
        return self._queue.empty()


class Calm:
    """Whether urgent work is in flight; background consumers wait for its end (but not for long)."""

    def __init__(self) -> None:
        self._urgent = 0
        self._calm = asyncio.Event()
        self._calm.set()

    def urgent(self) -> Callable[[], None]:
        """Mark urgent work as started; call what this returns (once) when it is done."""
        self._urgent += 1
        self._calm.clear()
        done = False

        def release() -> None:
            nonlocal done
            if not done:
                done = True
                self._urgent -= 1
                if not self._urgent:
                    self._calm.set()

        return release

    async def wait(self) -> None:
        if self._calm.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(MAX_DEFERRAL_S):
                await self._calm.wait()


class EventBus:
    """Publish events to the handlers subscribed to their type (or a base type)."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Callable[[Any], Awaitable[None] | None]]] = {}
        self._tasks = TaskSet()
        self._calm = Calm()
        self._published_at = 0.0

    def urgent(self) -> Callable[[], None]:
        """Hold back the queued (background) consumers until the returned call is made."""
        return self._calm.urgent()

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> Unsubscribe:
        """Call ``handler`` for every event of ``event_type``; returns the call that undoes it."""
        handlers = self._handlers.setdefault(event_type, [])
        handlers.append(handler)

        def unsubscribe() -> None:
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def queue(self, *event_types: type[Event], maxsize: int = 1000) -> EventQueue:
        """A bounded queue fed with events of these types, for consumers slower than the publisher."""
        queue = EventQueue(maxsize, self._calm)

        def put(event: Event) -> None:
            queue.put(event, self._published_at)

        undo = [self.subscribe(t, put) for t in event_types or (Event,)]

        def close() -> None:
            for unsubscribe in undo:
                unsubscribe()

        queue.close = close
        return queue

    def publish(self, event: Event) -> None:
        """Deliver at once to sync handlers; async handlers run as tasks so publishing never blocks.

        Queues stamp the event with the moment its publication began, not the moment their handler's
        turn came (the handlers before it, a pop's lookup handed to a thread, would add to the stamp)."""
        outer, self._published_at = self._published_at, time.monotonic()
        try:
            for event_type in type(event).__mro__:
                for handler in list(self._handlers.get(event_type, ())):
                    self._call(handler, event)
        finally:
            self._published_at = outer

    def _call(self, handler: Callable[[Any], Awaitable[None] | None], event: Event) -> None:
        try:
            result = handler(event)
        except Exception:
            log.exception("event subscriber %s failed on %s", _name(handler), type(event).__name__)
            return
        if inspect.isawaitable(result):
            self._tasks.spawn(self._guard(result, handler, event))

    async def _guard(self, result: Awaitable[None], handler: Callable[..., Any], event: Event) -> None:
        try:
            await result
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event subscriber %s failed on %s", _name(handler), type(event).__name__)

    async def drain(self) -> None:
        """Wait for the async handlers now running (used at shutdown and in tests)."""
        await self._tasks.wait()


def _name(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", repr(handler))
