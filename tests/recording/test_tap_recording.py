"""A whole call on a line tap, through real PyAudio reading an ALSA file PCM: the caller-ID burst rings,
the voice answers, silence hangs up; the recording holds the speech from its first sample (the pre-roll),
and its row says who called, on which line, when and for how long."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from ctid.calls.service import CallLog
from ctid.core.config import AudioLineOptions, LineConfig, RecordingConfig
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.recording import store
from ctid.recording.preroll import PreRoll
from ctid.recording.recorder import Recorder, RecorderParts, RecorderSettings
from ctid.storage.db import Database
from ctid.voicecard.dsp.modulator import caller_id_burst, pcm16, silence
from ctid.voicecard.events import CallEnded
from ctid.voicecard.lines import Lines
from ctid.voicecard.sim_audio import voice_like
from tests.recording.wiring import FixedStaff, plan_of
from tests.support.alsa_rig import AlsaRig
from tests.support.waiting import wait_until
from tests.voicecard.dsp.signals import MDMF_ZHANG_SAN

RATE = 8000
HANGOVER_S = 1.0


@pytest.fixture
async def site(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AlsaRig, Lines, Recorder, list[CallEnded]]]:
    with AlsaRig(tmp_path, monkeypatch) as rig:
        rig.line("linein")
        options = AudioLineOptions(device="linein", vox_hangover_s=HANGOVER_S)
        config = LineConfig("tap", "audio", options=options)
        bus = EventBus()
        normaliser = PhoneNormaliser("CN", "020")
        lines = Lines((config,), bus)
        settings = RecordingConfig(format="wav", min_free_mb=0)
        root = tmp_path / "recordings"
        parts = RecorderParts(db, bus, lines, normaliser)
        where = RecorderSettings(settings, root, "Asia/Shanghai")
        recorder = Recorder(parts, plan_of((config,)), where, FixedStaff([3]))
        call_log = CallLog(db, bus, normaliser)
        ended: list[CallEnded] = []
        bus.subscribe(CallEnded, ended.append)
        for component in (call_log, recorder, lines):
            await component.start()
        try:
            yield rig, lines, recorder, ended
        finally:
            for component in (lines, recorder, call_log):
                await component.stop()


async def test_a_whole_call_on_a_tap_is_recorded_from_its_first_word(
    site: tuple[AlsaRig, Lines, Recorder, list[CallEnded]], db: Database
) -> None:
    rig, lines, recorder, ended = site
    await wait_until(lambda: lines.get("tap").info.status == "up", within_s=10)
    speech = voice_like(RATE, 2.0, seed=3)
    rig.lines["linein"].play(pcm16(np.concatenate([caller_id_burst(MDMF_ZHANG_SAN), silence(0.4), speech])))
    await wait_until(lambda: bool(ended), within_s=15)
    await recorder.settled()

    async with db.connect() as conn:
        [recording] = await store.by_status(conn, ("ready",))
    assert (recording.line, recording.direction, recording.source) == ("tap", "inbound", "audio")
    assert (recording.number, recording.number_e164) == ("02168881234", "+862168881234")
    assert (recording.call_id, recording.operator_id, recording.branch_id) == (ended[0].call_id, 3, 1)
    assert recording.duration_s == pytest.approx(2.0 + HANGOVER_S, abs=0.3)
    assert recording.ended_at is not None and recording.ended_at > recording.started_at

    heard = _samples(recorder.root / recording.path)
    lag, correlation = _best_match(heard, speech)
    assert correlation > 0.99, "the recording holds the speech as played"
    assert lag / RATE < 0.05, "from its first word: the pre-roll kept what came before the answer"


def _samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)


def _best_match(heard: np.ndarray, clip: np.ndarray) -> tuple[int, float]:
    """Where ``clip`` sits in ``heard`` (samples) and the normalised correlation there."""
    clip = clip.astype(np.float64)
    if len(heard) < len(clip):
        heard = np.concatenate([heard, np.zeros(len(clip) - len(heard))])
    scores = np.correlate(heard, clip, "valid")
    lag = int(np.argmax(scores))
    part = heard[lag : lag + len(clip)]
    return lag, float(scores[lag] / (np.linalg.norm(part) * np.linalg.norm(clip) + 1e-9))


def test_the_pre_roll_keeps_the_last_seconds_and_cuts_the_first_block_at_the_start() -> None:
    preroll = PreRoll(RATE, keep_s=1.0)
    blocks = [(np.full(160, i, dtype=np.int16), 10.0 + i * 0.02) for i in range(100)]  # 2 s
    for samples, t in blocks:
        preroll(samples, t)
    kept = preroll.since(0.0)
    assert kept[0][1] == pytest.approx(11.0 - 0.02, abs=0.021) and kept[-1][1] == pytest.approx(11.98)
    first, at = preroll.since(11.505)[0]
    assert at == pytest.approx(11.505, abs=1 / RATE) and len(first) == 160 - 40 and first[0] == 75
    assert preroll.since(13.0) == []
