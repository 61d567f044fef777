"""The audio caller-ID decoder: FSK and DTMF over one stream, both tone plans, digits outside caller ID."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ctid.voicecard.dsp.decoder import (
    AudioCallerIdDecoder,
    DtmfCallerIdAssembler,
    Heard,
    HeardCallerId,
    HeardDigit,
    RejectedFrame,
)
from ctid.voicecard.dsp.dtmf import DtmfDigit
from ctid.voicecard.dsp.modulator import caller_id_burst, dtmf, pcm16, silence, with_noise
from ctid.voicecard.dsp.plans import BELL202, V23, TonePlan
from tests.voicecard.dsp.signals import MDMF_ZHANG_SAN, SDMF_NUMBER, blocks, separate_generators_burst


def stream(audio: np.ndarray, plan: str = "auto") -> list[Heard]:
    decoder = AudioCallerIdDecoder(plan=plan)
    return [h for chunk in blocks(pcm16(audio), 160) for h in decoder.feed(chunk)] + decoder.flush()


def test_a_line_s_worth_of_caller_id_and_dialling_in_order() -> None:
    bad = MDMF_ZHANG_SAN[:-1] + b"\xf3"
    audio = np.concatenate(
        [
            caller_id_burst(MDMF_ZHANG_SAN),
            dtmf("A13912345678C"),
            silence(0.5),
            caller_id_burst(bad, plan=V23),
            dtmf("5551234"),
            silence(1.2),
            dtmf("B10"),
            silence(1.5),
            dtmf("D1#"),
        ]
    )
    heard = stream(with_noise(audio, 15, np.random.default_rng(1)))
    assert isinstance(first := heard[0], HeardCallerId)
    assert (first.format, first.caller_id.number, first.caller_id.name) == (
        "fsk-mdmf",
        "02168881234",
        "ZHANG SAN",
    )
    assert first.time_s == 0.2 + 450 / 1200
    assert isinstance(second := heard[1], HeardCallerId)
    assert (second.format, second.caller_id.number, second.raw) == ("dtmf", "13912345678", "A13912345678C")
    assert isinstance(heard[2], RejectedFrame) and "bad checksum" in heard[2].error
    assert "".join(h.digit for h in heard if isinstance(h, HeardDigit)) == "5551234"
    reasons = [(h.raw, h.caller_id.reason) for h in heard[10:] if isinstance(h, HeardCallerId)]
    assert reasons == [("B10", "private"), ("D1#", "private")]
    assert len(heard) == 12
    assert [h.time_s for h in heard] == sorted(h.time_s for h in heard)


def test_auto_reports_a_burst_once_though_both_plans_read_it() -> None:
    audio = np.concatenate([caller_id_burst(MDMF_ZHANG_SAN, plan=V23), silence(0.3)])
    heard = stream(audio, "auto")
    assert len(heard) == 1 and isinstance(heard[0], HeardCallerId)


@pytest.mark.parametrize("plan", [BELL202, V23], ids=lambda p: p.name)
@pytest.mark.parametrize("gap_s", [0.3, 1.0, 3.0])
def test_calls_back_to_back_are_a_frame_each(plan: TonePlan, gap_s: float, tmp_path: Path) -> None:
    """A caller hangs up after the first ring and rings again, then the next caller rings: three caller-ID
    bursts ``gap_s`` apart in one stream (line noise 20 dB below, the sound card's 20 ms blocks) are three
    frames, in order, each dated inside its own burst, the same frame twice included. The bursts are as
    minimodem makes them (seizure, marks and frame from separate generators, 4.8 % slow): before, a
    burst whose carrier jumped badly before its frame was lost, and with it a call."""
    rng = np.random.default_rng(round(gap_s * 10))
    sent = [MDMF_ZHANG_SAN, MDMF_ZHANG_SAN, SDMF_NUMBER]
    parts, spans, at = [silence(0.5)], [], 0.5
    for data in sent:
        burst = separate_generators_burst(data, plan, tmp_path, rng)
        spans.append((at, at + len(burst) / 8000))
        parts += [burst, silence(gap_s)]
        at = spans[-1][1] + gap_s
    heard = stream(with_noise(np.concatenate(parts), 20, rng))
    assert [h.raw for h in heard if isinstance(h, HeardCallerId)] == [data.hex().upper() for data in sent]
    assert len(heard) == 3
    assert all(start < h.time_s < end for h, (start, end) in zip(heard, spans, strict=True))


def test_a_dtmf_sequence_that_is_not_caller_id_is_digits() -> None:
    assembler = DtmfCallerIdAssembler(gap_s=1.0)
    heard = [h for i, key in enumerate("A1") for h in assembler.feed(DtmfDigit(key, i * 0.1))]
    assert heard == []
    heard = assembler.tick(5.0)  # "A1": a caller-ID number has two digits or more
    assert heard == [HeardDigit("A", 0.0), HeardDigit("1", 0.1)]


def test_dtmf_caller_id_without_its_end_is_decoded_after_the_gap() -> None:
    assembler = DtmfCallerIdAssembler(gap_s=1.0)
    for index, key in enumerate("B00"):
        assert assembler.feed(DtmfDigit(key, index * 0.1)) == []
    assert assembler.tick(0.9) == []
    (heard,) = assembler.tick(1.3)
    assert isinstance(heard, HeardCallerId) and heard.caller_id.reason == "unavailable"
    assert heard.time_s == 0.0


def test_a_bad_dtmf_reason_code_falls_back_to_digits() -> None:
    assembler = DtmfCallerIdAssembler()
    heard = [h for i, key in enumerate("B77C") for h in assembler.feed(DtmfDigit(key, i * 0.1))]
    assert [(h.digit, h.time_s) for h in heard if isinstance(h, HeardDigit)] == [
        ("B", 0.0),
        ("7", 0.1),
        ("7", 0.2),
        ("C", 0.30000000000000004),
    ]
