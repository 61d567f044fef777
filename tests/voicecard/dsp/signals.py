"""Test audio for the software voice card: caller-ID frames as exchanges send them, and Debian's minimodem as
an independent modulator (its bits at 8 kHz come ~4.5 % slow, its phase is its own: not our habits)."""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from ctid.voicecard.dsp.modulator import SEIZURE_BYTE, Bits, Signal, caller_id_bits, fsk, silence, uart_bits
from ctid.voicecard.dsp.plans import TonePlan

MINIMODEM_LEVEL = 0.3
"""minimodem writes full scale; a line's caller ID comes some 10 dB lower."""
MINIMODEM_BAUD_8K = 8000 / 7
"""minimodem at 8 kHz makes every bit 7 samples long: 1143 baud, 4.8 % slow."""
MDMF_ZHANG_SAN = bytes.fromhex("802201083033323231343035020B303231363838383132333407095A48414E472053414EF2")
SDMF_NUMBER = bytes.fromhex("04133033323231343035313339313233343536373817")


def frame(kind: int, body: bytes) -> bytes:
    """Type, length, body and the two's-complement checksum."""
    head = bytes([kind, len(body)]) + body
    return head + bytes([-sum(head) % 256])


def param(kind: int, value: bytes) -> bytes:
    return bytes([kind, len(value)]) + value


def random_frame(rng: np.random.Generator) -> bytes:
    """A call-setup frame as Chinese and US exchanges send them: SDMF, or MDMF with date, number, a name."""
    digits = "".join(rng.choice(list("0123456789"), int(rng.integers(7, 13)))).encode()
    fields = ((1, 13), (1, 29), (0, 24), (0, 60))
    when = b"".join(b"%02d" % int(rng.integers(low, high)) for low, high in fields)
    shape = int(rng.integers(0, 3))
    if shape == 0:
        return frame(0x04, when + digits)
    body = param(0x01, when) + param(0x02, digits)
    if shape == 2:
        body += param(0x07, bytes(rng.integers(0x41, 0x5B, int(rng.integers(3, 16))).astype(np.uint8)))
    return frame(0x80, body)


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    """Any valid caller-ID frame: MDMF (call or message waiting) with any parameters, or SDMF."""
    kind = draw(st.sampled_from([0x80, 0x82, 0x04, 0x06]))
    if kind == 0x06:
        return frame(kind, draw(st.sampled_from([b"BBB", b"ooo"])))
    if kind == 0x04:
        when = draw(st.text("0123456789", min_size=8, max_size=8)).encode()
        number = draw(st.text("0123456789", min_size=1, max_size=20) | st.sampled_from(["P", "O"])).encode()
        return frame(kind, when + number)
    parameters = draw(
        st.lists(st.tuples(st.integers(1, 0x13), st.binary(min_size=1, max_size=20)), min_size=1, max_size=6)
    )
    return frame(kind, b"".join(param(k, v) for k, v in parameters))


def minimodem_burst(
    data: Sequence[bytes],
    plan: TonePlan,
    directory: Path,
    *,
    baud_drift: float = 0.0,
    freq_drift: float = 0.0,
) -> Signal:
    """One minimodem transmission of caller-ID bursts back to back (seizure, marks, frame, 40 marks each).

    minimodem sends our bit stream exactly: 8 bits a byte with no start or stop bits of its own
    (``--startbits 0 --stopbits 0``), so the 8N1 framing, seizure and mark run are bits we pack.
    """
    bits = np.concatenate([np.concatenate([caller_id_bits(d), np.ones(40, np.uint8)]) for d in data])
    bits = np.concatenate([bits, np.ones(-len(bits) % 8, np.uint8)])
    out = directory / "minimodem.wav"
    subprocess.run(
        [
            "minimodem", "--tx", "-q", f"{1200 * (1 + baud_drift):.3f}",
            "--startbits", "0", "--stopbits", "0",
            "-M", f"{plan.mark_hz * (1 + freq_drift):.2f}", "-S", f"{plan.space_hz * (1 + freq_drift):.2f}",
            "-R", "8000", "-f", str(out),
        ],
        input=np.packbits(bits, bitorder="little").tobytes(),
        check=True,
        capture_output=True,
    )  # fmt: skip
    return MINIMODEM_LEVEL * read_wav(out)


def minimodem_8n1(data: bytes, plan: TonePlan, directory: Path) -> Signal:
    """One minimodem transmission in its own 8N1 (``-8``): two marks of its own before the first start bit
    and after the last stop bit, the carrier starting at phase 0."""
    return _minimodem_tx(["-8"], data, plan, directory)


def minimodem_bits(bits: Bits, plan: TonePlan, directory: Path) -> Signal:
    """Exactly ``bits`` (padded with marks to whole bytes), no lead: minimodem's first sample is the first
    bit's, at phase 0."""
    bits = np.concatenate([bits, np.ones(-len(bits) % 8, np.uint8)])
    data = np.packbits(bits, bitorder="little").tobytes()
    return _minimodem_tx(["--startbits", "0", "--stopbits", "0"], data, plan, directory)


def _minimodem_tx(framing: list[str], data: bytes, plan: TonePlan, directory: Path) -> Signal:
    out = directory / "minimodem-tx.wav"
    tones = ["-M", f"{plan.mark_hz:.2f}", "-S", f"{plan.space_hz:.2f}", "-R", "8000", "-f", str(out)]
    subprocess.run(
        ["minimodem", "--tx", "-q", "1200", *framing, *tones], input=data, check=True, capture_output=True
    )
    return MINIMODEM_LEVEL * read_wav(out)


def separate_generators_burst(
    data: bytes, plan: TonePlan, directory: Path, rng: np.random.Generator, *, leader: bool = True
) -> Signal:
    """A caller-ID burst whose seizure, mark run and frame come from three generators, as some exchanges
    (and anyone gluing three minimodem runs) send it: each starts at its own phase wherever the one before
    stopped, so the carrier jumps twice, the second time just before the frame.

    The seizure is one minimodem run (30 x 0x55, 8N1), the mark run our modulator at a random phase and
    length (150-180 bits) at minimodem's pace, the frame another minimodem run: in its own 8N1 with its two
    marks of lead (``leader``: the jump two bits before the first start bit), or as our 8N1 bits with none
    (the jump at the first start bit's edge). Every bit is minimodem's 7 samples: 4.8 % slow.
    """
    seizure = minimodem_8n1(bytes([SEIZURE_BYTE]) * 30, plan, directory)
    marks = fsk(
        np.ones(int(rng.integers(150, 181)), np.uint8),
        plan=plan,
        baud=MINIMODEM_BAUD_8K,
        amplitude=MINIMODEM_LEVEL * 32767,
        phase=rng.uniform(0.0, 2.0 * np.pi),
    )
    if leader:
        frame_audio = minimodem_8n1(data, plan, directory)
    else:
        frame_audio = minimodem_bits(uart_bits(data), plan, directory)
    return np.concatenate([seizure, marks, frame_audio])


def read_wav(path: Path) -> Signal:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)


def with_silence(parts: Sequence[Signal], seconds: float = 0.2, rate: int = 8000) -> Signal:
    gap = silence(seconds, rate)
    return np.concatenate([piece for part in parts for piece in (gap, part)] + [gap])


def blocks(samples: npt.NDArray[np.int16], size: int) -> list[npt.NDArray[np.int16]]:
    return [samples[i : i + size] for i in range(0, len(samples), size)]
