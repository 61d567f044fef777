"""Caller-ID audio as exchanges send it: FSK bursts and DTMF digits, with drift and noise, as numpy arrays.

For tests, the benches and the simulator: a demodulator is only as good as the audio it was tried on, so every
imperfection a real line has is a parameter (sample rate, baud and tone drift, level, twist, white noise at a
given SNR, silence around). Signals are float64 in int16 units until ``pcm16`` rounds and clips them, so they
can be concatenated and mixed first.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from ctid.voicecard.dsp.plans import BAUD, BELL202, TonePlan

Signal = npt.NDArray[np.float64]
Bits = npt.NDArray[np.uint8]

DTMF_ROWS: Final = (697.0, 770.0, 852.0, 941.0)
DTMF_COLUMNS: Final = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS: Final = ("123A", "456B", "789C", "*0#D")
SEIZURE_BYTE: Final = 0x55


def uart_bits(data: bytes) -> Bits:
    """Bytes as an asynchronous serial line sends them: 8N1, least significant bit first."""
    octets = np.frombuffer(data, dtype=np.uint8)
    bits = np.ones((len(octets), 10), dtype=np.uint8)
    bits[:, 0] = 0
    bits[:, 1:9] = (octets[:, None] >> np.arange(8, dtype=np.uint8)) & 1
    return bits.reshape(-1)


def caller_id_bits(frame: bytes, *, seizure_bytes: int = 30, mark_bits: int = 150) -> Bits:
    """A caller-ID burst's bits: channel seizure (0x55 bytes), a run of marks, then the frame."""
    seizure = uart_bits(bytes([SEIZURE_BYTE]) * seizure_bytes)
    return np.concatenate([seizure, np.ones(mark_bits, dtype=np.uint8), uart_bits(frame)])


def fsk(
    bits: Bits,
    *,
    rate: int = 8000,
    plan: TonePlan = BELL202,
    baud: float = BAUD,
    baud_drift: float = 0.0,
    freq_drift: float = 0.0,
    amplitude: float = 8000.0,
    phase: float = 0.0,
) -> Signal:
    """Continuous-phase FSK of ``bits`` (1 = mark). Drifts are fractions: 0.02 sends 2 % fast / high."""
    bit_rate = baud * (1.0 + baud_drift)
    count = int(np.ceil(len(bits) * rate / bit_rate))
    index = np.minimum((np.arange(count) * bit_rate / rate).astype(np.int64), len(bits) - 1)
    tones = np.array([plan.space_hz, plan.mark_hz]) * (1.0 + freq_drift)
    step = 2.0 * np.pi * tones[bits[index]] / rate
    signal: Signal = amplitude * np.sin(phase + np.cumsum(step) - step[0])
    return signal


def caller_id_burst(
    frame: bytes,
    *,
    rate: int = 8000,
    plan: TonePlan = BELL202,
    baud_drift: float = 0.0,
    freq_drift: float = 0.0,
    amplitude: float = 8000.0,
    seizure_bytes: int = 30,
    mark_bits: int = 150,
    lead_s: float = 0.2,
    trail_s: float = 0.2,
) -> Signal:
    """A whole caller-ID burst with silence before and after, ready for ``with_noise`` and ``pcm16``."""
    bits = caller_id_bits(frame, seizure_bytes=seizure_bytes, mark_bits=mark_bits)
    tone = fsk(bits, rate=rate, plan=plan, baud_drift=baud_drift, freq_drift=freq_drift, amplitude=amplitude)
    return np.concatenate([silence(lead_s, rate), tone, silence(trail_s, rate)])


def dtmf(
    digits: str,
    *,
    rate: int = 8000,
    tone_s: float = 0.07,
    pause_s: float = 0.07,
    amplitude: float = 5000.0,
    twist_db: float = 0.0,
    freq_drift: float = 0.0,
) -> Signal:
    """DTMF digits (``0-9 * # A-D``), each a tone then a pause. ``twist_db`` > 0: the high tone is louder."""
    tone_n, pause_n = round(tone_s * rate), round(pause_s * rate)
    t = np.arange(tone_n) / rate
    high = amplitude * 10.0 ** (twist_db / 20.0)
    parts = []
    for digit in digits.upper():
        row, column = _dtmf_tones(digit)
        f_row, f_column = row * (1.0 + freq_drift), column * (1.0 + freq_drift)
        parts.append(amplitude * np.sin(2 * np.pi * f_row * t) + high * np.sin(2 * np.pi * f_column * t))
        parts.append(silence(pause_n / rate, rate))
    return np.concatenate(parts) if parts else silence(0.0, rate)


def _dtmf_tones(digit: str) -> tuple[float, float]:
    for row, keys in enumerate(DTMF_KEYS):
        if digit in keys:
            return DTMF_ROWS[row], DTMF_COLUMNS[keys.index(digit)]
    raise ValueError(f"not a DTMF digit: {digit!r} (0-9 * # A-D)")


def silence(seconds: float, rate: int = 8000) -> Signal:
    return np.zeros(round(seconds * rate))


def with_noise(
    signal: Signal, snr_db: float, rng: np.random.Generator, *, reference_power: float | None = None
) -> Signal:
    """``signal`` plus white Gaussian noise ``snr_db`` below it, everywhere (silences too, as on a line).

    The signal's power is measured where it is not silent (a burst, not the silence around it), unless
    ``reference_power`` gives it.
    """
    if reference_power is None:
        active = signal[signal != 0.0]
        reference_power = float(np.mean(active**2)) if len(active) else 0.0
    sigma = np.sqrt(reference_power / 10.0 ** (snr_db / 10.0))
    return signal + rng.normal(0.0, sigma, len(signal))


def pcm16(signal: Signal) -> npt.NDArray[np.int16]:
    """Round and clip to 16-bit samples, as a sound card delivers them."""
    return np.clip(np.rint(signal), -32768, 32767).astype(np.int16)
