"""FSK caller ID through the audio path: our modulator and Debian's minimodem, noise, drift, both plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.voicecard.callerid import decode_frame
from ctid.voicecard.dsp.decoder import AudioCallerIdDecoder, HeardCallerId, RejectedFrame
from ctid.voicecard.dsp.fsk import FskDemodulator
from ctid.voicecard.dsp.modulator import (
    Signal,
    caller_id_bits,
    caller_id_burst,
    fsk,
    pcm16,
    silence,
    uart_bits,
    with_noise,
)
from ctid.voicecard.dsp.plans import BELL202, PLANS, V23, TonePlan
from tests.voicecard.dsp.signals import (
    MDMF_ZHANG_SAN,
    SDMF_NUMBER,
    blocks,
    frames,
    minimodem_8n1,
    minimodem_bits,
    minimodem_burst,
    random_frame,
    separate_generators_burst,
    with_silence,
)

PLAN_NAMES = sorted(PLANS)


def decoded(samples: np.ndarray, rate: int = 8000, plan: str = "auto") -> list[bytes]:
    """The frames whose caller ID was accepted, in order."""
    decoder = AudioCallerIdDecoder(rate, plan)
    heard = decoder.feed(samples) + decoder.flush()
    return [bytes.fromhex(h.raw) for h in heard if isinstance(h, HeardCallerId)]


@pytest.mark.parametrize("rate", [8000, 16000, 11025])
@pytest.mark.parametrize("plan", [BELL202, V23], ids=lambda p: p.name)
def test_public_vectors_round_trip(rate: int, plan: TonePlan) -> None:
    audio = with_silence(
        [caller_id_burst(f, rate=rate, plan=plan) for f in (MDMF_ZHANG_SAN, SDMF_NUMBER)], rate=rate
    )
    assert decoded(pcm16(audio), rate, plan.name) == [MDMF_ZHANG_SAN, SDMF_NUMBER]
    assert decoded(pcm16(audio), rate, "auto") == [MDMF_ZHANG_SAN, SDMF_NUMBER]


@pytest.mark.parametrize("plan", [BELL202, V23], ids=lambda p: p.name)
def test_our_modulator_at_10_db_with_drift_decodes_99_percent(plan: TonePlan) -> None:
    """200 frames, each at its own baud and tone drift within +-2 % and white noise 10 dB below the burst."""
    rng = np.random.default_rng(202)
    sent = [random_frame(rng) for _ in range(200)]
    bursts = [
        caller_id_burst(
            f, plan=plan, baud_drift=rng.uniform(-0.02, 0.02), freq_drift=rng.uniform(-0.02, 0.02),
            lead_s=rng.uniform(0.1, 0.3),
        )
        for f in sent
    ]  # fmt: skip
    audio = pcm16(with_noise(np.concatenate(bursts), 10, rng, reference_power=8000.0**2 / 2))
    got = decoded(audio, plan=plan.name)
    assert sum(f in got for f in sent) >= 198
    assert set(got) <= set(sent)  # nothing else: no frame made of noise


@pytest.mark.parametrize("plan", [BELL202, V23], ids=lambda p: p.name)
def test_minimodem_at_10_db_with_drift_decodes_99_percent(plan: TonePlan, tmp_path: Path) -> None:
    """200 frames from Debian's minimodem: 20 transmissions at their own drift within +-2 % (on top of
    minimodem's own 4.5 % slow bits at 8 kHz), 10 bursts each, with noise 10 dB below."""
    rng = np.random.default_rng(23)
    sent, parts = [], []
    for _ in range(20):
        batch = [random_frame(rng) for _ in range(10)]
        sent += batch
        drift = {"baud_drift": rng.uniform(-0.02, 0.02), "freq_drift": rng.uniform(-0.02, 0.02)}
        parts.append(minimodem_burst(batch, plan, tmp_path, **drift))
    audio = with_silence(parts)
    got = decoded(pcm16(with_noise(audio, 10, rng)), plan=plan.name)
    assert sum(f in got for f in sent) >= 198
    assert set(got) <= set(sent)


SEPARATE_GENERATOR_FRAMES = 100


