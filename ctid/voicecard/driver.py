"""What every line driver shares: the state machine, its timer, publishing, and the line's status.

A driver (modem, simulator, later a sound-card tap) turns its device's input into calls on a
``LineStateMachine``; this base publishes what the machine returns and keeps one timer task that calls
``tick`` at the machine's next deadline (ringing over, no caller ID by the second ring).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ctid.core.clock import utcnow
from ctid.core.events import EventBus
from ctid.voicecard.audio_source import AudioSource
from ctid.voicecard.callerid import CallerIdUpdate
from ctid.voicecard.events import CallWaiting, LineEvent, LineStatus, LineStatusChanged
from ctid.voicecard.line import LineStateMachine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineInfo:
    """A line as the lines page and ``GET /api/v1/lines`` show it."""

    name: str
    label: str
    driver: str
    status: LineStatus
    identity: str = ""
    last_error: str = ""
    since: datetime | None = None
    call_id: str | None = None


class LineDriver:
    """Base of the drivers: subclasses feed the machine through ``_apply`` and implement start/stop."""

    driver = "base"
    audio: AudioSource | None = None  # the line's audio, when it has any (recording, software voice card)

    def __init__(
        self,
        name: str,
        label: str,
        bus: EventBus,
        ring_timeout_s: float = 8.0,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.label = label or name
        self._bus = bus
        self._clock = clock
        self._monotonic = monotonic
        self.machine = LineStateMachine(name, ring_timeout_s=ring_timeout_s)
        self._info = LineInfo(name, self.label, self.driver, self.machine.status, since=clock())
        self._timer: asyncio.TimerHandle | None = None

    @property
    def info(self) -> LineInfo:
        return replace(self._info, status=self.machine.status, call_id=self.machine.call_id)

    def _set_info(self, **changes: Any) -> None:
        self._info = replace(self._info, **changes)

    def _apply(self, step: Callable[..., list[LineEvent]], *args: object) -> list[LineEvent]:
        """Run one input through the machine with the current time, publish its events, re-arm the timer."""
        events = step(*args, now=self._monotonic(), wall=self._clock())
        for event in events:
            if isinstance(event, LineStatusChanged):
                self._set_info(since=event.at)
            elif isinstance(event, CallWaiting):
                self._log_waiting(event)
            self._bus.publish(event)
        self._arm_timer()
        return events

    def _log_waiting(self, event: CallWaiting) -> None:
        """Call waiting is shown on the call's consoles and kept here (the log masks the number)."""
        if event.changed.isdisjoint(("number", "reason", "error")):
            return  # a NAME after the number: the same caller, already logged
        caller = event.caller_id
        who = caller.number or caller.reason or f"no caller ID ({caller.error})"
        log.info("line %s: call waiting during call %s: %s", self.name, event.call_id, who)

    def ring(self, tag: str | None = None) -> list[LineEvent]:
        return self._apply(self.machine.ring, tag)

    def caller_id(self, update: CallerIdUpdate) -> list[LineEvent]:
        return self._apply(self.machine.caller_id, update)

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.machine.next_deadline()
        if deadline is not None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, deadline - self._monotonic())
            self._timer = loop.call_later(delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        try:
            self._apply(self.machine.tick)
        except Exception:
            log.exception("line %s: timer failed", self.name)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def dial(self, number: str) -> str:
        """Dial out; returns the call id. Raises LineBusyError on a ringing or busy line."""
        raise NotImplementedError

    async def hangup(self) -> None:
        raise NotImplementedError
