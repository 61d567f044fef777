"""Typed phone line events, published on the bus by a line's driver (produced by ``LineStateMachine``).

Every event names its ``line`` and carries ``at``, the UTC wall-clock time the driver passed in (pure
code does not read clocks). Events about a call carry its ``call_id``.

Per inbound call: ``CallRinging`` (one per RING); exactly one ``CallIdentified``, before ``CallAnswered`` or
``CallMissed`` (with a "no caller ID" ``CallerId`` if none came); ``CallIdUpdated`` for later details;
``CallWaiting`` for another caller's caller ID while it is answered; exactly one ``CallEnded``. Per outbound
call: ``CallDialing``, then ``CallConnected`` or ``CallFailed``, ``CallWaiting`` while connected, exactly one
``CallEnded``. Calls on a line never overlap: a call's ``CallEnded`` comes before the next call's first event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ctid.core.events import Event
from ctid.voicecard.callerid import CallerId

Direction = Literal["inbound", "outbound"]
LineStatus = Literal["up", "down", "ringing", "in call"]
HookSource = Literal["handset", "modem"]
DialFailure = Literal["busy", "no answer", "no carrier", "no dial tone", "error"]
CallOutcome = Literal[
    "answered", "missed", "connected", "cancelled", "busy", "no answer", "no carrier", "no dial tone", "error"
]
EndReason = Literal["hangup", "far end hangup", "caller hung up", "missed", "failed", "line lost"]
"""``caller hung up``: a ringing call's caller gave up, known because the next caller's caller ID came."""


@dataclass(frozen=True, kw_only=True)
class LineEvent(Event):
    """Something happened on a phone line."""

    line: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CallEvent(LineEvent):
    """Something happened to one call on a line."""

    call_id: str


@dataclass(frozen=True, kw_only=True)
class CallRinging(CallEvent):
    """A RING; ``tag`` is the distinctive-ring tag (``RING A`` -> ``"A"``), None for a plain RING."""

    ring_count: int
    tag: str | None


@dataclass(frozen=True, kw_only=True)
class CallIdentified(CallEvent):
    """The caller is known (or known to be unknown: ``caller_id.identifies`` is False): pop the screen now.

    ``ring_tag`` is the first RING's distinctive-ring tag: which of the site's numbers was called.
    """

    caller_id: CallerId
    ring_tag: str | None


@dataclass(frozen=True, kw_only=True)
class CallIdUpdated(CallEvent):
    """More caller ID for an identified call (a NAME after NMBR, a late number); ``changed`` names fields."""

    caller_id: CallerId
    changed: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class CallWaiting(CallEvent):
    """Another caller's caller ID while this call is answered or connected (call waiting): not a new call.

    ``caller_id`` is the waiting caller's; a NAME after its number comes as a second ``CallWaiting``
    (``changed`` names the fields the input set).
    """

    caller_id: CallerId
    changed: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class CallAnswered(CallEvent):
    """A ringing call was picked up, by a person at the handset or by the modem."""

    by: HookSource


@dataclass(frozen=True, kw_only=True)
class CallMissed(CallEvent):
    """The call stopped ringing (or the caller hung up) before anyone answered."""

    rings: int


@dataclass(frozen=True, kw_only=True)
class CallDialing(CallEvent):
    """An outbound call is being dialed."""

    number: str


@dataclass(frozen=True, kw_only=True)
class CallConnected(CallEvent):
    """The dial finished: ``result`` is ``CONNECT``/``VCON``, or ``OK`` when the handset takes the call."""

    number: str
    result: str


@dataclass(frozen=True, kw_only=True)
class CallFailed(CallEvent):
    """An outbound call did not get through."""

    number: str
    failure: DialFailure


@dataclass(frozen=True, kw_only=True)
class CallEnded(CallEvent):
    """The last event of every call: how it went (``outcome``) and what ended it (``reason``).

    ``duration_s`` runs from the first RING (or the dial) to the end, ``talk_s`` from answer or connect.
    """

    direction: Direction
    outcome: CallOutcome
    reason: EndReason
    rings: int
    duration_s: float
    talk_s: float | None


@dataclass(frozen=True, kw_only=True)
class HandsetOffHook(LineEvent):
    """The local handset (the extension phone on the line) was picked up; ``call_id`` if a call exists."""

    call_id: str | None


@dataclass(frozen=True, kw_only=True)
class HandsetOnHook(LineEvent):
    """The local handset was put down."""

    call_id: str | None


@dataclass(frozen=True, kw_only=True)
class LineStatusChanged(LineEvent):
    """The line's status for dashboards and the dialer (``down``: modem or line gone)."""

    status: LineStatus
    previous: LineStatus
    detail: str
