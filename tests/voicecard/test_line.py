"""The line state machine: rings, caller ID, answer, miss, dial, hook and line loss, with explicit time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.voicecard.callerid import CallerId, CallerIdUpdate, FormattedCallerIdParser
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallEnded,
    CallFailed,
    CallIdentified,
    CallIdUpdated,
    CallRinging,
    LineEvent,
    LineStatusChanged,
)
from ctid.voicecard.line import DIAL_RESULTS, LineBusyError, LineDownError, LineError, LineStateMachine
from tests.voicecard.support import WALL, check_contract, kinds, machine, only


def cid(line: str, parser: FormattedCallerIdParser | None = None) -> CallerIdUpdate:
    update = (parser or FormattedCallerIdParser()).feed(line)
    assert update is not None
    return update


# --- inbound ------------------------------------------------------------------------------------------------


def test_china_call_identified_on_the_number_before_the_second_ring_then_answered() -> None:
    line, parser = machine(), FormattedCallerIdParser()
    first = line.ring(now=0.0, wall=WALL)
    assert kinds(first) == ["CallRinging", "LineStatusChanged"]
    assert only(first, LineStatusChanged).status == "ringing"
    assert parser.feed("DATE = 0322") is None
    assert line.caller_id(cid("TIME = 1405", parser), now=1.5, wall=WALL) == []  # a time alone says nothing
    identified = only(line.caller_id(cid("NMBR = 13912345678", parser), now=1.6, wall=WALL), CallIdentified)
    assert (identified.call_id, identified.caller_id.number, identified.caller_id.when) == (
        "call-1",
        "13912345678",
        "03221405",
    )
    updated = only(line.caller_id(cid("NAME = ZHANG SAN", parser), now=1.7, wall=WALL), CallIdUpdated)
    assert updated.caller_id.name == "ZHANG SAN" and updated.changed == {"name"}
    assert kinds(line.ring(now=5.0, wall=WALL)) == ["CallRinging"]
    answered = line.offhook(now=6.0, wall=WALL)
    assert kinds(answered) == ["HandsetOffHook", "CallAnswered", "LineStatusChanged"]
    ended = line.onhook(now=66.0, wall=WALL)
    assert kinds(ended) == ["HandsetOnHook", "CallEnded", "LineStatusChanged"]
    end = only(ended, CallEnded)
    assert (end.outcome, end.reason, end.rings, end.duration_s, end.talk_s) == (
        "answered",
        "hangup",
        2,
        66.0,
        60.0,
    )
    assert only(ended, LineStatusChanged).status == "up" and line.state == "idle"


def test_no_caller_id_by_the_second_ring_identifies_the_call_as_no_caller_id() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    identified = only(line.ring(now=5.0, wall=WALL), CallIdentified)
    assert identified.caller_id == CallerId() and not identified.caller_id.identifies
    assert line.calls_without_caller_id == 1
    assert line.ring(now=10.0, wall=WALL) == [
        CallRinging(line="line1", at=WALL, call_id="call-1", ring_count=3, tag=None)
    ]


def test_late_caller_id_updates_a_call_identified_without_it() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    line.ring(now=5.0, wall=WALL)
    updated = only(line.caller_id(cid("NMBR = 13912345678"), now=5.5, wall=WALL), CallIdUpdated)
    assert updated.caller_id.number == "13912345678" and updated.changed == {"number"}
    assert line.calls_without_caller_id == 0


def test_consecutive_calls_without_caller_id_are_counted_until_caller_id_works() -> None:
    line = machine(ring_timeout_s=8.0)
    for start in (0.0, 100.0):
        line.ring(now=start, wall=WALL)
        line.ring(now=start + 5, wall=WALL)
        line.tick(now=start + 13, wall=WALL)
    assert line.calls_without_caller_id == 2
    line.ring(now=200.0, wall=WALL)  # answered at the first ring: proves nothing either way
    line.offhook(now=201.0, wall=WALL)
    line.onhook(now=202.0, wall=WALL)
    assert line.calls_without_caller_id == 2
    line.ring(now=300.0, wall=WALL)
    line.caller_id(cid("MESG = CALID_202"), now=301.0, wall=WALL)  # the modem listens: its init is fine
    assert line.calls_without_caller_id == 0
    assert only(line.ring(now=305.0, wall=WALL), CallIdentified).caller_id.error is not None


def test_caller_id_before_the_first_ring_identifies_at_that_ring() -> None:
    line = machine()
    assert line.caller_id(cid("NMBR = 02088881234"), now=0.0, wall=WALL) == []
    assert line.status == "up"
    events = line.ring("A", now=1.0, wall=WALL)
    assert kinds(events) == ["CallRinging", "CallIdentified", "LineStatusChanged"]
    assert only(events, CallRinging).tag == "A"
    identified = only(events, CallIdentified)
    assert (identified.caller_id.number, identified.ring_tag) == ("02088881234", "A")


def test_stale_caller_id_from_before_is_not_given_to_a_later_call() -> None:
    line = machine(caller_id_before_ring_s=10.0)
    line.caller_id(cid("NMBR = 02088881234"), now=0.0, wall=WALL)
    assert kinds(line.ring(now=30.0, wall=WALL)) == ["CallRinging", "LineStatusChanged"]


def test_ringing_stops_after_the_timeout_and_the_call_is_missed() -> None:
    line = machine(ring_timeout_s=8.0)
    line.ring(now=0.0, wall=WALL)
    assert line.next_deadline() == 8.0
    line.ring("1", now=5.0, wall=WALL)
    assert line.next_deadline() == 13.0
    assert line.tick(now=12.9, wall=WALL) == []
    events = line.tick(now=13.0, wall=WALL)
    assert kinds(events) == ["CallMissed", "CallEnded", "LineStatusChanged"]
    end = only(events, CallEnded)
    assert (end.outcome, end.reason, end.rings, end.talk_s) == ("missed", "missed", 2, None)
    assert line.next_deadline() is None and line.call_id is None


def test_a_single_ring_without_caller_id_is_still_identified_before_it_is_missed() -> None:
    line = machine(ring_timeout_s=8.0)
    line.ring(now=0.0, wall=WALL)
    assert kinds(line.tick(now=8.0, wall=WALL)) == [
        "CallIdentified",
        "CallMissed",
        "CallEnded",
        "LineStatusChanged",
    ]
    assert line.calls_without_caller_id == 0


def test_answering_at_the_first_ring_identifies_without_caller_id_first() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    events = line.offhook(now=1.0, wall=WALL, by="modem")
    assert kinds(events) == ["CallIdentified", "CallAnswered", "LineStatusChanged"]
    assert only(events, CallAnswered).by == "modem"


def test_far_end_hangup_while_ringing_is_missed_and_in_a_call_ends_it() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    assert only(line.far_end_hangup(now=1.0, wall=WALL), CallEnded).reason == "far end hangup"
    line.ring(now=10.0, wall=WALL)
    line.offhook(now=11.0, wall=WALL)
    end = only(line.far_end_hangup(now=20.0, wall=WALL), CallEnded)
    assert (end.outcome, end.reason, end.talk_s) == ("answered", "far end hangup", 9.0)
    assert line.status == "in call"  # the handset is still off hook: the line is not free
    assert kinds(line.onhook(now=21.0, wall=WALL)) == ["HandsetOnHook", "LineStatusChanged"]


def test_the_call_lasts_while_anything_is_off_hook() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    line.offhook(now=1.0, wall=WALL, by="modem")  # an announcement first
    assert kinds(line.offhook(now=5.0, wall=WALL)) == ["HandsetOffHook"]
    assert line.onhook(now=6.0, wall=WALL, by="modem") == []
    assert kinds(line.onhook(now=30.0, wall=WALL)) == ["HandsetOnHook", "CallEnded", "LineStatusChanged"]


def test_a_ring_during_a_call_changes_nothing() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    line.offhook(now=1.0, wall=WALL)
    assert line.ring(now=2.0, wall=WALL) == []
    assert line.state == "answered"


# --- outbound -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("result", ["OK", "CONNECT", "VCON", "connect"])
def test_dial_connects_and_ends_on_hangup(result: str) -> None:
    line = machine()
    dialing = line.dial("9,13912345678", now=0.0, wall=WALL)
    assert kinds(dialing) == ["CallDialing", "LineStatusChanged"]
    assert only(dialing, LineStatusChanged).detail == "dialing 9,13912345678"
    connected = only(line.dial_result(result, now=3.0, wall=WALL), CallConnected)
    assert (connected.result, connected.number) == (result.upper(), "9,13912345678")
    end = only(line.onhook(now=63.0, wall=WALL), CallEnded)
    assert (end.direction, end.outcome, end.reason, end.talk_s) == ("outbound", "connected", "hangup", 60.0)


@pytest.mark.parametrize(
    ("result", "failure"),
    [
        ("BUSY", "busy"),
        ("NO ANSWER", "no answer"),
        ("NO CARRIER", "no carrier"),
        ("NO DIALTONE", "no dial tone"),
        ("NO  DIAL TONE", "no dial tone"),
        ("ERROR", "error"),
    ],
)
def test_dial_failures_end_the_call(result: str, failure: str) -> None:
    line = machine()
    line.dial("13912345678", now=0.0, wall=WALL)
    events = line.dial_result(result, now=2.0, wall=WALL)
    assert kinds(events) == ["CallFailed", "CallEnded", "LineStatusChanged"]
    assert only(events, CallFailed).failure == failure
    assert (only(events, CallEnded).outcome, only(events, CallEnded).reason) == (failure, "failed")
    assert line.state == "idle"


def test_no_carrier_after_connect_is_the_far_end_hanging_up() -> None:
    line = machine()
    line.dial("13912345678", now=0.0, wall=WALL)
    line.dial_result("VCON", now=1.0, wall=WALL)
    assert line.dial_result("OK", now=2.0, wall=WALL) == []
    assert only(line.dial_result("NO CARRIER", now=9.0, wall=WALL), CallEnded).reason == "far end hangup"


def test_hanging_up_while_dialing_cancels() -> None:
    line = machine()
    line.dial("13912345678", now=0.0, wall=WALL)
    assert line.far_end_hangup(now=0.5, wall=WALL) == []  # loop breaks while the exchange connects
    assert only(line.onhook(now=1.0, wall=WALL), CallEnded).outcome == "cancelled"


def test_dial_is_refused_while_ringing_in_a_call_off_hook_or_down() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    with pytest.raises(LineBusyError, match="ringing"):
        line.dial("13912345678", now=1.0, wall=WALL)
    line.offhook(now=2.0, wall=WALL)
    with pytest.raises(LineBusyError, match="in a call"):
        line.dial("13912345678", now=3.0, wall=WALL)
    line.far_end_hangup(now=4.0, wall=WALL)
    with pytest.raises(LineBusyError, match="off the hook"):
        line.dial("13912345678", now=5.0, wall=WALL)
    line.line_lost("modem unplugged", now=6.0, wall=WALL)
    with pytest.raises(LineDownError, match="is down: cannot dial"):
        line.dial("13912345678", now=7.0, wall=WALL)


@pytest.mark.parametrize("number", ["", "139;ATH", "139\r", "+8613912345678", "１３９"])
def test_dial_refuses_what_is_not_a_dial_string(number: str) -> None:
    with pytest.raises(ValueError, match="not a dial string"):
        machine().dial(number, now=0.0, wall=WALL)


def test_unknown_dial_result_is_a_programming_error() -> None:
    line = machine()
    line.dial("123", now=0.0, wall=WALL)
    with pytest.raises(ValueError, match="not a dial result"):
        line.dial_result("RING", now=1.0, wall=WALL)


# --- line status --------------------------------------------------------------------------------------------


def test_line_lost_ends_the_call_and_a_ring_or_restore_brings_it_back() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    line.offhook(now=1.0, wall=WALL)
    events = line.line_lost("no answer to AT", now=9.0, wall=WALL)
    assert (only(events, CallEnded).outcome, only(events, CallEnded).reason) == ("answered", "line lost")
    status = only(events, LineStatusChanged)
    assert (status.previous, status.status, status.detail) == ("in call", "down", "no answer to AT")
    assert line.line_lost(now=10.0, wall=WALL) == []
    line.offhook(now=10.5, wall=WALL)  # someone picks up the handset while the modem is away
    restored = only(line.line_restored("re-initialised", now=11.0, wall=WALL), LineStatusChanged)
    assert (restored.status, restored.detail) == ("in call", "re-initialised")
    line.line_lost(now=12.0, wall=WALL)
    assert only(line.ring(now=13.0, wall=WALL), LineStatusChanged).previous == "down"


def test_a_ringing_call_lost_with_the_line_is_missed() -> None:
    line = machine()
    line.ring(now=0.0, wall=WALL)
    events = line.line_lost(now=1.0, wall=WALL)
    assert kinds(events) == ["CallIdentified", "CallMissed", "CallEnded", "LineStatusChanged"]


def test_wall_time_must_be_aware_utc() -> None:
    line = machine()
    with pytest.raises(ValueError, match="UTC"):
        line.ring(now=0.0, wall=datetime(2026, 3, 22, 14, 5))
    with pytest.raises(ValueError, match="UTC"):
        line.ring(now=0.0, wall=datetime(2026, 3, 22, 14, 5, tzinfo=timezone(timedelta(hours=8))))


# --- properties ---------------------------------------------------------------------------------------------

Step = Callable[[LineStateMachine, float], list[LineEvent]]
STEPS: dict[str, Step] = {
    "ring": lambda line, now: line.ring(now=now, wall=WALL),
    "ring A": lambda line, now: line.ring("A", now=now, wall=WALL),
    "number": lambda line, now: line.caller_id(cid("NMBR = 13912345678"), now=now, wall=WALL),
    "other number": lambda line, now: line.caller_id(cid("NMBR = 02088881234"), now=now, wall=WALL),
    "private": lambda line, now: line.caller_id(cid("NMBR = P"), now=now, wall=WALL),
    "name": lambda line, now: line.caller_id(cid("NAME = ZHANG SAN"), now=now, wall=WALL),
    "handset off": lambda line, now: line.offhook(now=now, wall=WALL),
    "handset on": lambda line, now: line.onhook(now=now, wall=WALL),
    "modem off": lambda line, now: line.offhook(now=now, wall=WALL, by="modem"),
    "modem on": lambda line, now: line.onhook(now=now, wall=WALL, by="modem"),
    "far end": lambda line, now: line.far_end_hangup(now=now, wall=WALL),
    "dial": lambda line, now: line.dial("13912345678", now=now, wall=WALL),
    "lost": lambda line, now: line.line_lost(now=now, wall=WALL),
    "restored": lambda line, now: line.line_restored(now=now, wall=WALL),
    "tick": lambda line, now: line.tick(now=now, wall=WALL),
    **{
        result: (lambda r: lambda line, now: line.dial_result(r, now=now, wall=WALL))(result)
        for result in DIAL_RESULTS
    },
}


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.floats(0, 12)), max_size=40))
def test_any_input_sequence_keeps_the_call_event_contract(steps: list[tuple[str, float]]) -> None:
    line, now, events = machine(ring_timeout_s=8.0), 0.0, []
    for name, delay in steps:
        now += delay
        deadline = line.next_deadline()
        if deadline is not None and deadline <= now:
            events += line.tick(now=deadline, wall=WALL)  # a driver never oversleeps a deadline
        try:
            events += STEPS[name](line, now)
        except LineError:
            assert name == "dial" and (line.call_id is not None or line.status != "up")
        assert line.next_deadline() is None or line.state in ("ringing", "identified")
    check_contract(events)
