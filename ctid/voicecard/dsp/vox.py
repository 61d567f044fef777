"""Voice activity (VOX) on a line tap: is someone talking, with attack and hang-over. Pure.

A tap cannot see the hook switch, so the audio line takes "voice energy appears" as the answer and "silence
longer than the hang-over" as the hang-up. The attack keeps a click or a short burst from starting a call;
the hang-over keeps the pauses of a conversation (people listen, look things up) from ending one, so it is
seconds long, and the call's real end is the last loud block, not the moment the hang-over ran out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

FLOOR_DBFS: Final = -120.0
LOW_SHARE: Final = 0.008
"""A block whose first difference keeps less than this share of its energy lies mostly below ~115 Hz (a pure
tone there keeps exactly this much): ringing voltage bleeding through a tap (25 Hz), mains hum. Voices keep
several times more (their harmonics reach well above 300 Hz)."""


def level_dbfs(samples: npt.NDArray[np.int16]) -> float:
    """A block's RMS level in dB relative to full scale (0 dBFS: an RMS of 32768, a full-scale square wave);
    DC (a tap's offset) is removed first, so it does not read as voice."""
    if len(samples) == 0:
        return FLOOR_DBFS
    values = samples.astype(np.float64)
    values -= values.mean()
    power = float(values @ values) / len(values)
    return max(FLOOR_DBFS, 10.0 * np.log10(power / 32768.0**2)) if power > 0 else FLOOR_DBFS


def voice_level_dbfs(samples: npt.NDArray[np.int16]) -> float:
    """``level_dbfs``, but the floor for a block whose energy is nearly all low frequencies: a tap may pass
    the ringing voltage (tens of volts at 25 Hz), which must not read as someone answering."""
    level = level_dbfs(samples)
    if level <= FLOOR_DBFS or len(samples) < 2:
        return level
    values = samples.astype(np.float64)
    values -= values.mean()
    step = np.diff(values)
    if float(step @ step) < LOW_SHARE * float(values @ values):
        return FLOOR_DBFS
    return level


@dataclass(frozen=True)
class VoxChange:
    """Voice began (``start``: at the first loud block) or ended (``stop``: after the last loud block)."""

    kind: Literal["start", "stop"]
    at: float


class Vox:
    """Feed each block's level and time (seconds, any monotonic origin); get a change when one happens."""

    def __init__(self, threshold_dbfs: float = -40.0, attack_s: float = 0.1, hangover_s: float = 8.0) -> None:
        self.threshold_dbfs = threshold_dbfs
        self.attack_s = attack_s
        self.hangover_s = hangover_s
        self.active = False
        self._loud_since: float | None = None  # start of the current run of loud blocks
        self._last_loud: float | None = None  # end of the last loud block

    def feed(self, level: float, at: float, duration: float = 0.02) -> VoxChange | None:
        """One block: its level (dBFS), the time of its first sample and its length in seconds."""
        if level >= self.threshold_dbfs:
            if self._loud_since is None:
                self._loud_since = at
            self._last_loud = at + duration
            if not self.active and self._last_loud - self._loud_since >= self.attack_s:
                self.active = True
                return VoxChange("start", self._loud_since)
            return None
        self._loud_since = None
        if self.active and self._last_loud is not None and at + duration - self._last_loud >= self.hangover_s:
            self.active = False
            return VoxChange("stop", self._last_loud)
        return None

    @property
    def last_loud(self) -> float | None:
        """When the last loud block ended (None before any, or since ``reset``)."""
        return self._last_loud

    def reset(self) -> None:
        """Forget the current talk spurt (a call was ended by other means, or it was signalling)."""
        self.active = False
        self._loud_since = None
        self._last_loud = None
