"""Calls that come back to back, and call waiting: the pure parser and state machine, with explicit time.

A ``Desk`` does with a ``FormattedCallerIdParser`` and a ``LineStateMachine`` what the modem driver does:
a RING goes to the parser too, caller-ID lines are fed with the time, timers run at their deadlines, and
the parser is reset when a call's end leaves the line idle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.voicecard.callerid import FormattedCallerIdParser
from ctid.voicecard.events import (
    CallEnded,
    CallEvent,
    CallIdentified,
    CallIdUpdated,
    CallRinging,
    CallWaiting,
    LineEvent,
    LineStatusChanged,
)
from ctid.voicecard.line import LineStateMachine
from tests.support.fakemodem import mdmf, sdmf
from tests.voicecard.support import WALL, check_contract, kinds, machine, only

A, B = "13912345678", "02088881234"


@dataclass
class Desk:
    """A line as the modem driver runs it: parser and machine together, timers on time."""

    line: LineStateMachine = field(default_factory=lambda: machine(ring_timeout_s=8.0))
    parser: FormattedCallerIdParser = field(default_factory=FormattedCallerIdParser)
    now: float = 0.0
    events: list[LineEvent] = field(default_factory=list)
    kept: bool = False  # the last ``lines`` gave the idle line caller ID to keep for the next RING

    def at(self, now: float) -> Desk:
        self.now = now
        self._due()
        return self

    def ring(self) -> list[LineEvent]:
        self._due()
        self.parser.ring()
        return self._take(self.line.ring(now=self.now, wall=WALL))

    def lines(self, *texts: str) -> list[LineEvent]:
        """Caller-ID lines printed together (one burst: the same moment)."""
        self._due()
        events: list[LineEvent] = []
        self.kept = False
        for text in texts:
            if (update := self.parser.feed(text, self.now)) is not None:
                self.kept = self.kept or self.line.state == "idle"
                events += self._take(self.line.caller_id(update, now=self.now, wall=WALL))
        return events

    def answer(self) -> list[LineEvent]:
        self._due()
        return self._take(self.line.offhook(now=self.now, wall=WALL))

    def hang_up(self) -> list[LineEvent]:
        self._due()
        return self._take(self.line.onhook(now=self.now, wall=WALL))

    def _due(self) -> None:
        deadline = self.line.next_deadline()
        if deadline is not None and deadline <= self.now:
            self._take(self.line.tick(now=deadline, wall=WALL))  # a driver never oversleeps a deadline

    def _take(self, events: list[LineEvent]) -> list[LineEvent]:
        self.events += events
        if any(isinstance(e, CallEnded) for e in events) and self.line.state == "idle":
            self.parser.reset()
        return events


def block(number: str, when: str = "03221405", name: str | None = None) -> list[str]:
    lines = [f"DATE = {when[:4]}", f"TIME = {when[4:]}", f"NMBR = {number}"]
    return lines + ([f"NAME = {name}"] if name else [])


def mesg(frame: bytes) -> str:
    return f"MESG = {frame.hex().upper()}"


# --- back to back, while ringing ----------------------------------------------------------------------------

Burst = Callable[[str], list[str]]
BURSTS: dict[str, Burst] = {
    "formatted": lambda n: block(n),
    "MDMF": lambda n: [mesg(mdmf(n, "ZHANG SAN"))],
    "SDMF": lambda n: [mesg(sdmf(n))],
}


@pytest.mark.parametrize("second", [A, B], ids=["same number", "another number"])
@pytest.mark.parametrize("mode", sorted(BURSTS))
@pytest.mark.parametrize("apart_s", [1.0, 3.0, 6.0])
def test_a_new_caller_id_block_while_ringing_is_the_next_call(second: str, mode: str, apart_s: float) -> None:
    """China's cadence: RING every 5 s, caller ID after the first. The first caller hangs up after two rings;
    the next one rings ``apart_s`` later: its RING and its caller ID are its own call, identified at once."""
    desk, burst = Desk(), BURSTS[mode]
    desk.ring()
    first = only(desk.at(0.5).lines(*burst(A)), CallIdentified)
    desk.at(5.0).ring()
    desk.at(5.0 + apart_s).ring()  # the line cannot tell yet whose RING this is
    events = desk.at(5.5 + apart_s).lines(*burst(second))
    assert kinds(events)[:4] == ["CallMissed", "CallEnded", "CallRinging", "CallIdentified"]
    ended, identified = only(events, CallEnded), only(events, CallIdentified)
    assert (ended.call_id, ended.outcome, ended.reason, ended.rings) == (
        first.call_id,
        "missed",
        "caller hung up",
        2,
    )
    assert ended.duration_s == pytest.approx(5.0 + apart_s), "over when the next caller's RING came"
    assert identified.call_id != first.call_id and identified.caller_id.number == second
    assert only(events, CallRinging).ring_count == 1
    assert not [e for e in events if isinstance(e, LineStatusChanged)], "the line rings on"
    desk.at(10.0 + apart_s).ring()
    desk.at(40.0)
    last = [e for e in desk.events if isinstance(e, CallEnded)][-1]
    assert (last.call_id, last.reason, last.rings) == (identified.call_id, "missed", 2)
    check_contract(desk.events)


def test_three_callers_one_after_the_other_are_three_calls() -> None:
    """The issue's measurement: three calls 1 s apart were one call of 9 rings."""
    desk = Desk()
    for start, number in ((0.0, A), (11.0, A), (22.0, B)):
        desk.at(start).ring()
        desk.at(start + 0.5).lines(*block(number))
        desk.at(start + 5).ring()
        desk.at(start + 10).ring()
    desk.at(60.0)
    ended = [e for e in desk.events if isinstance(e, CallEnded)]
    assert [(e.reason, e.rings) for e in ended] == [
        ("caller hung up", 3),
        ("caller hung up", 3),
        ("missed", 3),
    ]
    numbers = [e.caller_id.number for e in desk.events if isinstance(e, CallIdentified)]
    assert numbers == [A, A, B] and len({e.call_id for e in ended}) == 3
    check_contract(desk.events)


