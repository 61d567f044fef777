"""VOX (start after the attack, stop after the hang-over, at the first and last loud block), voice level
without ringing voltage, dial tones."""

from __future__ import annotations

import numpy as np
import pytest

from ctid.voicecard.dsp.tap import DIAL_TONE_SHARE
from ctid.voicecard.dsp.tones import dial_tone_share
from ctid.voicecard.dsp.vox import FLOOR_DBFS, Vox, VoxChange, level_dbfs, voice_level_dbfs
from ctid.voicecard.sim_audio import voice_like


def run(vox: Vox, levels: list[float], block_s: float = 0.02) -> list[VoxChange]:
    changes = [vox.feed(level, index * block_s, block_s) for index, level in enumerate(levels)]
    return [change for change in changes if change is not None]


def test_level_of_full_scale_and_quiet_blocks() -> None:
    square = np.array([32767, -32768] * 80, dtype=np.int16)
    assert level_dbfs(square) == pytest.approx(0.0, abs=0.01)
    sine = (3276.8 * np.sin(np.arange(160) * 2 * np.pi / 16)).astype(np.int16)
    assert level_dbfs(sine) == pytest.approx(-23.0, abs=0.1)  # -20 dB of amplitude, -3 dB for a sine
    assert level_dbfs(np.zeros(160, dtype=np.int16)) == FLOOR_DBFS
    assert level_dbfs(np.full(160, 5000, dtype=np.int16)) == FLOOR_DBFS  # a tap's DC offset is not voice
    assert level_dbfs(np.zeros(0, dtype=np.int16)) == FLOOR_DBFS


def test_talk_starts_at_the_first_loud_block_and_stops_after_the_last() -> None:
    vox = Vox(threshold_dbfs=-40, attack_s=0.1, hangover_s=1.0)
    levels = [-60.0] * 10 + [-20.0] * 20 + [-60.0] * 10 + [-25.0] * 5 + [-60.0] * 60
    changes = run(vox, levels)
    assert changes == [VoxChange("start", pytest.approx(0.2)), VoxChange("stop", pytest.approx(0.9))]
    assert not vox.active


def test_pauses_shorter_than_the_hangover_keep_the_call() -> None:
    vox = Vox(threshold_dbfs=-40, attack_s=0.06, hangover_s=2.0)
    levels = ([-30.0] * 50 + [-70.0] * 90) * 5  # 1 s talk, 1.8 s pause
    assert [c.kind for c in run(vox, levels)] == ["start"]
    assert vox.active


def test_a_click_shorter_than_the_attack_is_not_voice() -> None:
    vox = Vox(threshold_dbfs=-40, attack_s=0.1, hangover_s=1.0)
    assert run(vox, [-60.0, -10.0, -10.0, -60.0, -10.0, -60.0] * 20) == []


def test_reset_forgets_a_talk_spurt() -> None:
    vox = Vox(threshold_dbfs=-40, attack_s=0.04, hangover_s=1.0)
    assert [c.kind for c in run(vox, [-20.0] * 5)] == ["start"]
    vox.reset()
    assert not vox.active
    assert vox.feed(-20.0, 10.0) is None  # a new attack is needed


def test_ringing_voltage_and_hum_are_not_voice_but_voices_are() -> None:
    t = np.arange(160) / 8000
    for hz in (25.0, 50.0):
        assert voice_level_dbfs((20000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)) == FLOOR_DBFS
    speech = voice_like(8000, 3.0)
    for index in range(0, len(speech), 160):
        block = speech[index : index + 160]
        assert voice_level_dbfs(block) == level_dbfs(block)


@pytest.mark.parametrize(
    ("tones", "dial_tone"),
    [
        ((450,), True),
        ((425,), True),
        ((350, 440), True),
        ((350, 450), True),
        ((1000,), False),
        ((697, 1209), False),
    ],
)
def test_dial_tones_of_the_world(tones: tuple[int, ...], dial_tone: bool) -> None:
    t = np.arange(160) / 8000
    block = sum(6000 * np.sin(2 * np.pi * hz * t + hz) for hz in tones)
    assert (dial_tone_share(np.asarray(block, dtype=np.int16), 8000) >= DIAL_TONE_SHARE) == dial_tone


def test_voices_and_noise_are_not_dial_tone() -> None:
    speech = voice_like(8000, 5.0)
    shares = [dial_tone_share(speech[i : i + 160], 8000) for i in range(0, len(speech), 160)]
    assert max(shares) < DIAL_TONE_SHARE
    noise = np.random.default_rng(1).normal(0, 3000, 160).astype(np.int16)
    assert dial_tone_share(noise, 8000) < 0.3
    assert dial_tone_share(np.zeros(160, np.int16), 8000) == 0.0
    assert dial_tone_share(np.ones(40, np.int16), 8000) == 0.0
