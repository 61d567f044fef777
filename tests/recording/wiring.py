"""What a recorder is built with in the recording tests, without accounts: a resolved line plan, staff
with fixed answers, and a line's audio the test plays on a clock of its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctid.accounts.models import Branch
from ctid.core.config import LineConfig
from ctid.lineplan.plan import resolve
from ctid.lineplan.source import LinePlanSource
from ctid.voicecard.audio_source import Listener
from ctid.voicecard.sim_audio import voice_like

FIRST_BRANCH = 1


def plan_of(configs: Sequence[LineConfig], codes: Mapping[str, int] | None = None) -> LinePlanSource:
    """These lines resolved over ``codes`` (a line naming no code: branch 1)."""
    return LinePlanSource.of(resolve(configs, codes or {}, FIRST_BRANCH))


@dataclass
class FixedStaff:
    """The operators bound to every line, and the branches there are (code -> id)."""

    operators: list[int]
    codes: Mapping[str, int] = field(default_factory=dict)

    @property
    def bindings(self) -> FixedStaff:
        return self

    @property
    def branches(self) -> FixedStaff:
        return self

    async def operators_on(self, _line: str) -> list[int]:
        return list(self.operators)

    async def list_branches(self) -> list[Branch]:
        made = datetime(2026, 1, 1, tzinfo=UTC)
        return [Branch(id, code, code, "", "", True, made) for code, id in self.codes.items()]


class Tape:
    """A line's audio that plays only what the test gives it, on a clock that only the audio moves.

    The recorder's ``monotonic`` is ``tape.monotonic``: each 20 ms block moves the clock on by 20 ms as it is
    delivered, so how long a recording is, and how long it was paused, are the audio the test played, not how
    fast a busy machine ran the loop. Like a tap, it needs no capture started.
    """

    rate = 8000
    BLOCK = 160  # 20 ms

    def __init__(self) -> None:
        self.now = 1000.0
        self._listeners: list[Listener] = []

    def monotonic(self) -> float:
        return self.now

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    async def start_capture(self) -> None:
        """A tape always plays."""

    async def stop_capture(self) -> None:
        """A tape always plays."""

    def play(self, seconds: float, seed: int = 0) -> None:
        """``seconds`` (whole 20 ms blocks) of voice to every listener, the clock moving with it."""
        count = round(seconds * self.rate)
        assert count % self.BLOCK == 0, f"{seconds} s is not a whole number of 20 ms blocks"
        samples = voice_like(self.rate, (count + 1) / self.rate, seed)[:count]
        for index in range(0, len(samples), self.BLOCK):
            block = samples[index : index + self.BLOCK]
            t = self.now
            self.now += len(block) / self.rate
            for listener in list(self._listeners):
                listener(block, t)
