"""VOX: voice start after the attack, stop after the hang-over, times at the first and last loud block."""

from __future__ import annotations

import numpy as np
import pytest

from ctid.voicecard.dsp.vox import FLOOR_DBFS, Vox, VoxChange, level_dbfs


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
