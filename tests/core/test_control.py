"""The control socket's ``watch`` stream and JSON replies, in process on a real Unix socket."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ctid.control import ControlError, ControlServer, EventWatch, event_stream, send, watching
from ctid.events import Event, EventBus


@dataclass(frozen=True, kw_only=True)
class Rang(Event):
    line: str
    at: datetime
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Other(Event):
    pass


WHEN = datetime(2026, 3, 22, 6, 5, tzinfo=UTC)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[ControlServer, EventBus]]:
    bus = EventBus()

    async def when(_request: dict[str, Any]) -> dict[str, Any]:
        return {"at": WHEN, "tags": {"b", "a"}}

    control = ControlServer(tmp_path / "ctid.sock", {"when": when}, {"watch": event_stream(bus, Rang)})
    await control.start()
    yield control, bus
    await control.stop()


async def test_replies_carry_datetimes_and_sets_as_json(server: tuple[ControlServer, EventBus]) -> None:
    control, _ = server
    reply = await send(control.path, "when")
    assert reply == {"ok": True, "at": "2026-03-22T06:05:00+00:00", "tags": ["a", "b"]}
    with pytest.raises(ControlError, match=r"unknown command \(known: watch, when\)"):
        await send(control.path, "nope")


async def test_watch_streams_what_is_published_after_it_opens_stamped_and_filtered(
    server: tuple[ControlServer, EventBus],
) -> None:
    control, bus = server
    bus.publish(Rang(line="front", at=WHEN))  # before the watch: not sent
    async with watching(control.path, where={"line": "front"}) as items:
        before = time.monotonic()
        bus.publish(Rang(line="back", at=WHEN))
        bus.publish(Other())
        bus.publish(Rang(line="front", at=WHEN, tags=frozenset({"x"})))
        after = time.monotonic()
        item = await asyncio.wait_for(anext(items), 2)
    expected = {"type": "Rang", "mono": item["mono"], "line": "front", "at": WHEN.isoformat(), "tags": ["x"]}
    assert item == expected
    assert before <= item["mono"] <= after, "stamped when published, not when sent"


async def test_a_bad_filter_is_refused_at_once(server: tuple[ControlServer, EventBus]) -> None:
    control, _ = server
    with pytest.raises(ControlError, match="'where' must be an object"):
        async with watching(control.path, where=["front"]):
            pass


async def test_a_slow_watcher_is_told_how_many_events_it_lost() -> None:
    bus = EventBus()
    watch = EventWatch(bus, Rang, {}, maxsize=2)
    for line in ("1", "2", "3", "4", "5"):
        bus.publish(Rang(line=line, at=WHEN))
    items = [await anext(watch), await anext(watch), await anext(watch)]
    assert [(item["type"], item.get("count"), item.get("line")) for item in items] == [
        ("dropped", 3, None),
        ("Rang", None, "4"),
        ("Rang", None, "5"),
    ]
    watch.close()
    bus.publish(Rang(line="6", at=WHEN))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(watch), 0.05)


async def test_stop_ends_open_watches_promptly_and_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    control = ControlServer(tmp_path / "ctid.sock", {}, {"watch": event_stream(bus, Rang)})
    await control.start()
    async with watching(control.path) as items:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING):
            await control.stop()
        assert [item async for item in items] == []  # the stream simply ends
    assert time.monotonic() - started < 1.5
    assert caplog.records == [] and not control.path.exists()
    bus.publish(Rang(line="front", at=WHEN))  # nobody is subscribed any more: nothing queues up