@pytest.fixture(scope="module", params=[BELL202, V23], ids=lambda p: p.name)
def separate_generators(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[TonePlan, list[bytes], Signal]:
    """100 bursts whose seizure, mark run and frame come from three generators (two minimodem runs and our
    modulator at a random phase), every bit 4.8 % slow: every other frame led by minimodem's two marks
    (the carrier jumps two bits before it), the others not (it jumps at the first start bit)."""
    plan: TonePlan = request.param
    rng = np.random.default_rng(14)
    sent = [random_frame(rng) for _ in range(SEPARATE_GENERATOR_FRAMES)]
    directory = tmp_path_factory.mktemp(f"minimodem-{plan.name}")
    bursts = [
        separate_generators_burst(data, plan, directory, rng, leader=index % 2 == 0)
        for index, data in enumerate(sent)
    ]
    return plan, sent, with_silence(bursts, 0.5)


@pytest.mark.parametrize(
    ("snr", "least"), [(None, 100), (20.0, 100), (10.0, 98)], ids=["clean", "20dB", "10dB"]
)
def test_a_phase_jump_before_the_frame_costs_no_frame(
    separate_generators: tuple[TonePlan, list[bytes], Signal], snr: float | None, least: int
) -> None:
    """A change of generator between the mark run and the frame. Before, of these 100 frames Bell 202 kept
    81 and V.23 80 in clean audio, 82 at 10 dB: those whose carrier jumped two bits before them by about
    half a turn were lost. Measured since, over 600 frames a plan: none lost in clean audio or at 20 dB,
    at most 4 at 10 dB (the threshold allows 2 in 100)."""
    plan, sent, audio = separate_generators
    if snr is not None:
        audio = with_noise(audio, snr, np.random.default_rng(int(snr)))
    for choice in (plan.name, "auto"):
        got = decoded(pcm16(audio), plan=choice)
        assert sum(data in got for data in sent) >= least, choice
        assert set(got) <= set(sent)


@pytest.mark.parametrize("plan", [BELL202, V23], ids=lambda p: p.name)
@pytest.mark.parametrize("mark_bytes", [21, 22, 23])
def test_three_minimodem_runs_as_the_report_made_them(
    plan: TonePlan, mark_bytes: int, tmp_path: Path
) -> None:
    """Seizure, marks and frame each a minimodem run of its own (each starts at phase 0, so the jump before
    the frame is the same for every burst). Before: with 176 or 184 marks V.23 lost every frame and Bell
    202 none; with 168 both lost every one."""
    rng = np.random.default_rng(mark_bytes)
    sent = [random_frame(rng) for _ in range(10)]
    seizure = minimodem_8n1(bytes([0x55]) * 30, plan, tmp_path)
    marks = minimodem_bits(np.ones(8 * mark_bytes, np.uint8), plan, tmp_path)
    audio = with_silence(
        [np.concatenate([seizure, marks, minimodem_8n1(data, plan, tmp_path)]) for data in sent]
    )
    assert decoded(pcm16(audio), plan=plan.name) == sent


def test_a_bad_checksum_is_rejected_through_the_audio() -> None:
    bad = MDMF_ZHANG_SAN[:-1] + b"\xf3"
    decoder = AudioCallerIdDecoder()
    heard = decoder.feed(pcm16(with_silence([caller_id_burst(bad)])))
    assert [type(h) for h in heard] == [RejectedFrame]
    assert "bad checksum" in heard[0].error and heard[0].raw == bad.hex().upper()


def test_a_frame_cut_short_yields_nothing() -> None:
    burst = caller_id_burst(MDMF_ZHANG_SAN, trail_s=0.0)
    assert decoded(pcm16(burst[: len(burst) - 200])) == []


@pytest.mark.parametrize("size", [1, 7, 160, 1000, 4096])
def test_any_cut_into_blocks_gives_the_same_frames_at_the_same_samples(size: int) -> None:
    rng = np.random.default_rng(size)
    sent = [random_frame(rng) for _ in range(3)]
    audio = pcm16(with_noise(with_silence([caller_id_burst(f) for f in sent]), 15, rng))
    if size == 1:
        audio = audio[: 8000 * 2]
        sent = sent[:1]
    whole = FskDemodulator().feed(audio)
    demodulator = FskDemodulator()
    streamed = [f for block in blocks(audio, size) for f in demodulator.feed(block)]
    assert [(f.data, f.start, f.end) for f in streamed] == [(f.data, f.start, f.end) for f in whole]
    assert [f.data for f in whole] == sent


@pytest.mark.parametrize("size", [1, 7, 160, 1000])
def test_any_cut_gives_the_same_frames_when_a_dip_reads_as_a_frame(size: int) -> None:
    """A phase jump a bit before the frame whose dip reads as a frame (its "type byte" lands on the real
    one's first bits and frames, the checksum fails): the reading from the real first edge is the one
    reported, whichever blocks the audio came in (the choice waits until both readings can be made)."""
    frame = bytes.fromhex("820301010079")
    before = fsk(caller_id_bits(b"", seizure_bytes=14, mark_bits=20), phase=3.0)
    after = fsk(np.concatenate([np.ones(1, np.uint8), uart_bits(frame), np.ones(2, np.uint8)]), phase=2.0)
    audio = pcm16(np.concatenate([silence(0.1), before, after, silence(0.1)]) * 300 / 8000)
    whole = FskDemodulator().feed(audio)
    demodulator = FskDemodulator()
    streamed = [f for block in blocks(audio, size) for f in demodulator.feed(block)]
    assert [(f.data, f.start, f.end) for f in streamed] == [(f.data, f.start, f.end) for f in whole]
    assert [f.data for f in whole] == [frame]


def test_frame_times_are_where_the_frame_begins() -> None:
    lead_s = 0.5
    (frame,) = FskDemodulator().feed(pcm16(caller_id_burst(SDMF_NUMBER, lead_s=lead_s)))
    first_bit_s = lead_s + (30 * 10 + 150) / 1200
    assert frame.time_s == pytest.approx(first_bit_s, abs=0.5 / 1200)
    assert (frame.end - frame.start) / 8000 == pytest.approx(len(SDMF_NUMBER) * 10 / 1200, abs=1 / 1200)


def test_frames_separated_by_idle_marks_between_bytes() -> None:
    """GR-30 lets an exchange pause (send marks) between bytes: each byte re-synchronises on its start bit."""
    bits = caller_id_bits(b"")
    for i, byte in enumerate(MDMF_ZHANG_SAN):
        bits = np.concatenate([bits, np.ones(i % 7, np.uint8), uart_bits(bytes([byte]))])
    audio = np.concatenate([silence(0.1), fsk(np.concatenate([bits, np.ones(20, np.uint8)])), silence(0.1)])
    assert decoded(pcm16(audio)) == [MDMF_ZHANG_SAN]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=frames(),
    plan=st.sampled_from(PLAN_NAMES),
    rate=st.sampled_from([8000, 16000]),
    baud_drift=st.floats(-0.02, 0.02),
    freq_drift=st.floats(-0.02, 0.02),
    amplitude=st.floats(300, 30000),
    seizure=st.integers(0, 30),
    marks=st.integers(20, 180),
)
def test_any_valid_frame_round_trips(
    frame: bytes,
    plan: str,
    rate: int,
    baud_drift: float,
    freq_drift: float,
    amplitude: float,
    seizure: int,
    marks: int,
) -> None:
    audio = caller_id_burst(
        frame, rate=rate, plan=PLANS[plan], baud_drift=baud_drift, freq_drift=freq_drift, amplitude=amplitude,
        seizure_bytes=seizure, mark_bits=marks,
    )  # fmt: skip
    decoder = AudioCallerIdDecoder(rate, plan)
    (heard,) = decoder.feed(pcm16(audio))
    assert isinstance(heard, HeardCallerId) and heard.raw == frame.hex().upper()
    assert heard.caller_id == decode_frame(frame)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frame=frames(),
    plan=st.sampled_from(PLAN_NAMES),
    rate=st.sampled_from([8000, 16000]),
    baud_drift=st.floats(-0.05, 0.02),
    freq_drift=st.floats(-0.02, 0.02),
    amplitude=st.floats(300, 30000),
    seizure=st.integers(0, 30),
    marks=st.integers(20, 180),
    lead=st.integers(0, 3),
    phases=st.tuples(st.floats(0, 2 * np.pi), st.floats(0, 2 * np.pi)),
    size=st.integers(40, 4000),
)
def test_a_phase_jump_anywhere_before_the_frame_never_costs_it(
    frame: bytes,
    plan: str,
    rate: int,
    baud_drift: float,
    freq_drift: float,
    amplitude: float,
    seizure: int,
    marks: int,
    lead: int,
    phases: tuple[float, float],
    size: int,
) -> None:
    """Seizure and marks from one generator, the frame (after ``lead`` marks of its own) from another at
    any phase, from senders up to 5 % slow, the audio in blocks of any size. Before, 174 of 1000 such
    bursts were lost."""
    tone = {"rate": rate, "plan": PLANS[plan], "baud_drift": baud_drift, "freq_drift": freq_drift}
    before = fsk(caller_id_bits(b"", seizure_bytes=seizure, mark_bits=marks), phase=phases[0], **tone)
    after = fsk(
        np.concatenate([np.ones(lead, np.uint8), uart_bits(frame), np.ones(2, np.uint8)]),
        phase=phases[1],
        **tone,
    )
    audio = amplitude / 8000.0 * np.concatenate([silence(0.1, rate), before, after, silence(0.1, rate)])
    decoder = AudioCallerIdDecoder(rate, plan)
    (heard,) = [h for block in blocks(pcm16(audio), size) for h in decoder.feed(block)] + decoder.flush()
    assert isinstance(heard, HeardCallerId) and heard.raw == frame.hex().upper()


@settings(max_examples=40, deadline=None)
@given(samples=st.binary(max_size=20000), size=st.integers(1, 5000))
def test_garbage_never_raises_and_yields_no_caller_id(samples: bytes, size: int) -> None:
    audio = np.frombuffer(samples[: len(samples) // 2 * 2], dtype="<i2")
    decoder = AudioCallerIdDecoder()
    heard = [h for block in blocks(audio, size) for h in decoder.feed(block)] + decoder.flush()
    assert not [h for h in heard if isinstance(h, HeardCallerId)]


@pytest.mark.parametrize("sigma", [30.0, 3000.0, 20000.0])
def test_two_minutes_of_noise_yield_nothing(sigma: float) -> None:
    """A bogus frame would need a message type, a length, every start and stop bit and the checksum."""
    rng = np.random.default_rng(int(sigma))
    decoder = AudioCallerIdDecoder()
    assert decoder.feed(pcm16(rng.normal(0.0, sigma, 8000 * 120))) + decoder.flush() == []
