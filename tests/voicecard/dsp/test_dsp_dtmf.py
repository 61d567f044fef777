"""DTMF digits and DTMF caller ID from audio: level, twist, drift, noise, timing limits, talk-off."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.voicecard.dsp.decoder import AudioCallerIdDecoder, HeardCallerId, HeardDigit
from ctid.voicecard.dsp.dtmf import DtmfDetector
from ctid.voicecard.dsp.modulator import DTMF_KEYS, dtmf, pcm16, silence, with_noise
from tests.voicecard.dsp.signals import blocks

ALL_KEYS = "".join(DTMF_KEYS)


def detected(audio: np.ndarray, rate: int = 8000, block: int = 160) -> str:
    detector = DtmfDetector(rate)
    return "".join(d.digit for chunk in blocks(pcm16(audio), block) for d in detector.feed(chunk))


@pytest.mark.parametrize("rate", [8000, 16000])
def test_every_key_at_any_cut_into_blocks(rate: int) -> None:
    audio = np.concatenate([silence(0.1, rate), dtmf(ALL_KEYS, rate=rate), silence(0.1, rate)])
    for block in (1, 50, 160, 4096):
        assert detected(audio, rate, block) == ALL_KEYS


def test_digit_times_are_where_each_tone_begins() -> None:
    audio = np.concatenate([silence(0.25), dtmf("159", tone_s=0.06, pause_s=0.09)])
    digits = DtmfDetector().feed(pcm16(audio))
    assert [d.digit for d in digits] == list("159")
    for index, digit in enumerate(digits):
        assert digit.time_s == pytest.approx(0.25 + index * 0.15, abs=0.013)  # one block


@pytest.mark.parametrize(
    ("tone_s", "pause_s", "expected"),
    [
        (0.04, 0.04, "1234"),  # the shortest the standards ask a receiver to take
        (0.015, 0.05, ""),  # too short to be a digit (speech, clicks)
        (0.06, 0.008, "1234"),  # a break shorter than a block joins nothing: digits differ
    ],
)
def test_timing_limits(tone_s: float, pause_s: float, expected: str) -> None:
    assert detected(np.concatenate([silence(0.1), dtmf("1234", tone_s=tone_s, pause_s=pause_s)])) == expected


def test_a_held_key_is_one_digit_and_a_pressed_twice_key_is_two() -> None:
    held = dtmf("5", tone_s=0.8)
    twice = dtmf("55", tone_s=0.06, pause_s=0.05)
    assert detected(np.concatenate([silence(0.1), held, silence(0.2), twice])) == "555"


@pytest.mark.parametrize(
    ("twist_db", "found"),
    [(0.0, True), (5.0, True), (-7.0, True), (9.0, False), (-10.0, False)],
)
def test_twist_limits(twist_db: float, found: bool) -> None:
    audio = np.concatenate([silence(0.1), dtmf("9", twist_db=twist_db, tone_s=0.1), silence(0.1)])
    assert detected(audio) == ("9" if found else "")


def test_too_quiet_is_not_a_digit() -> None:
    audio = np.concatenate([silence(0.1), dtmf("7", amplitude=10.0, tone_s=0.1), silence(0.1)])
    assert detected(audio) == ""


def test_single_tones_chords_and_noise_are_not_digits() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(8000) / 8000
    single = 8000 * np.sin(2 * np.pi * 770 * t)  # one DTMF tone alone
    two_rows = 5000 * (np.sin(2 * np.pi * 697 * t) + np.sin(2 * np.pi * 852 * t))
    dial_tone = 8000 * np.sin(2 * np.pi * 450 * t)  # China's dial and busy tone
    vowel = sum(3000 / k * np.sin(2 * np.pi * 140 * k * t) for k in range(1, 25))  # a voice's harmonics
    noise = rng.normal(0, 4000, 80000)
    assert detected(np.concatenate([single, two_rows, dial_tone, vowel, noise])) == ""


@pytest.mark.parametrize("tone_s", [0.05, 0.07])
def test_caller_id_sequences_at_10_db_with_drift_and_twist_decode_99_percent(tone_s: float) -> None:
    """200 DTMF caller IDs of every shape, each at its own level, +-1.5 % tone drift (what the standards
    ask receivers to take), +-4 dB twist, and white noise 10 dB below, streamed in 20 ms blocks."""
    rng = np.random.default_rng(int(tone_s * 1000))
    sent, parts = [], []
    for index in range(200):
        number = "".join(rng.choice(list("0123456789"), int(rng.integers(5, 13))))
        shape = (
            ["A{}C", "D{}C", "A{}#"][index % 3]
            if index % 10
            else ["B00", "B10", "D1#", "D3#"][index // 10 % 4]
        )
        sent.append(shape.format(number))
        level = rng.uniform(1000, 8000)
        sequence = dtmf(
            sent[-1], tone_s=tone_s, pause_s=tone_s, amplitude=level,
            twist_db=rng.uniform(-4, 4), freq_drift=rng.uniform(-0.015, 0.015),
        )  # fmt: skip
        parts.append(with_noise(np.concatenate([sequence, silence(1.1)]), 10, rng, reference_power=level**2))
    decoder = AudioCallerIdDecoder(plan="bell202")
    heard = [h for chunk in blocks(pcm16(np.concatenate(parts)), 160) for h in decoder.feed(chunk)]
    heard += decoder.flush()
    got = collections.Counter(h.raw for h in heard if isinstance(h, HeardCallerId))
    assert sum((collections.Counter(sent) & got).values()) >= 198
    assert not [h for h in heard if isinstance(h, HeardDigit)]  # no stray digits either


@settings(max_examples=40, deadline=None)
@given(
    digits=st.text(ALL_KEYS, min_size=1, max_size=12),
    tone_ms=st.integers(45, 120),
    pause_ms=st.integers(45, 120),
    level=st.floats(500, 12000),
    twist_db=st.floats(-6, 4),
    drift=st.floats(-0.015, 0.015),
    block=st.integers(1, 800),
)
def test_any_digit_string_round_trips(
    digits: str, tone_ms: int, pause_ms: int, level: float, twist_db: float, drift: float, block: int
) -> None:
    audio = np.concatenate(
        [
            silence(0.05),
            dtmf(
                digits, tone_s=tone_ms / 1000, pause_s=pause_ms / 1000, amplitude=level,
                twist_db=twist_db, freq_drift=drift,
            ),
        ]
    )  # fmt: skip
    assert detected(audio, block=block) == digits