def test_a_name_after_a_ring_still_completes_the_block_in_progress() -> None:
    desk = Desk()
    desk.ring()
    desk.at(0.5).lines(*block(A))
    desk.at(5.0).ring()
    updated = only(desk.at(5.1).lines("NAME = ZHANG SAN"), CallIdUpdated)
    assert (updated.call_id, updated.caller_id.number, updated.changed) == ("call-1", A, {"name"})


def test_a_second_nmbr_in_the_block_is_the_same_call_and_the_first_number_wins() -> None:
    desk = Desk()
    desk.ring()
    events = desk.at(0.5).lines("DATE = 0322", "TIME = 1405", f"NMBR = {A}", "NMBR = O", "NAME = ZHANG SAN")
    assert kinds(events) == ["CallIdentified", "CallIdUpdated"]
    assert only(events, CallIdUpdated).caller_id.number == A


@pytest.mark.parametrize(
    "order",
    [
        ["NMBR", "DATE", "TIME"],
        ["TIME", "NMBR", "DATE"],
        ["NMBR"],
    ],
    ids=["number first", "time first", "number only"],
)
def test_blocks_in_any_order_after_a_ring_are_two_calls(order: list[str]) -> None:
    def burst(number: str, when: str) -> list[str]:
        values = {"DATE": when[:4], "TIME": when[4:], "NMBR": number}
        return [f"{tag} = {values[tag]}" for tag in order]

    desk = Desk()
    desk.ring()
    desk.at(0.5).lines(*burst(A, "03221405"))
    desk.at(1.5).ring()  # within the 2 s two blocks need without a RING between them
    events = desk.at(1.6).lines(*burst(B, "03221406"))
    assert only(events, CallEnded).reason == "caller hung up"
    identified = only(events, CallIdentified)
    assert (identified.call_id, identified.caller_id.number) == ("call-2", B)
    assert identified.caller_id.when in (None, "03221406")  # the date may follow the number


def test_caller_id_before_the_ring_uk_style_back_to_back() -> None:
    """Caller ID before the first RING: the next caller's block, while the last call rings, rings itself."""
    desk = Desk()
    desk.lines(*block(A))
    assert only(desk.at(1.0).ring(), CallIdentified).caller_id.number == A
    desk.at(6.0).ring()
    events = desk.at(8.0).lines(*block(B, "03221406"))
    ended = only(events, CallEnded)
    assert (ended.reason, ended.rings, ended.duration_s) == ("caller hung up", 2, 7.0)
    assert only(events, CallIdentified).caller_id.number == B


