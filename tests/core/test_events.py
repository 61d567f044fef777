"""The event bus and the component lifecycle."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import pytest

from ctid.core import events
from ctid.core.events import Event, EventBus
from ctid.core.lifecycle import Supervisor


@dataclass(frozen=True)
class Rang(Event):
    line: str


@dataclass(frozen=True)
class Other(Event):
    pass


async def test_subscribers_get_their_type_and_base_types() -> None:
    bus = EventBus()
    rang: list[Event] = []
    everything: list[Event] = []
    bus.subscribe(Rang, rang.append)
    bus.subscribe(Event, everything.append)
    bus.publish(Rang("a"))
    bus.publish(Other())
    assert rang == [Rang("a")]
    assert everything == [Rang("a"), Other()]


async def test_unsubscribe_stops_delivery() -> None:
    bus = EventBus()
    seen: list[Event] = []
    undo = bus.subscribe(Rang, seen.append)
    undo()
    undo()  # twice is harmless
    bus.publish(Rang("a"))
    assert seen == []


async def test_a_failing_subscriber_never_stops_the_others(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    seen: list[str] = []

    def broken(event: Rang) -> None:
        raise RuntimeError("boom")

    async def broken_async(event: Rang) -> None:
        raise RuntimeError("async boom")

    async def good_async(event: Rang) -> None:
        seen.append("async:" + event.line)

    bus.subscribe(Rang, broken)
    bus.subscribe(Rang, broken_async)
    bus.subscribe(Rang, lambda e: seen.append(e.line))
    bus.subscribe(Rang, good_async)
    with caplog.at_level(logging.ERROR):
        bus.publish(Rang("x"))
        await bus.drain()
    assert seen == ["x", "async:x"]
    assert caplog.text.count("failed on Rang") == 2


async def test_slow_consumer_queue_is_bounded_and_drops_oldest() -> None:
    bus = EventBus()
    queue = bus.queue(Rang, maxsize=3)
    for i in range(5):
        bus.publish(Rang(str(i)))
    assert queue.dropped == 2
    assert [await queue.get() for _ in range(3)] == [Rang("2"), Rang("3"), Rang("4")]
    queue.close()
    bus.publish(Rang("after"))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), 0.05)


class Part:
    def __init__(self, name: str, log: list[str], fail: bool = False, hang: bool = False) -> None:
        self.name, self.log, self.fail, self.hang = name, log, fail, hang

    async def start(self) -> None:
        if self.fail:
            raise RuntimeError("cannot start")
        self.log.append("start " + self.name)

    async def stop(self) -> None:
        if self.hang:
            await asyncio.sleep(60)  # the behaviour: a part that never stops (the supervisor gives up)
        self.log.append("stop " + self.name)


async def test_supervisor_starts_in_order_and_stops_in_reverse() -> None:
    log: list[str] = []
    supervisor = Supervisor([Part("db", log), Part("lines", log), Part("web", log)])
    await supervisor.start()
    await supervisor.stop()
    assert log == ["start db", "start lines", "start web", "stop web", "stop lines", "stop db"]


async def test_failed_start_stops_what_was_started() -> None:
    log: list[str] = []
    supervisor = Supervisor([Part("db", log), Part("web", log, fail=True)])
    with pytest.raises(RuntimeError):
        await supervisor.start()
    assert log == ["start db", "stop db"]


async def test_a_hanging_stop_is_cut_off(caplog: pytest.LogCaptureFixture) -> None:
    log: list[str] = []
    supervisor = Supervisor([Part("db", log), Part("stuck", log, hang=True)], stop_timeout_s=0.05)
    await supervisor.start()
    await supervisor.stop()
    assert log[-1] == "stop db"
    assert "stuck did not stop" in caplog.text


async def test_queued_consumers_hold_back_while_something_urgent_is_in_flight() -> None:
    bus = EventBus()
    queue = bus.queue(Rang)
    release = bus.urgent()
    bus.publish(Rang("a"))
    waiting = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0.05)  # kept: a window for the consumer to take the event too early
    assert not waiting.done(), "the background consumer waits for the urgent work"
    release()
    release()  # a second call changes nothing
    assert await asyncio.wait_for(waiting, 1) == Rang("a")
    bus.publish(Rang("b"))
    assert await asyncio.wait_for(queue.get(), 1) == Rang("b"), "nothing urgent: at once"


async def test_urgent_work_that_never_ends_holds_the_queue_back_only_so_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events, "MAX_DEFERRAL_S", 0.05)
    bus = EventBus()
    queue = bus.queue(Rang)
    bus.urgent()
    bus.publish(Rang("c"))
    assert await asyncio.wait_for(queue.get(), 1) == Rang("c")


async def test_a_queue_stamps_the_moment_publication_began_not_its_turn() -> None:
    bus = EventBus()
    bus.subscribe(Rang, lambda _event: time.sleep(0.05))  # a slow handler that comes first
    queue = bus.queue(Rang)
    before = time.monotonic()
    bus.publish(Rang("a"))
    stamp, event = await queue.get_stamped()
    assert event == Rang("a") and before <= stamp < before + 0.04
