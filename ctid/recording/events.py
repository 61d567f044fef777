"""Recording events on the bus: the console shows a line's recording state, the lines page its alerts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ctid.voicecard.events import LineEvent

RecordingState = Literal["recording", "paused", "stopped"]


@dataclass(frozen=True, kw_only=True)
class RecordingChanged(LineEvent):
    """A call's recording started, paused, resumed (``recording``) or stopped; ``problem`` says why a
    recording stopped early (disk almost full, the audio source failed).

    A line event, not a ``CallEvent``: the call log (which follows call events) has nothing to write for it.
    """

    call_id: str
    recording_id: int | None
    state: RecordingState
    problem: str | None = None