def test_a_garbled_burst_while_ringing_is_still_a_new_caller() -> None:
    """``MESG = CALID_202``: the modem heard a burst but no frame. A burst is a ring: its caller rings on."""
    desk = Desk()
    desk.ring()
    desk.at(0.5).lines(mesg(mdmf(A)))
    desk.at(3.0).ring()
    events = desk.at(3.5).lines("MESG = CALID_202")
    assert only(events, CallEnded).reason == "caller hung up"
    assert kinds(events)[-1] == "CallRinging" and desk.line.call_id == "call-2"
    identified = only(desk.at(8.0).ring(), CallIdentified)  # no caller ID by the second ring
    assert not identified.caller_id.identifies and "no valid frame" in (identified.caller_id.error or "")


def test_late_caller_id_for_a_call_without_any_is_still_its_own() -> None:
    desk = Desk()
    desk.ring()
    desk.at(5.0).ring()
    events = desk.at(5.5).lines(*block(A))
    assert kinds(events) == ["CallIdUpdated", "CallIdUpdated"]  # the date, then the number
    updated = events[-1]
    assert isinstance(updated, CallIdUpdated) and (updated.call_id, updated.caller_id.number) == ("call-1", A)


# --- call waiting -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", sorted(BURSTS))
def test_caller_id_while_answered_is_call_waiting_not_a_new_call(mode: str) -> None:
    desk, burst = Desk(), BURSTS[mode]
    desk.ring()
    desk.at(0.5).lines(*burst(A))
    desk.at(5.0).answer()
    events = desk.at(40.0).lines(*burst(B), *(["NAME = LI SI"] if mode == "formatted" else []))
    waiting = [e for e in events if isinstance(e, CallWaiting)]
    assert waiting and {e.call_id for e in waiting} == {"call-1"}
    assert {e.caller_id.number for e in waiting} == {B}
    assert kinds(events) == ["CallWaiting"] * len(waiting), "no new call, no update of this one"
    if mode == "formatted":
        assert waiting[-1].caller_id.name == "LI SI" and waiting[-1].changed == {"name"}
    ended = only(desk.at(60.0).hang_up(), CallEnded)
    assert (ended.call_id, ended.outcome) == ("call-1", "answered")
    assert only(desk.at(70.0).ring(), CallRinging).call_id == "call-2"
    check_contract(desk.events)


def test_call_waiting_with_the_same_number_is_still_call_waiting() -> None:
    desk = Desk()
    desk.ring()
    desk.at(0.5).lines(f"NMBR = {A}")
    desk.at(2.0).answer()
    waiting = only(desk.at(30.0).lines(f"NMBR = {A}"), CallWaiting)
    assert (waiting.call_id, waiting.caller_id.number) == ("call-1", A)


def test_call_waiting_during_a_dialled_call() -> None:
    desk = Desk()
    desk.line.dial("95555", now=0.0, wall=WALL)
    desk.line.dial_result("OK", now=1.0, wall=WALL)
    waiting = only(desk.at(20.0).lines(*block(B)), CallWaiting)
    assert waiting.caller_id.number == B and desk.line.state == "connected"


def test_a_name_completing_the_answered_calls_own_block_is_an_update() -> None:
    desk = Desk()
    desk.ring()
    desk.at(0.5).lines(f"NMBR = {A}")
    desk.at(0.5).answer()
    updated = only(desk.at(0.5).lines("NAME = ZHANG SAN"), CallIdUpdated)
    assert updated.caller_id.number == A


# --- properties ---------------------------------------------------------------------------------------------

CALLERS = (A, B, "P")
SHOWN = (CallIdentified, CallIdUpdated, CallWaiting)
Step = tuple[str, str]  # ("ring", "") or ("line", text): the parts of one burst, at one moment


@st.composite
def bursts(draw: st.DrawFn, index: int) -> tuple[str, list[Step]]:
    """One caller-ID block as a modem prints it (formatted in any order, with or without the date, a second
    ``NMBR = O``, a NAME; or one MESG frame), with RINGs anywhere before the line that identifies it."""
    caller = draw(st.sampled_from(CALLERS))
    number, reason = (None, caller) if caller == "P" else (caller, None)
    when = f"03{index // 60:02d}{index % 60:02d}00"  # unique per block
    kind = draw(st.sampled_from(["formatted", "mdmf", "sdmf"]))
    if kind != "formatted":
        frame = (
            mdmf(number, reason=reason, when=when)
            if kind == "mdmf"
            else sdmf(number, reason=reason, when=when)
        )
        lines = [mesg(frame)]
    else:
        values = {"DATE": when[:4], "TIME": when[4:], "NMBR": caller}
        tags = draw(st.permutations(["DATE", "TIME", "NMBR"] if draw(st.booleans()) else ["NMBR"]))
        lines = [f"{tag} = {values[tag]}" for tag in tags]
        after = lines.index(f"NMBR = {caller}") + 1
        if draw(st.booleans()):
            lines.insert(draw(st.integers(after, len(lines))), "NMBR = O")
        if draw(st.booleans()):
            lines.insert(draw(st.integers(after, len(lines))), "NAME = ZHANG SAN")
    identifying = next(i for i, line in enumerate(lines) if line.startswith(("NMBR", "MESG")))
    steps: list[Step] = [("line", line) for line in lines]
    for _ in range(draw(st.integers(0, 2))):
        steps.insert(draw(st.integers(0, identifying)), ("ring", ""))
    if lines[-1].startswith("NAME") and draw(st.booleans()):
        steps.insert(len(steps) - 1, ("ring", ""))  # a NAME after a RING still completes the block
    return caller, steps


