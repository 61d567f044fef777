"""The control socket's ``watch`` stream and JSON replies, in process on a real Unix socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.control import MAX_REQUEST, ControlError, ControlServer, EventWatch, event_stream, send, watching
from ctid.core.events import Event, EventBus


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


async def ask_raw(path: Path, line: bytes) -> dict[str, Any]:
    """Send ``line`` as it is (with a newline) and read the one-line reply."""
    reader, writer = await asyncio.open_unix_connection(str(path), limit=2**20)
    try:
        writer.write(line + b"\n")
        with contextlib.suppress(ConnectionError):  # the daemon may answer before reading it all
            await writer.drain()
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(reader.readline(), 5))
        return reply
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b'{"command": "when", "x": "' + b"a" * MAX_REQUEST + b'"}', "the request is longer than 64 KB"),
        (b"[" * 60_000, "the request is nested deeper than 8 levels"),
        (b'{"command": "when", "x": ' + b"[" * 2000 + b"]" * 2000 + b"}", "nested deeper than 8 levels"),
        (b'{"command": "watch", "where": {"a": [[[[[[[[1]]]]]]]]}}', "nested deeper than 8 levels"),
        (b"\xff\xfe", "the request is not JSON"),
    ],
)
async def test_an_oversized_or_too_deep_request_gets_an_error_not_a_traceback(
    server: tuple[ControlServer, EventBus], caplog: pytest.LogCaptureFixture, line: bytes, error: str
) -> None:
    """Before, a line past the reader's limit or JSON past the recursion limit escaped the connection's
    handler: a traceback in the daemon's log and no answer."""
    control, _ = server
    with caplog.at_level(logging.WARNING):
        reply = await ask_raw(control.path, line)
    assert reply["ok"] is False and error in reply["error"]
    assert caplog.records == []
    assert await send(control.path, "when") == {"ok": True, "at": WHEN.isoformat(), "tags": ["a", "b"]}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    line=st.one_of(
        st.binary(max_size=200).map(lambda b: b.replace(b"\n", b"")),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.builds(
            lambda command, rest: json.dumps({"command": command, **rest}).encode(),
            st.sampled_from(["when", "watch", "nope"]),
            st.dictionaries(st.sampled_from(["where", "x"]), json_values, max_size=2),
        ),
        st.integers(1, 30_000).map(lambda n: b"[" * n + b"]" * n),
    )
)
async def test_any_line_gets_one_json_answer(
    server: tuple[ControlServer, EventBus], caplog: pytest.LogCaptureFixture, line: bytes
) -> None:
    control, _ = server
    with caplog.at_level(logging.WARNING):
        reply = await ask_raw(control.path, line)
    assert isinstance(reply["ok"], bool) and (reply["ok"] or isinstance(reply["error"], str))
    assert caplog.records == [], [r.getMessage() for r in caplog.records]
