"""A simulated line: the same events as a modem line, for demos, tests and training.

Calls come from ``simulate()`` (the CLI's ``ctid line simulate`` reaches it through the control socket),
or by themselves every ``ring_interval_s`` (plus up to half again, so a demo does not tick like a
metronome) from the configured ``script`` entries ``"<number>[,<name>]"``. Caller ID goes through the real
formatted parser, so a simulated call exercises the same path as a modem's ``NMBR = ...`` lines.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from ctid.core.clock import utcnow
from ctid.core.config import SimLineOptions
from ctid.core.errors import N_, CtidError
from ctid.core.events import EventBus
from ctid.core.tasks import TaskSet
from ctid.voicecard.callerid import FormattedCallerIdParser
from ctid.voicecard.driver import LineDriver
from ctid.voicecard.line import LineBusyError
from ctid.voicecard.sim_audio import SimAudio

log = logging.getLogger(__name__)
T = TypeVar("T", int, float)


@dataclass(frozen=True)
class SimCall:
    """One scripted call: who calls, how many rings, and whether (after how many rings) someone answers."""

    number: str | None
    name: str | None = None
    rings: int = 3
    answer_after: int | None = None
    talk_s: float = 5.0
    ring_period_s: float = 5.0

    @classmethod
    def parse(cls, entry: str) -> SimCall:
        number, _, name = entry.partition(",")
        return cls(number=number.strip() or None, name=name.strip() or None)

    @classmethod
    def from_request(cls, request: Mapping[str, Any]) -> SimCall:
        """A control-socket request (``ctid line simulate``, test rigs), checked field by field: a wrong
        value is a ``CtidError`` naming the field, not a traceback in the daemon's log."""
        rings = _number(request, "rings", 3, int, 1, MAX_RINGS)
        answer_after = request.get("answer_after")
        return cls(
            number=_text(request, "number", 40),
            name=_text(request, "name", 60),
            rings=rings,
            answer_after=None if answer_after is None else _number(request, "answer_after", 1, int, 1, rings),
            talk_s=_number(request, "talk_s", 5.0, float, 0.0, MAX_TALK_S),
            ring_period_s=_number(request, "ring_period_s", 5.0, float, 0.05, 60.0),
        )


MAX_RINGS = 50
MAX_TALK_S = 3600.0


def _text(request: Mapping[str, Any], key: str, longest: int) -> str | None:
    value = request.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > longest or not value.isprintable():
        raise CtidError(f"{key}: must be printable text of at most {longest} characters")
    return value


def _number(request: Mapping[str, Any], key: str, default: T, kind: type[T], low: T, high: T) -> T:
    value = request.get(key, default)
    whole = kind is int
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CtidError(f"{key}: must be {'a whole number' if whole else 'a number'}, got {value!r:.40}")
    if not low <= value <= high:  # NaN fails here too
        raise CtidError(f"{key}: must be between {low} and {high}, got {value!r:.40}")
    if whole and value != int(value):
        raise CtidError(f"{key}: must be a whole number, got {value!r:.40}")
    return kind(value)


class SimLine(LineDriver):
    driver = "sim"

    def __init__(
        self,
        name: str,
        label: str,
        bus: EventBus,
        options: SimLineOptions,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(name, label, bus, ring_timeout_s=options.ring_timeout_s, clock=clock)
        self._options = options
        self._tasks = TaskSet()
        self._script = [SimCall.parse(entry) for entry in options.script]
        self._dial_task: asyncio.Task[None] | None = None
        self.audio = SimAudio()

    async def start(self) -> None:
        self._set_info(identity="ctid simulator")
        if self._options.ring_interval_s > 0:
            self._spawn(self._ring_forever(), "sim-auto")

    async def stop(self) -> None:
        await self._tasks.cancel()
        self._cancel_timer()

    def simulate(self, call: SimCall) -> None:
        """Start a scripted call now (in the background). A line already in a call refuses, as a real one
        would: a second caller would otherwise be merged into the first one's call."""
        if self.machine.state != "idle":
            raise LineBusyError(N_("Line %(line)s is in use: it cannot ring now."), line=self.name)
        self._spawn(self.play(call), "sim-call")

    async def play(self, call: SimCall) -> str | None:
        """Play a call to its end; returns its call id."""
        parser = FormattedCallerIdParser()
        self.ring()
        call_id = self.machine.call_id
        for line in self._caller_id_lines(call):
            if update := parser.feed(line):
                self.caller_id(update)
        for ring in range(2, call.rings + 1):
            await asyncio.sleep(call.ring_period_s)
            if call.answer_after is not None and ring > call.answer_after:
                break
            self.ring()
        if call.answer_after is None:
            return call_id  # it stops ringing; the state machine's timer marks it missed
        self._apply(self.machine.offhook)
        await asyncio.sleep(call.talk_s)
        self._apply(self.machine.onhook)
        return call_id

    @staticmethod
    def _caller_id_lines(call: SimCall) -> list[str]:
        when = utcnow().strftime("%m%d%H%M")
        lines = [f"DATE = {when[:4]}", f"TIME = {when[4:]}", f"NMBR = {call.number or 'O'}"]
        if call.name:
            lines.append(f"NAME = {call.name}")
        return lines

    async def dial(self, number: str) -> str:
        self._apply(self.machine.dial, number)
        call_id = self.machine.call_id or ""
        self._spawn(self._answer_dial(), "sim-dial")
        return call_id

    async def _answer_dial(self) -> None:
        await asyncio.sleep(0.3)
        self._apply(self.machine.dial_result, "OK")

    async def hangup(self) -> None:
        if self.machine.state == "dialing":
            self._apply(self.machine.dial_result, "ERROR")
        self._apply(self.machine.onhook)

    async def _ring_forever(self) -> None:
        index = 0
        while True:
            await asyncio.sleep(self._options.ring_interval_s * (1 + random.random() / 2))
            if self.machine.state != "idle":
                continue
            call = self._script[index % len(self._script)] if self._script else SimCall(_random_mobile())
            if index % 2:  # every other call is answered and talks a while (the demo records it)
                call = replace(call, answer_after=2, talk_s=random.uniform(8.0, 20.0))
            index += 1
            try:
                await self.play(call)
            except Exception:
                log.exception("line %s: simulated call failed", self.name)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> None:
        self._tasks.spawn(coroutine, f"{self.name}:{name}")


def _random_mobile() -> str:
    return "13" + "".join(random.choice("0123456789") for _ in range(9))