BETWEEN = st.lists(
    st.one_of(
        st.just(("ring", 0.0)),
        st.tuples(st.just("silence"), st.floats(0.05, 12.0)),
        st.just(("answer", 0.0)),
        st.just(("hang up", 0.0)),
    ),
    max_size=5,
)


@st.composite
def days(draw: st.DrawFn) -> list[tuple[str, float] | tuple[int, str, list[Step]]]:
    """Blocks with rings, silences, answers and hang-ups between them. Two blocks are a RING or more than
    two seconds apart: two callers' bursts cannot come closer (each rings first, or sends while idle)."""
    day: list[tuple[str, float] | tuple[int, str, list[Step]]] = []
    for index in range(draw(st.integers(1, 7))):
        between: list[tuple[str, float]] = draw(BETWEEN)
        apart = any(kind == "ring" for kind, _ in between) or sum(s for k, s in between if k == "silence") > 2
        day += [*between, *([] if apart or not index else [("silence", 2.1)])]
        caller, steps = draw(bursts(index))
        day.append((index, caller, steps))
    return [*day, *draw(BETWEEN)]


Day = list[tuple[str, float] | tuple[int, str, list[Step]]]


class Blocks:
    """Which caller-ID events each block made, on a ``Desk``; a block heard while idle waits for a RING."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.shown: dict[int, list[CallEvent]] = {}
        self.pending: tuple[int, float] | None = None

    def ring(self) -> list[CallEvent]:
        """A RING: the call it starts takes a block heard while idle (if recent), and that block pops now."""
        events = [e for e in self.desk.ring() if isinstance(e, SHOWN)]
        pending, self.pending = self.pending, None
        if pending is not None and self.desk.now - pending[1] <= 10.0:
            self.shown[pending[0]] = events
            return []
        return events

    def burst(self, index: int, steps: list[Step]) -> list[CallEvent]:
        made: list[CallEvent] = []
        for step, text in steps:
            events = self.ring() if step == "ring" else self.desk.lines(text)
            made += [e for e in events if isinstance(e, SHOWN)]
            if step == "line" and self.desk.kept:
                self.pending = (index, self.desk.now)
        self.shown[index] = self.shown.get(index, []) + made
        return made


@settings(max_examples=300, deadline=None)
@given(days())
def test_no_caller_id_block_is_lost_or_split_or_merged(day: Day) -> None:
    """Any interleaving of RINGs, caller-ID blocks, silence, answers and hang-ups: a block heard during a
    call pops at once, whole, on one call (its own new call, or as call waiting); no call gets two blocks."""
    desk = Desk()
    blocks = Blocks(desk)
    for item in day:
        if len(item) == 2:
            kind, seconds = item  # type: ignore[misc]
            if kind == "silence":
                desk.at(desk.now + seconds)
            elif kind == "ring":
                blocks.ring()
            else:
                desk.answer() if kind == "answer" else desk.hang_up()
            continue
        index, caller, steps = item  # type: ignore[misc]
        made = blocks.burst(index, steps)
        kept = blocks.pending is not None and blocks.pending[0] == index
        assert made or kept, "a block is shown, or kept for the next RING"
        if made:
            assert len({e.call_id for e in made}) == 1, "one block, one call"
            last = made[-1]
            assert isinstance(last, SHOWN)
            assert last.caller_id.number == (None if caller == "P" else caller)
            assert last.caller_id.reason == ("private" if caller == "P" else None)
    own: dict[str, set[int]] = {}
    for index, events in blocks.shown.items():
        for event in events:
            if not isinstance(event, CallWaiting):
                own.setdefault(event.call_id, set()).add(index)
    assert all(len(found) == 1 for found in own.values()), f"one call, one block: {own}"
    check_contract(desk.events)
