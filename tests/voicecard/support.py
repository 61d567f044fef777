"""What several voicecard test modules share: the modem driver's fast timings and init, ringing with caller
ID, and the line state machine's helpers and call-event contract."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import TypeVar

from ctid.voicecard.events import (
    CallDialing,
    CallEnded,
    CallEvent,
    CallRinging,
    LineEvent,
    LineStatusChanged,
)
from ctid.voicecard.line import LineStateMachine
from ctid.voicecard.modem_driver import ModemTiming
from tests.support.fakemodem import FakeModem
from tests.support.line_events import Recorder

FAST = ModemTiming(
    command_timeout_s=0.2,
    reset_timeout_s=0.2,
    dial_timeout_s=2,
    watchdog_s=60,
    reopen_min_s=0.02,
    reopen_max_s=0.1,
)


VOICE_INIT = ("ATZ", "ATE0V1Q0", "AT+VCID=1", "AT+FCLASS=8")


async def ring_with_caller_id(
    fake: FakeModem, recorder: Recorder, number: str, name: str | None = None
) -> None:
    """RING, then (once the line rings) caller ID, as a Chinese exchange sends them."""
    rings = len(recorder.of(CallRinging))
    fake.ring()
    await recorder.wait_for(CallRinging, count=rings + 1)
    fake.caller_id(number, name)


E = TypeVar("E", bound=LineEvent)
WALL = datetime(2026, 3, 22, 6, 5, tzinfo=UTC)


def machine(**options: float) -> LineStateMachine:
    counter = itertools.count(1)
    return LineStateMachine("line1", new_call_id=lambda: f"call-{next(counter)}", **options)


def kinds(events: list[LineEvent]) -> list[str]:
    return [type(event).__name__ for event in events]


def only(events: list[LineEvent], kind: type[E]) -> E:
    found = [event for event in events if isinstance(event, kind)]
    assert len(found) == 1, kinds(events)
    return found[0]


def check_contract(events: list[LineEvent]) -> None:
    """Per call: CallRinging/CallDialing first, one CallIdentified before answer or miss, CallEnded last."""
    calls: dict[str, list[CallEvent]] = {}
    status = "up"
    for event in events:
        if isinstance(event, LineStatusChanged):
            assert event.previous == status != event.status
            status = event.status
        if isinstance(event, CallEvent):
            calls.setdefault(event.call_id, []).append(event)
    for history in calls.values():
        names = [type(event).__name__ for event in history]
        assert isinstance(history[0], CallRinging | CallDialing)
        assert names.count("CallEnded") <= 1 and ("CallEnded" not in names or names[-1] == "CallEnded")
        if isinstance(history[0], CallRinging):
            assert names.count("CallIdentified") <= 1
            for later in ("CallAnswered", "CallMissed", "CallIdUpdated"):
                if later in names:
                    assert "CallIdentified" in names[: names.index(later)]
            assert "CallEnded" not in names or "CallIdentified" in names
        else:
            assert names.count("CallConnected") + names.count("CallFailed") <= 1
        for event in history:
            if isinstance(event, CallEnded):
                assert event.duration_s >= 0 and (
                    event.talk_s is None or 0 <= event.talk_s <= event.duration_s
                )
