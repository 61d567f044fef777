"""The audio line (driver = "audio"): whole calls from a line tap's sound, through the real DSP and machine.

Most tests feed the driver's listener blocks on a simulated clock (a whole call in milliseconds); the last
one reads a real ALSA file PCM through PyAudio (``tests/support/alsa_rig.py``), in real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from ctid.core.config import AudioLineOptions, LineConfig
from ctid.core.events import EventBus
from ctid.voicecard.audio_driver import AudioLineDriver
from ctid.voicecard.audio_in import AudioInput
from ctid.voicecard.audio_source import Listener
from ctid.voicecard.dsp.modulator import caller_id_burst, dtmf, pcm16, silence, with_noise
from ctid.voicecard.dsp.plans import V23
from ctid.voicecard.dsp.tap import TapSettings
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallDialing,
    CallEnded,
    CallIdentified,
    CallMissed,
    CallRinging,
    CallWaiting,
    LineStatusChanged,
)
from ctid.voicecard.line import LineError
from ctid.voicecard.lines import build_driver
from ctid.voicecard.sim_audio import voice_like
from tests.support.alsa_rig import AlsaRig
from tests.support.fakemodem import mdmf
from tests.support.line_events import Recorder
from tests.support.waiting import wait_until
from tests.voicecard.dsp.signals import MDMF_ZHANG_SAN
from tests.voicecard.line_audio import china_call

RATE = 8000
HANGOVER_S = 3.0
RING_TIMEOUT_S = AudioLineOptions().ring_timeout_s  # a tap hears no ringing: 40 s after the burst


class Clock:
    """Monotonic seconds, and the wall clock that goes with them (a driver dates inputs in the past)."""

    def __init__(self) -> None:
        self.now = 5000.0
        self._wall = datetime(2026, 3, 22, 6, 5, tzinfo=UTC)

    def __call__(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self._wall + timedelta(seconds=self.now - 5000.0)


class FakeTap:
    """An ``AudioSource`` that plays what a test gives it, a 20 ms block at a time, on a simulated clock."""

    rate = RATE

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    async def start_capture(self) -> None:
        """A tap always hears."""

    async def stop_capture(self) -> None:
        """A tap always hears."""

    def play(self, audio: np.ndarray) -> None:
        samples = pcm16(audio)
        for index in range(0, len(samples), 160):
            block = samples[index : index + 160]
            t = self.clock.now
            self.clock.now += len(block) / RATE
            for listener in list(self.listeners):
                listener(block, t)


def voice(seconds: float, seed: int = 0) -> np.ndarray:
    return voice_like(RATE, seconds, seed).astype(np.float64)


def dial_tone(seconds: float) -> np.ndarray:
    return 6000 * np.sin(2 * np.pi * 450 * np.arange(int(seconds * RATE)) / RATE)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def line(bus: EventBus, clock: Clock) -> tuple[AudioLineDriver, FakeTap]:
    tap = FakeTap(clock)
    options = AudioLineOptions(device="fake", ring_timeout_s=RING_TIMEOUT_S, vox_hangover_s=HANGOVER_S)
    driver = AudioLineDriver(
        "front", "Front desk", bus, options, source=tap, monotonic=clock, clock=clock.wall
    )
    await driver.start()
    return driver, tap


async def test_inbound_call_with_fsk_caller_id(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    driver, tap = line
    start = tap.clock.now
    tap.play(
        with_noise(
            np.concatenate([silence(1.0), caller_id_burst(MDMF_ZHANG_SAN)]), 30, np.random.default_rng(1)
        )
    )
    identified = recorder.of(CallIdentified)
    assert [e.caller_id.number for e in identified] == ["02168881234"]
    assert identified[0].caller_id.name == "ZHANG SAN" and identified[0].caller_id.format == "mdmf"
    assert driver.info.status == "ringing"
    tap.play(np.concatenate([silence(0.3), voice(5.0), silence(HANGOVER_S + 0.5)]))
    (answered,) = recorder.of(CallAnswered)
    (ended,) = recorder.of(CallEnded)
    assert answered.call_id == ended.call_id == identified[0].call_id
    assert (ended.direction, ended.outcome, ended.reason) == ("inbound", "answered", "hangup")
    burst_s = 0.2 + 450 / 1200  # the ring is dated at the frame, inside the burst
    assert ended.duration_s == pytest.approx(
        5.0 + 0.3 + 0.2 + len(MDMF_ZHANG_SAN) * 10 / 1200 + 0.2 - 0.2, abs=0.3
    )
    assert ended.talk_s == pytest.approx(5.0, abs=0.3)
    assert answered.at < ended.at and recorder.of(CallRinging)[0].at < answered.at
    assert tap.clock.now - start > burst_s
    assert driver.info.status == "up"


async def test_dtmf_caller_id_and_a_missed_call(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    _, tap = line
    tap.play(np.concatenate([dtmf("A13912345678C"), silence(1.0)]))
    (identified,) = recorder.of(CallIdentified)
    assert (identified.caller_id.number, identified.caller_id.format) == ("13912345678", "dtmf")
    tap.play(silence(RING_TIMEOUT_S))
    await recorder.wait_for(CallMissed)  # nobody talks: the ring timeout ends it
    (ended,) = recorder.of(CallEnded)
    assert (ended.outcome, ended.reason) == ("missed", "missed")


async def test_v23_caller_id_then_a_refused_frame_later(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    """The default tone plan is auto: a V.23 exchange works too; a burst with a bad checksum rings without
    caller ID (and says why)."""
    _, tap = line
    tap.play(
        np.concatenate([caller_id_burst(MDMF_ZHANG_SAN, plan=V23), voice(1.5), silence(HANGOVER_S + 0.5)])
    )
    bad = MDMF_ZHANG_SAN[:-1] + b"\xf3"
    tap.play(np.concatenate([caller_id_burst(bad), silence(0.5), voice(1.5), silence(HANGOVER_S + 0.5)]))
    first, second = recorder.of(CallIdentified)
    assert first.caller_id.number == "02168881234"
    assert second.caller_id.number is None and "bad checksum" in (second.caller_id.error or "")
    assert [e.outcome for e in recorder.of(CallEnded)] == ["answered", "answered"]


def heard(kind: str, number: str) -> np.ndarray:
    return dtmf(f"A{number}C") if kind == "dtmf" else caller_id_burst(mdmf(number))


@pytest.mark.parametrize("second", ["13912345678", "02088881234"], ids=["same number", "another number"])
@pytest.mark.parametrize("kind", ["fsk", "dtmf"])
@pytest.mark.parametrize("apart_s", [1.0, 3.0, 6.0])
async def test_back_to_back_calls_on_a_tap_are_each_their_own_call(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder, second: str, kind: str, apart_s: float
) -> None:
    """The next caller's burst while the last call still rings (a tap hears no ringing: it rings for
    ``ring_timeout_s`` after its burst) is the next call, identified at once."""
    _, tap = line
    tap.play(np.concatenate([china_call(heard(kind, "13912345678")), silence(apart_s)]))
    tap.play(np.concatenate([china_call(heard(kind, second), rings=1), silence(RING_TIMEOUT_S)]))
    identified = recorder.of(CallIdentified)
    assert [e.caller_id.number for e in identified] == ["13912345678", second]
    ended = recorder.of(CallEnded)
    assert [e.call_id for e in ended] == [e.call_id for e in identified], "two calls, each ended"
    assert [(e.outcome, e.reason) for e in ended] == [("missed", "caller hung up"), ("missed", "missed")]
    assert ended[0].duration_s == pytest.approx(6.0 + apart_s, abs=0.3), "until the next caller's burst"


async def test_caller_id_heard_during_a_call_on_a_tap_is_call_waiting(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    _, tap = line
    tap.play(np.concatenate([caller_id_burst(mdmf("13912345678")), voice(2.0)]))
    tap.play(
        np.concatenate([caller_id_burst(mdmf("02088881234", "LI SI")), voice(2.0), silence(HANGOVER_S + 0.5)])
    )
    (identified,) = recorder.of(CallIdentified)
    (waiting,) = recorder.of(CallWaiting)
    assert waiting.call_id == identified.call_id
    assert (waiting.caller_id.number, waiting.caller_id.name) == ("02088881234", "LI SI")
    (ended,) = recorder.of(CallEnded)
    assert (ended.call_id, ended.outcome) == (identified.call_id, "answered")


async def test_outbound_call_from_dial_tone_and_digits(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    _, tap = line
    ringback = np.concatenate([dial_tone(1.0), silence(2.0)])
    tap.play(np.concatenate([dial_tone(1.2), dtmf("13912345678"), silence(3.2), ringback, voice(4.0)]))
    (dialing,) = recorder.of(CallDialing)
    (connected,) = recorder.of(CallConnected)
    assert dialing.number == connected.number == "13912345678"
    assert connected.result == "OK"
    assert not recorder.of(CallRinging)
    tap.play(silence(HANGOVER_S + 0.5))
    (ended,) = recorder.of(CallEnded)
    assert (ended.direction, ended.outcome, ended.reason) == ("outbound", "connected", "hangup")
    assert ended.talk_s == pytest.approx(0.14 + 3.2 + 3.0 + 4.0, abs=0.3)  # from the last digit


async def test_voice_without_caller_id_is_an_inbound_call(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    _, tap = line
    tap.play(np.concatenate([silence(0.5), voice(3.0), silence(HANGOVER_S + 0.5)]))
    (identified,) = recorder.of(CallIdentified)
    assert not identified.caller_id.identifies
    (answered,) = recorder.of(CallAnswered)
    (ended,) = recorder.of(CallEnded)
    assert ended.outcome == "answered" and ended.talk_s == pytest.approx(3.0, abs=0.3)
    assert answered.at == identified.at  # answered when the voice began, though known a second later


async def test_ringing_voltage_and_silence_are_no_call(
    line: tuple[AudioLineDriver, FakeTap], recorder: Recorder
) -> None:
    _, tap = line
    ring = 20000 * np.sin(2 * np.pi * 25 * np.arange(RATE) / RATE)  # 25 Hz through the tap: 1 s on, 4 off
    tap.play(np.concatenate([ring, silence(4.0), ring, silence(4.0)]))
    tap.play(with_noise(silence(5.0), 0, np.random.default_rng(2), reference_power=30.0**2))
    assert not [e for e in recorder.events if not isinstance(e, LineStatusChanged)]


async def test_a_tap_cannot_dial_or_hang_up(line: tuple[AudioLineDriver, FakeTap]) -> None:
    driver, _ = line
    with pytest.raises(LineError, match="line tap"):
        await driver.dial("10086")
    with pytest.raises(LineError, match="line tap"):
        await driver.hangup()
    assert driver.audio is not None and driver.audio.rate == RATE


async def test_a_missing_sound_card_takes_the_line_down(
    bus: EventBus, recorder: Recorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with AlsaRig(tmp_path, monkeypatch):
        driver = AudioLineDriver("back", "", bus, AudioLineOptions(device="no-such-card"))
        await driver.start()
        try:
            await wait_until(lambda: "no capture device" in driver.info.last_error, within_s=10)
            assert driver.info.status == "down"
            assert "no capture device matching 'no-such-card'" in driver.info.last_error
            (status,) = recorder.of(LineStatusChanged)
            assert (status.status, status.detail) == ("down", "opening no-such-card")
        finally:
            await driver.stop()


async def test_a_call_through_a_real_sound_card(
    bus: EventBus, recorder: Recorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyAudio reading an ALSA file PCM: caller ID, answer, talk, hang-up, in real time (~4 s)."""
    with AlsaRig(tmp_path, monkeypatch) as rig:
        line_in = rig.line("linein")
        options = AudioLineOptions(device="linein", vox_hangover_s=1.0)
        driver = AudioLineDriver("tap", "", bus, options, settings=TapSettings(hangover_s=1.0))
        assert isinstance(driver.audio, AudioInput)
        await driver.start()
        try:
            await recorder.wait_for(LineStatusChanged, lambda e: e.status == "up", within_s=10)
            line_in.play(pcm16(np.concatenate([caller_id_burst(MDMF_ZHANG_SAN), silence(0.4), voice(1.5)])))
            identified = await recorder.wait_for(CallIdentified, within_s=10)
            assert identified.caller_id.number == "02168881234"
            ended = await recorder.wait_for(CallEnded, within_s=10)
            assert (ended.outcome, ended.reason) == ("answered", "hangup")
            assert ended.talk_s == pytest.approx(1.5, abs=0.3)
            await asyncio.sleep(0)  # one turn of the loop, not a wait: the end's callbacks run
        finally:
            await driver.stop()


def test_an_audio_line_in_the_config_builds_this_driver(bus: EventBus) -> None:
    config = LineConfig(
        "tap", "audio", options=AudioLineOptions(device="linein", rate=16000, tone_plan="v23")
    )
    driver = build_driver(config, bus)
    assert isinstance(driver, AudioLineDriver) and driver.driver == "audio"
    assert isinstance(driver.audio, AudioInput) and driver.audio.rate == 16000
