"""The call log writes a row at every stage, so a crash loses no call; it filters and pages for the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text as sql

from ctid.accounts.models import Role, User
from ctid.calls.models import CallFilter
from ctid.calls.service import CallLog
from ctid.core.config import SimLineOptions
from ctid.core.events import EventBus
from ctid.core.paging import PageRequest
from ctid.core.phone import PhoneNormaliser
from ctid.storage.db import Database
from ctid.voicecard.callerid import FormattedCallerIdParser
from ctid.voicecard.events import CallConnected, CallEvent, LineEvent
from ctid.voicecard.line import LineStateMachine
from ctid.voicecard.sim import SimCall, SimLine
from tests.support.line_events import Recorder

T0 = datetime(2026, 3, 22, 6, 5, tzinfo=UTC)
ADMIN = User(1, "boss", "Boss", Role.ADMIN, 1, None, True, False, T0, None)  # sees every call


class Clock:
    """Drives the pure state machine with explicit times."""

    def __init__(self) -> None:
        self.now = 100.0

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.now - 100.0)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.start()
    yield database
    await database.stop()


@pytest.fixture
def call_log(db: Database) -> CallLog:
    return CallLog(db, EventBus(), PhoneNormaliser("CN", "020"), clock=lambda: T0 + timedelta(hours=1))


async def _row(db: Database, call_id: str) -> dict[str, object]:
    """The committed row, read on a connection of its own, as the next daemon after a crash would."""
    async with db.connect() as conn:
        row = (
            (await conn.execute(sql("SELECT * FROM calls WHERE id = :id"), {"id": call_id}))
            .mappings()
            .first()
        )
    return dict(row) if row else {}


async def _record(call_log: CallLog, events: list[LineEvent]) -> None:
    for event in events:
        if isinstance(event, CallEvent):
            await call_log.record(event)


async def test_each_stage_is_on_disk_before_the_next(call_log: CallLog, db: Database) -> None:
    clock, parser = Clock(), FormattedCallerIdParser()
    line = LineStateMachine("front", ring_timeout_s=8, new_call_id=lambda: "c1")

    await _record(call_log, line.ring(now=clock.now, wall=clock.wall()))
    assert (await _row(db, "c1"))["rings"] == 1 and (await _row(db, "c1"))["ended_at"] is None

    for text in ("DATE = 0322", "TIME = 1405", "NMBR = 88881234"):
        if update := parser.feed(text):
            await _record(call_log, line.caller_id(update, now=clock.now, wall=clock.wall()))
    row = await _row(db, "c1")
    assert row["number"] == "88881234" and row["number_e164"] == "+862088881234"
    assert row["identified_at"] is not None and row["outcome"] is None

    clock.now += 4
    await _record(call_log, line.ring(now=clock.now, wall=clock.wall()))
    clock.now += 1
    await _record(call_log, line.offhook(now=clock.now, wall=clock.wall()))
    assert (await _row(db, "c1"))["outcome"] == "answered"

    clock.now += 30
    await _record(call_log, line.onhook(now=clock.now, wall=clock.wall()))
    row = await _row(db, "c1")
    assert (row["outcome"], row["end_reason"], row["rings"]) == ("answered", "hangup", 2)
    assert row["duration_s"] == pytest.approx(35) and row["talk_s"] == pytest.approx(30)


async def test_missed_private_call(call_log: CallLog, db: Database) -> None:
    clock, parser = Clock(), FormattedCallerIdParser()
    line = LineStateMachine("front", ring_timeout_s=8, new_call_id=lambda: "c2")
    await _record(call_log, line.ring(now=clock.now, wall=clock.wall()))
    await _record(call_log, line.caller_id(parser.feed("NMBR = P"), now=clock.now, wall=clock.wall()))  # type: ignore[arg-type]
    clock.now += 9
    await _record(call_log, line.tick(now=clock.now, wall=clock.wall()))
    row = await _row(db, "c2")
    assert (row["number"], row["reason"], row["outcome"], row["end_reason"]) == (
        None,
        "private",
        "missed",
        "missed",
    )


async def test_calls_left_open_by_a_killed_daemon_are_closed_at_start(
    call_log: CallLog, db: Database
) -> None:
    clock = Clock()
    line = LineStateMachine("front", new_call_id=lambda: "c3")
    await _record(call_log, line.ring(now=clock.now, wall=clock.wall()))
    restarted = CallLog(db, EventBus(), PhoneNormaliser(), clock=lambda: T0 + timedelta(hours=1))
    await restarted.start()
    await restarted.stop()
    row = await _row(db, "c3")
    assert (row["end_reason"], row["outcome"]) == ("daemon restart", "unknown")
    assert row["ended_at"] is not None


async def test_outbound_call_from_a_sim_line_through_the_bus(db: Database) -> None:
    bus = EventBus()
    call_log = CallLog(db, bus, PhoneNormaliser("CN", "020"))
    await call_log.start()
    sim = SimLine("desk", "Desk", bus, SimLineOptions())
    await sim.start()
    events = Recorder(bus)
    call_id = await sim.dial("13912345678")
    await events.wait_for(CallConnected)  # the sim line answers a dial after 0.3 s
    await sim.hangup()
    await sim.stop()
    await call_log.stop()
    row = await _row(db, call_id)
    assert (row["direction"], row["number"], row["number_e164"]) == (
        "outbound",
        "13912345678",
        "+8613912345678",
    )
    assert row["answered_at"] is not None and row["ended_at"] is not None


async def test_inbound_answered_sim_call_through_the_bus(db: Database) -> None:
    bus = EventBus()
    call_log = CallLog(db, bus, PhoneNormaliser("CN", "020"))
    await call_log.start()
    sim = SimLine("desk", "Desk", bus, SimLineOptions())
    call_id = await sim.play(
        SimCall("13912345678", "王伟", rings=3, answer_after=2, talk_s=0.05, ring_period_s=0.01)
    )
    await call_log.stop()
    call = await call_log.get(call_id or "")
    assert call is not None
    assert (call.name, call.outcome, call.rings, call.direction) == ("王伟", "answered", 2, "inbound")


async def test_search_filters_and_pages_newest_first(call_log: CallLog) -> None:
    clock = Clock()
    for index in range(5):
        line = LineStateMachine(f"line{index % 2}", new_call_id=lambda i=index: f"k{i}")  # type: ignore[misc]
        parser = FormattedCallerIdParser()
        clock.now += 60
        await _record(call_log, line.ring(now=clock.now, wall=clock.wall()))
        update = parser.feed(f"NMBR = 1391234567{index}")
        assert update is not None
        await _record(call_log, line.caller_id(update, now=clock.now, wall=clock.wall()))
    page = await call_log.search(ADMIN, CallFilter(page=PageRequest(1, 2)))
    assert [c.id for c in page.items] == ["k4", "k3"] and page.total == 5 and page.pages == 3
    assert [c.id for c in (await call_log.search(ADMIN, CallFilter(line="line1"))).items] == ["k3", "k1"]
    assert [c.id for c in (await call_log.search(ADMIN, CallFilter(number="5672"))).items] == ["k2"]
    later = T0 + timedelta(seconds=170)
    assert {c.id for c in (await call_log.search(ADMIN, CallFilter(since=later))).items} == {"k2", "k3", "k4"}
