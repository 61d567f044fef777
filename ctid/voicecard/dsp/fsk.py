"""FSK demodulation of caller ID: int16 blocks in, caller-ID frames (raw bytes) out, state kept across blocks.

The discriminator is a pair of I/Q correlators, one per tone (multimon-ng's shape): the energy at the mark
tone minus the energy at the space tone over a sliding window is the soft bit. The window is 1.65 bits long
with tapered ends (Tukey): measured against a one-bit rectangular window (the textbook matched filter) it
makes a fifth to a tenth of the bit errors at 6 dB SNR, most for V.23, whose tones are only 800 Hz apart,
because the taper keeps each correlator out of the other tone's band. The soft bits are computed only at
~4000 per second (3.3 a bit; polyphase, so the skipped outputs cost nothing), which places edges and reads
bits by interpolation as well as the full rate does, at half the cost at 8 kHz. ``ctid.voicecard.dsp.uart``
turns soft bits into frames.

Streaming: a block's soft bits are appended to those kept from earlier blocks; whatever a frame in progress
(or the next frame's mark run) still needs is kept, the rest dropped, so any cut of the same audio into
blocks gives the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ctid.voicecard.dsp.plans import BAUD, BELL202, PlanName, TonePlan
from ctid.voicecard.dsp.uart import Soft, Timing, find_frames

Samples = npt.NDArray[np.int16]
Kernel = npt.NDArray[np.float32]

MIN_RATE: Final = 8000
MAX_RATE: Final = 48000
SOFT_RATE: Final = 4000
"""Soft bits per second, about: the decimation step is ``round(rate / SOFT_RATE)``."""
WINDOW_BITS: Final = 1.65
"""The correlators' window, in bits (measured best of 1 to 2 bits, both plans, 4 to 10 dB SNR)."""


@dataclass(frozen=True)
class FskFrame:
    """A caller-ID frame's bytes as received (unchecked) and where it lies in the stream, in samples."""

    data: bytes
    start: int
    end: int
    rate: int
    plan: PlanName

    @property
    def time_s(self) -> float:
        """Seconds from the start of the stream to the frame's first start bit."""
        return self.start / self.rate


def check_rate(rate: int) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"sample rate {rate} Hz: caller ID needs {MIN_RATE} to {MAX_RATE} Hz")


class FskDemodulator:
    """One tone plan's demodulator over one stream of int16 samples."""

    def __init__(self, rate: int = 8000, plan: TonePlan = BELL202) -> None:
        check_rate(rate)
        self.rate = rate
        self.plan = plan
        self._step = max(1, round(rate / SOFT_RATE))
        spb = rate / BAUD
        self._window = round(WINDOW_BITS * spb)
        self._timing = Timing(bit=spb / self._step, lag=(self._window / 2.0 - 1.0) / self._step)
        self._phases = _polyphase(_correlators(plan, rate, self._window), self._step)
        self.reset()

    def reset(self) -> None:
        """Forget everything heard (a new stream)."""
        self._pending = np.zeros(self._window - 1, dtype=np.float32)  # input not yet under a full window
        self._next = 0  # stream index of the sample the next soft bit's window ends at
        self._soft: Soft = np.zeros(0, dtype=np.float32)
        self._origin = 0  # stream index the first kept soft bit's window ends at
        self._after = -1.0  # in kept soft-bit indices: frames that begin at or before this were reported
        self._wait_until = 0  # kept soft bits needed before a frame in progress can end

    def feed(self, samples: Samples) -> list[FskFrame]:
        """Take the next block; return the frames that ended in it."""
        signal = np.concatenate([self._pending, samples.astype(np.float32)])
        count = (len(signal) - self._window) // self._step + 1
        if count <= 0:
            self._pending = signal
            return []
        self._pending = signal[count * self._step :]
        if len(self._soft) == 0:
            self._origin = self._next
        self._soft = np.concatenate([self._soft, self._discriminate(signal, count)])
        self._next += count * self._step
        if len(self._soft) < self._wait_until:
            return []
        return self._search()

    def _discriminate(self, signal: npt.NDArray[np.float32], count: int) -> Soft:
        """Mark energy minus space energy for ``count`` windows, one every ``step`` samples, the first
        ending at the signal's sample ``window - 1``."""
        step = self._step
        streams = [np.ascontiguousarray(signal[first::step]) for first in range(step)]
        mark_i, mark_q, space_i, space_q = (self._correlate(streams, count, taps) for taps in self._phases)
        mark_i *= mark_i
        mark_q *= mark_q
        space_i *= space_i
        space_q *= space_q
        mark_i += mark_q
        mark_i -= space_i
        mark_i -= space_q
        return mark_i

    def _correlate(self, streams: list[npt.NDArray[np.float32]], count: int, phases: list[Kernel]) -> Soft:
        """One kernel at every ``step``-th window, as ``step`` short convolutions over the signal's
        ``step`` interleaved streams (``streams[r]`` holds samples ``r``, ``r + step``...)."""
        step, last = self._step, self._window - 1
        total: Soft | None = None
        for phase, taps in enumerate(phases):
            first = last - phase - step * (len(taps) - 1)
            stream = streams[first % step][first // step :]
            part = np.convolve(stream, taps, "valid")[:count]
            total = part if total is None else total + part
        assert total is not None
        return total

    def _search(self) -> list[FskFrame]:
        found = find_frames(self._soft, self._timing, self._after)
        step, origin = self._step, self._origin
        frames = [
            FskFrame(
                raw.data,
                origin + round(raw.start * step),
                origin + round(raw.end * step),
                self.rate,
                self.plan.name,
            )
            for raw in found.frames
        ]
        if found.frames:
            self._after = found.frames[-1].end
        self._soft = self._soft[found.keep_from :]
        self._origin += found.keep_from * step
        self._after -= found.keep_from
        self._wait_until = max(0, found.wait_until - found.keep_from) if found.wait_until else 0
        return frames


def _correlators(plan: TonePlan, rate: int, window: int) -> list[Kernel]:
    """In-phase and quadrature kernels for the mark tone, then the space tone, tapered."""
    taper = _tukey(window)
    at = 2.0 * np.pi * np.arange(window) / rate
    return [
        (taper * wave(at * tone)).astype(np.float32)
        for tone in (plan.mark_hz, plan.space_hz)
        for wave in (np.cos, np.sin)
    ]


def _polyphase(kernels: list[Kernel], step: int) -> list[list[Kernel]]:
    """Each kernel's taps by phase (``k[p::step]``): phase ``p`` meets the samples ``p`` before an output."""
    return [[kernel[phase::step] for phase in range(step)] for kernel in kernels]


def _tukey(length: int, flat: float = 0.5) -> npt.NDArray[np.float64]:
    """A window flat in the middle, with raised-cosine ends over ``1 - flat`` of its length; the zero end
    points of the textbook definition are left off (they would be taps that do nothing)."""
    n = np.arange(1, length + 1) / (length + 1)
    edge = (1.0 - flat) / 2.0
    ramp = 0.5 * (1.0 - np.cos(np.pi * np.minimum(n, 1.0 - n) / edge))
    return np.where(np.minimum(n, 1.0 - n) < edge, ramp, 1.0)
