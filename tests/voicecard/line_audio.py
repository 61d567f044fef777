"""What a line tap hears of a ringing line (ringing voltage, China's cadence), for the audio line's tests."""

from __future__ import annotations

import numpy as np

from ctid.voicecard.dsp.modulator import silence

RATE = 8000


def ring_voltage(seconds: float = 1.0) -> np.ndarray:
    """Ringing voltage (25 Hz) as a tap hears it: loud, and no voice."""
    return 20000 * np.sin(2 * np.pi * 25 * np.arange(int(seconds * RATE)) / RATE)


def china_call(burst: np.ndarray, rings: int = 2) -> np.ndarray:
    """A call as a tap hears it with China's cadence (1 s of ringing every 5 s, caller ID in the first
    pause) until its caller hangs up, at the end of its last ring."""
    pause = np.concatenate([silence(0.5), burst])
    parts = [ring_voltage(), np.concatenate([pause, silence(4.0 - len(pause) / RATE)])]
    for ring in range(2, rings + 1):
        parts += [ring_voltage(), *([silence(4.0)] if ring < rings else [])]
    return np.concatenate(parts)
