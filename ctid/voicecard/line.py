"""The phone line state machine: what the modem reported -> call events. Pure: no I/O, no clock, no asyncio.

Why pure: every timing rule (ringing stops after ``ring_timeout_s`` without a RING, no caller ID by the second
RING) is tested with plain numbers. The driver feeds inputs with ``now`` (monotonic seconds) and ``wall`` (an
aware UTC datetime for the events), publishes the returned events, and calls ``tick`` at ``next_deadline()``.

Inbound: idle -> ringing -> identified -> answered | missed -> ended.
Outbound: idle -> dialing -> connected | busy | no answer | no carrier | no dial tone | error -> ended.
The driver resets its ``FormattedCallerIdParser`` when a ``CallEnded`` leaves the line idle.

Calls come back to back: a caller hangs up after two rings and the next one (or the same one again) rings
within seconds, long before ``ring_timeout_s``. Caller ID is how the line tells them apart: a new caller-ID
block (``CallerIdUpdate.new_block``) for a ringing call that already has one, or another number, means its
caller hung up (the call ends as missed, reason "caller hung up") and a new call rings, identified at once.
The same while the call is answered is call waiting (``CallWaiting``): shown, never a new call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from ctid.core.errors import N_, Conflict
from ctid.voicecard.callerid import CallerId, CallerIdUpdate
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallDialing,
    CallEnded,
    CallFailed,
    CallIdentified,
    CallIdUpdated,
    CallMissed,
    CallOutcome,
    CallRinging,
    CallWaiting,
    DialFailure,
    Direction,
    EndReason,
    HandsetOffHook,
    HandsetOnHook,
    HookSource,
    LineEvent,
    LineStatus,
    LineStatusChanged,
)

State = Literal["idle", "ringing", "identified", "answered", "dialing", "connected"]

DIAL_RESULTS: Final[dict[str, DialFailure | None]] = {
    "OK": None,
    "CONNECT": None,
    "VCON": None,
    "BUSY": "busy",
    "NO ANSWER": "no answer",
    "NO CARRIER": "no carrier",
    "NO DIALTONE": "no dial tone",
    "NO DIAL TONE": "no dial tone",
    "ERROR": "error",
}
"""Modem result codes that end a dial, and the failure each one means (None: the call went through)."""

_DIALABLE: Final = frozenset("0123456789*#,W")  # "," pauses (after a PBX prefix), "W" waits for dial tone
_RINGING: Final = ("ringing", "identified")
_WAITING_SHOWS: Final = frozenset({"number", "reason", "name", "name_reason", "error"})
"""What makes a call-waiting block worth a ``CallWaiting`` (its date alone says nothing to an operator)."""


_BUSY_WORDS: Final[dict[State, str]] = {
    "idle": N_("Line %(line)s is in use: cannot dial."),
    "ringing": N_("Line %(line)s is ringing: cannot dial."),
    "identified": N_("Line %(line)s is ringing: cannot dial."),
    "answered": N_("Line %(line)s is in a call: cannot dial."),
    "connected": N_("Line %(line)s is in a call: cannot dial."),
    "dialing": N_("Line %(line)s is dialling another number: cannot dial."),
}
"""Why a busy line refuses a dial, in words an operator reads (not the machine's state names)."""


class LineError(Conflict):
    """The line cannot do what was asked (a conflict with its state: HTTP 409 in the API)."""

    code = "line"


class LineBusyError(LineError):
    """Dial refused: the line is ringing, in a call, or off hook."""

    code = "line_busy"


class LineDownError(LineError):
    """Dial refused: the modem or the line is gone."""

    code = "line_down"


def _random_call_id() -> str:
    return uuid.uuid4().hex


@dataclass
class _Call:
    call_id: str
    direction: Direction
    state: State
    started: float
    number: str = ""
    ring_tag: str | None = None
    rings: int = 0
    last_ring: float = 0.0
    ring_tag_last: str | None = None
    caller_id: CallerId | None = None
    caller_id_heard: bool = False
    caller_id_at: float | None = None
    answered_at: float | None = None
    waiting: bool = False  # a call-waiting block came: later caller-ID updates are the waiting caller's


class LineStateMachine:
    """One phone line's calls, from modem inputs to ``ctid.voicecard.events``."""

    def __init__(
        self,
        line: str,
        *,
        ring_timeout_s: float = 8.0,
        caller_id_before_ring_s: float = 10.0,
        new_call_id: Callable[[], str] = _random_call_id,
    ) -> None:
        """``caller_id_before_ring_s``: how old caller ID received while idle (UK, DTMF) may be at a RING."""
        self.line = line
        self._ring_timeout_s = ring_timeout_s
        self._caller_id_before_ring_s = caller_id_before_ring_s
        self._new_call_id = new_call_id
        self._call: _Call | None = None
        self._off_hook: set[HookSource] = set()
        self._down_detail: str | None = None
        self._pending: tuple[CallerId, float] | None = None
        self._calls_without_caller_id = 0

    # --- what the driver may read ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return "idle" if self._call is None else self._call.state

    @property
    def status(self) -> LineStatus:
        if self._down_detail is not None:
            return "down"
        if self._call is None:
            return "in call" if self._off_hook else "up"
        return "ringing" if self._call.state in _RINGING else "in call"

    @property
    def call_id(self) -> str | None:
        return None if self._call is None else self._call.call_id

    @property
    def calls_without_caller_id(self) -> int:
        """Consecutive calls that rang twice without a single caller-ID line.

        The usual cause is a modem that forgot ``AT+VCID=1`` after a reset: the driver re-sends the init and
        warns when this is above zero. Any caller-ID input (even a bad frame) resets it.
        """
        return self._calls_without_caller_id

    def next_deadline(self) -> float | None:
        """When ``tick`` must be called (monotonic seconds), or None when no timer runs."""
        if self._call is None or self._call.state not in _RINGING:
            return None
        return self._call.last_ring + self._ring_timeout_s

    # --- inputs ---------------------------------------------------------------------------------------------

    def ring(self, tag: str | None = None, *, now: float, wall: datetime) -> list[LineEvent]:
        """A RING (``tag``: the distinctive-ring suffix, ``RING A`` -> ``"A"``)."""
        return self._run(wall, lambda at: self._ring(tag, now, at))

    def caller_id(self, update: CallerIdUpdate, *, now: float, wall: datetime) -> list[LineEvent]:
        """Caller ID from a parser; before the first RING it is kept for the call that rings next."""
        return self._run(wall, lambda at: self._caller_id(update, now, at))

    def offhook(self, *, now: float, wall: datetime, by: HookSource = "handset") -> list[LineEvent]:
        """The handset (DLE ``H``/``P``) or the modem (``ATA``, ``AT+VLS=1``) went off hook."""
        return self._run(wall, lambda at: self._offhook(by, now, at))

    def onhook(self, *, now: float, wall: datetime, by: HookSource = "handset") -> list[LineEvent]:
        """The handset (DLE ``h``/``p``) or the modem went on hook; the call ends when nothing is off hook."""
        return self._run(wall, lambda at: self._onhook(by, now, at))

    def far_end_hangup(self, *, now: float, wall: datetime) -> list[LineEvent]:
        """The other party hung up (DLE ``l`` loop-current break, busy tone after a call)."""
        return self._run(wall, lambda at: self._far_end_hangup(now, at))

    def dial(self, number: str, *, now: float, wall: datetime) -> list[LineEvent]:
        """Start an outbound call to ``number`` (a dial string: digits, ``*#``, ``,`` pause, ``W``)."""
        return self._run(wall, lambda at: self._dial(number, now, at))

    def dial_result(self, code: str, *, now: float, wall: datetime) -> list[LineEvent]:
        """The modem's result code for the dial (a key of ``DIAL_RESULTS``; anything else is a ValueError)."""
        return self._run(wall, lambda at: self._dial_result(code, now, at))

    def line_lost(self, detail: str = "", *, now: float, wall: datetime) -> list[LineEvent]:
        """The modem or the line is gone (unplugged, no answer to AT); any call ends."""
        return self._run(wall, lambda at: self._line_lost(detail, now, at))

    def line_restored(self, detail: str = "", *, now: float, wall: datetime) -> list[LineEvent]:
        """The modem answers again (after re-init); a RING also counts as proof."""
        return self._run(wall, lambda at: self._line_restored(), detail=detail)

    def tick(self, *, now: float, wall: datetime) -> list[LineEvent]:
        """Run timers due at ``now``: a call that stopped ringing is missed."""
        return self._run(wall, lambda at: self._tick(now, at))

    # --- transitions ----------------------------------------------------------------------------------------

    def _run(
        self, wall: datetime, step: Callable[[datetime], list[LineEvent]], detail: str = ""
    ) -> list[LineEvent]:
        """Apply one input; add ``LineStatusChanged`` when the line's status moved."""
        self._require_utc(wall)
        before = self.status
        events = step(wall)
        after = self.status
        if after != before:
            detail = detail or self._status_detail()
            events.append(
                LineStatusChanged(line=self.line, at=wall, status=after, previous=before, detail=detail)
            )
        return events

    def _ring(self, tag: str | None, now: float, at: datetime) -> list[LineEvent]:
        call = self._call
        if call is not None and call.state not in _RINGING:
            return []  # a RING during a call (echo, glare): the call in progress stands
        if call is None:
            call = self._start_inbound(now)
            call.ring_tag = tag or None
        call.rings += 1
        call.last_ring, call.ring_tag_last = now, tag or None
        events: list[LineEvent] = [self._event_ringing(call, tag, at)]
        if call.state == "ringing" and call.caller_id is not None and call.caller_id.identifies:
            events += self._identify(call, at)
        elif call.state == "ringing" and call.rings >= 2:
            if not call.caller_id_heard:
                self._calls_without_caller_id += 1
            events += self._identify(call, at)
        return events

    def _start_inbound(self, now: float) -> _Call:
        """A RING proves the modem and the line work and that the line is on hook."""
        self._down_detail = None
        self._off_hook.clear()
        call = _Call(self._new_call_id(), "inbound", "ringing", started=now)
        if self._pending is not None and now - self._pending[1] <= self._caller_id_before_ring_s:
            call.caller_id, call.caller_id_heard, call.caller_id_at = self._pending[0], True, self._pending[1]
        self._pending = None
        self._call = call
        return call

    def _caller_id(self, update: CallerIdUpdate, now: float, at: datetime) -> list[LineEvent]:
        self._calls_without_caller_id = 0
        call = self._call
        if call is None:
            self._pending = (update.caller_id, now)
            return []
        if call.state == "dialing":
            return []  # glare: the exchange gives the line to the call being dialled
        another = _another_caller(call, update)
        if call.state in _RINGING and another:
            return self._next_caller(call, update, now, at)
        if call.state not in _RINGING and (another or call.waiting):
            call.waiting = True  # the rest of this block is the waiting caller's too
            shown = not update.changed.isdisjoint(_WAITING_SHOWS)
            return [self._event_waiting(call, update, at)] if shown else []
        if call.direction == "outbound":
            return []
        call.caller_id, call.caller_id_heard, call.caller_id_at = update.caller_id, True, now
        if call.state == "ringing":
            return self._identify(call, at) if update.caller_id.identifies else []
        return [self._event_updated(call, update, at)]

    def _next_caller(self, call: _Call, update: CallerIdUpdate, now: float, at: datetime) -> list[LineEvent]:
        """Another caller's block while ``call`` rings unanswered: its caller hung up, the next one rings.

        Where caller ID follows the first RING (China, the US), the RING before the new block was the new
        caller's first: it moves to the new call, and the old one ended by then. Where caller ID comes
        before the RING (UK, DTMF) or is the ring itself (a tap), the new call rings from its block.
        """
        moved = (
            call.rings > 1
            and call.caller_id_at is not None
            and call.started <= call.caller_id_at < call.last_ring
        )
        ring_at, tag = (call.last_ring, call.ring_tag_last) if moved else (now, None)
        if moved:
            call.rings -= 1
        events = self._miss(call, "caller hung up", ring_at, at)
        new = _Call(self._new_call_id(), "inbound", "ringing", started=ring_at, ring_tag=tag, rings=1)
        new.last_ring, new.ring_tag_last = ring_at, tag
        new.caller_id, new.caller_id_heard, new.caller_id_at = update.caller_id, True, now
        self._call, self._pending = new, None
        events.append(self._event_ringing(new, tag, at))
        if update.caller_id.identifies:
            events += self._identify(new, at)
        return events

    def _offhook(self, by: HookSource, now: float, at: datetime) -> list[LineEvent]:
        events: list[LineEvent] = []
        if by not in self._off_hook:
            self._off_hook.add(by)
            if by == "handset":
                events.append(HandsetOffHook(line=self.line, at=at, call_id=self.call_id))
        call = self._call
        if call is not None and call.state in _RINGING:
            if call.state == "ringing":
                events += self._identify(call, at)
            call.state, call.answered_at = "answered", now
            events.append(CallAnswered(line=self.line, at=at, call_id=call.call_id, by=by))
        return events

    def _onhook(self, by: HookSource, now: float, at: datetime) -> list[LineEvent]:
        events: list[LineEvent] = []
        if by in self._off_hook:
            self._off_hook.discard(by)
            if by == "handset":
                events.append(HandsetOnHook(line=self.line, at=at, call_id=self.call_id))
        call = self._call
        if call is None or self._off_hook or call.state in _RINGING:
            return events
        outcome: CallOutcome = "cancelled" if call.state == "dialing" else _talk_outcome(call)
        return events + self._end(call, outcome, "hangup", now, at)

    def _far_end_hangup(self, now: float, at: datetime) -> list[LineEvent]:
        """Loop-current breaks also happen while an exchange sets up a call: ignored while dialing."""
        call = self._call
        if call is None or call.state == "dialing":
            return []
        if call.state in _RINGING:
            return self._miss(call, "far end hangup", now, at)
        return self._end(call, _talk_outcome(call), "far end hangup", now, at)

    def _dial(self, number: str, now: float, at: datetime) -> list[LineEvent]:
        if self._down_detail is not None:
            # the detail (a modem's words) is for the log and the System page, not the operator
            raise LineDownError(N_("Line %(line)s is down: cannot dial."), line=self.line)
        if self._call is not None:
            raise LineBusyError(_BUSY_WORDS[self._call.state], line=self.line)
        if self._off_hook:
            raise LineBusyError(
                N_("Line %(line)s is in use (the handset is off the hook): cannot dial."), line=self.line
            )
        if not number or not set(number.upper()) <= _DIALABLE:
            raise ValueError(f"not a dial string: {number!r} (digits, * # , W only)")
        call = _Call(self._new_call_id(), "outbound", "dialing", started=now, number=number.upper())
        self._call = call
        return [CallDialing(line=self.line, at=at, call_id=call.call_id, number=call.number)]

    def _dial_result(self, code: str, now: float, at: datetime) -> list[LineEvent]:
        result = " ".join(code.upper().split())
        if result not in DIAL_RESULTS:
            raise ValueError(f"not a dial result code: {code!r}")
        call = self._call
        if call is None or call.direction != "outbound":
            return []
        if call.state == "connected":
            hung_up = result == "NO CARRIER"
            return self._end(call, "connected", "far end hangup", now, at) if hung_up else []
        failure = DIAL_RESULTS[result]
        if failure is not None:
            failed = CallFailed(
                line=self.line, at=at, call_id=call.call_id, number=call.number, failure=failure
            )
            return [failed, *self._end(call, failure, "failed", now, at)]
        call.state, call.answered_at = "connected", now
        return [CallConnected(line=self.line, at=at, call_id=call.call_id, number=call.number, result=result)]

    def _line_lost(self, detail: str, now: float, at: datetime) -> list[LineEvent]:
        events: list[LineEvent] = []
        call = self._call
        if call is not None and call.state in _RINGING:
            events = self._miss(call, "line lost", now, at)
        elif call is not None and call.state == "dialing":
            failed = CallFailed(
                line=self.line, at=at, call_id=call.call_id, number=call.number, failure="error"
            )
            events = [failed, *self._end(call, "error", "line lost", now, at)]
        elif call is not None:
            events = self._end(call, _talk_outcome(call), "line lost", now, at)
        self._off_hook.clear()
        self._pending = None
        self._down_detail = detail
        return events

    def _line_restored(self) -> list[LineEvent]:
        self._down_detail = None
        return []

    def _tick(self, now: float, at: datetime) -> list[LineEvent]:
        deadline = self.next_deadline()
        if self._call is None or deadline is None or now < deadline:
            return []
        return self._miss(self._call, "missed", now, at)

    # --- shared steps ---------------------------------------------------------------------------------------

    def _identify(self, call: _Call, at: datetime) -> list[LineEvent]:
        """Identify with what is known; without a number or a reason that is "no caller ID"."""
        call.state = "identified"
        caller_id = call.caller_id or CallerId()
        identified = CallIdentified(
            line=self.line, at=at, call_id=call.call_id, caller_id=caller_id, ring_tag=call.ring_tag
        )
        return [identified]

    def _miss(self, call: _Call, reason: EndReason, now: float, at: datetime) -> list[LineEvent]:
        events = self._identify(call, at) if call.state == "ringing" else []
        events.append(CallMissed(line=self.line, at=at, call_id=call.call_id, rings=call.rings))
        return events + self._end(call, "missed", reason, now, at)

    def _end(
        self, call: _Call, outcome: CallOutcome, reason: EndReason, now: float, at: datetime
    ) -> list[LineEvent]:
        self._call = None
        talk_s = None if call.answered_at is None else max(0.0, now - call.answered_at)
        ended = CallEnded(
            line=self.line,
            at=at,
            call_id=call.call_id,
            direction=call.direction,
            outcome=outcome,
            reason=reason,
            rings=call.rings,
            duration_s=max(0.0, now - call.started),
            talk_s=talk_s,
        )
        return [ended]

    def _event_ringing(self, call: _Call, tag: str | None, at: datetime) -> CallRinging:
        return CallRinging(
            line=self.line, at=at, call_id=call.call_id, ring_count=call.rings, tag=tag or None
        )

    def _event_waiting(self, call: _Call, update: CallerIdUpdate, at: datetime) -> CallWaiting:
        return CallWaiting(
            line=self.line, at=at, call_id=call.call_id, caller_id=update.caller_id, changed=update.changed
        )

    def _event_updated(self, call: _Call, update: CallerIdUpdate, at: datetime) -> CallIdUpdated:
        return CallIdUpdated(
            line=self.line, at=at, call_id=call.call_id, caller_id=update.caller_id, changed=update.changed
        )

    def _status_detail(self) -> str:
        call = self._call
        if self._down_detail is not None:
            return self._down_detail or "line lost"
        if call is None:
            return f"off hook ({', '.join(sorted(self._off_hook))})" if self._off_hook else "idle"
        if call.state == "dialing":
            return f"dialing {call.number}"
        return {"ringing": "incoming call", "identified": "incoming call"}.get(call.state, call.state)

    @staticmethod
    def _require_utc(wall: datetime) -> None:
        if wall.utcoffset() != timedelta(0):
            raise ValueError(f"wall must be an aware UTC datetime, got {wall!r}")


def _talk_outcome(call: _Call) -> CallOutcome:
    return "answered" if call.direction == "inbound" else "connected"


def _another_caller(call: _Call, update: CallerIdUpdate) -> bool:
    """Caller ID that is not ``call``'s own: a new block when the call already has one (or is past ringing:
    an exchange sends a call's own caller ID before the answer), or a different number."""
    if update.new_block and (call.caller_id_heard or call.state not in _RINGING):
        return True
    known, new = call.caller_id, update.caller_id
    return known is not None and None not in (known.number, new.number) and known.number != new.number
