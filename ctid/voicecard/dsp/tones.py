"""Dial tone: how much of a block is one of the world's steady dial tones. Pure.

A line tap cannot see the handset lifted; it hears it. Someone about to dial out hears a dial tone (China
450 Hz, Europe 425 Hz, the UK 350 + 450 Hz, North America 350 + 440 Hz); someone answering a call talks.
A steady dial tone for a moment tells the audio line an outbound call is coming before the first digit, so
it neither mistakes it for an answered call nor waits long to tell a voice from it.
"""

from __future__ import annotations

import functools
from typing import Final

import numpy as np
import numpy.typing as npt

DIAL_TONES: Final = ((450.0,), (425.0,), (350.0, 450.0), (350.0, 440.0))
_FREQUENCIES: Final = (350.0, 425.0, 440.0, 450.0)


@functools.lru_cache(maxsize=8)
def _basis(length: int, rate: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The tones' cosines and sines over a block (a line's blocks are all one length)."""
    tones = np.array(_FREQUENCIES)[:, None] * (2.0 * np.pi * np.arange(length) / rate)[None, :]
    return np.cos(tones), np.sin(tones)


def dial_tone_share(samples: npt.NDArray[np.int16], rate: int) -> float:
    """The share of the block's energy in the strongest dial tone (a pair's two tones count together)."""
    if len(samples) < rate // 100:  # under 10 ms: no telling 425 from 450 Hz
        return 0.0
    values = samples.astype(np.float64)
    values -= values.mean()
    energy = float(values @ values)
    if energy <= 0.0:
        return 0.0
    cosines, sines = _basis(len(values), rate)
    power = (cosines @ values) ** 2 + (sines @ values) ** 2
    share = dict(zip(_FREQUENCIES, (power * 2.0 / (len(values) * energy)).tolist(), strict=True))
    return float(min(1.0, max(sum(share[f] for f in tone) for tone in DIAL_TONES)))
