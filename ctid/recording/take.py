"""One recording in progress: audio blocks from the line's source into a WAV file, with pause and resume.

A take is opened synchronously when the call is answered (so not a block of the first words is lost while
the database row is being written) and fed on the event loop: each 20 ms block is one buffered write. A
paused take drops blocks and counts the paused time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ctid.recording.wav import WavWriter

Unsubscribe = Callable[[], None]


@dataclass(frozen=True)
class CallFacts:
    """What the recorder knows of a call when it starts recording (from the line's events). Its customer
    and the operator's note are the call log's: a recording reads them from its call."""

    call_id: str
    line: str
    direction: str
    number: str | None = None
    number_e164: str | None = None


class Take:
    def __init__(
        self, call: CallFacts, path: Path, relative: str, rate: int, started_at: datetime, now: float
    ) -> None:
        self.call = call
        self.path = path
        self.relative = relative
        self.rate = rate
        self.started_at = started_at
        self.recording_id: int | None = None
        self.operator_id: int | None = None
        self.problem: str | None = None
        self.error: OSError | None = None  # the file could not be written: no block is taken after it
        self._started = now
        self._paused_at: float | None = None
        self.paused_s = 0.0
        self.unsubscribe: Unsubscribe = lambda: None
        self.on_failure: Callable[[Take, OSError], None] = lambda _take, _error: None
        """Called once, on the loop, when the file cannot be written (disk full): the take takes no more."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = WavWriter(path, rate)

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def block(self, samples: Any, _t: float) -> None:
        """A block of int16 samples from the source (the source's listener). A write error (disk full) is the
        recorder's to report, once: raised here it would reach the source 50 times a second."""
        if self._paused_at is None and not self.writer.closed and self.error is None:
            try:
                self.writer.write(samples)
            except OSError as error:
                self.error = error
                self.unsubscribe()
                self.on_failure(self, error)

    def pause(self, now: float) -> bool:
        if self._paused_at is not None:
            return False
        self._paused_at = now
        return True

    def resume(self, now: float) -> bool:
        if self._paused_at is None:
            return False
        self.paused_s += now - self._paused_at
        self._paused_at = None
        return True

    def stop(self, now: float) -> None:
        """Stop taking blocks (the file is closed by the recorder, off the loop)."""
        self.unsubscribe()
        self.resume(now)
