"""The sound-card tap: real PyAudio reading ALSA file PCMs fed through FIFOs (``alsa_rig.py``)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.voicecard.audio_in import (
    AudioDeviceError,
    AudioInput,
    BlockClock,
    DeviceInfo,
    _quiet_stderr,
    find_device,
)
from tests.support.alsa_rig import AlsaRig
from tests.support.waiting import wait_until

RATE = 8000


def voice(seconds: float, rate: int = RATE, seed: int = 1) -> np.ndarray:
    """Noise shaped like speech: non-zero, no two blocks alike (a lost or repeated block shows)."""
    return np.random.default_rng(seed).integers(-12000, 12000, int(seconds * rate), dtype=np.int16)


class Heard:
    """What a listener got: blocks, their times, and the thread they came on."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.times: list[float] = []
        self.threads: set[int] = set()

    def __call__(self, samples: np.ndarray, t: float) -> None:
        self.blocks.append(samples)
        self.times.append(t)
        self.threads.add(threading.get_ident())

    @property
    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.int16)

    def find(self, clip: np.ndarray) -> int:
        """Where ``clip`` starts in what was heard (its first 8 samples are unique in noise)."""
        audio = self.audio
        for index in np.flatnonzero(audio == clip[0]):
            if np.array_equal(audio[index : index + 8], clip[:8]):
                return int(index)
        raise AssertionError("the clip was not heard")

    def holds(self, clip: np.ndarray) -> bool:
        """Whether what was heard has reached the end of ``clip`` (to wait for it: the card's blocks come on
        their own clock, after ``played()``)."""
        try:
            start = self.find(clip)
        except AssertionError:
            return False
        return len(self.audio) >= start + len(clip)


def down_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "audio down" in r.getMessage()]


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AlsaRig]:
    with AlsaRig(tmp_path, monkeypatch) as rig:
        yield rig


@pytest.fixture
async def inputs() -> AsyncIterator[Callable[..., AudioInput]]:
    started: list[AudioInput] = []

    def make(*args: object, **kwargs: object) -> AudioInput:
        source = AudioInput(*args, **kwargs)  # type: ignore[arg-type]
        started.append(source)
        return source

    yield make
    for source in started:
        await source.stop()


# --- pure parts ---------------------------------------------------------------------------------------------


def test_the_device_is_found_by_name_exact_first_then_part_of_it() -> None:
    devices = [
        DeviceInfo(0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)", 2),
        DeviceInfo(1, "USB Audio Device: - (hw:1,0)", 1),
        DeviceInfo(2, "usb", 0),  # playback only
        DeviceInfo(3, "default", 32),
    ]
    assert find_device(devices, "usb audio").index == 1
    assert find_device(devices, "USB").index == 1  # the exact "usb" has no inputs
    assert find_device(devices, "default").index == 3
    with pytest.raises(AudioDeviceError) as error:
        find_device(devices, "hw:2,0")
    assert str(error.value) == (
        "no capture device matching 'hw:2,0' (capture devices: 'HDA Intel PCH: ALC3246 Analog (hw:0,0)', "
        "'USB Audio Device: - (hw:1,0)', 'default')"
    )


def test_the_block_clock_counts_samples_and_reanchors_after_a_loss() -> None:
    clock = BlockClock(8000, max_lag_s=1.0)
    assert clock.stamp(160, now=10.02) == pytest.approx(10.0)
    assert clock.stamp(160, now=10.05) == pytest.approx(10.02)  # late wake-up: still the sample clock
    assert clock.stamp(160, now=10.06) == pytest.approx(10.04)
    assert clock.ahead(10.06) == pytest.approx(0.0)
    assert clock.stamp(160, now=12.0) == pytest.approx(11.98) and clock.resyncs == 1  # 1.9 s lost
    assert clock.ahead(11.0) == pytest.approx(1.0)  # a file read faster than real time


@settings(max_examples=200)
@given(st.lists(st.floats(0, 0.9), min_size=1, max_size=60), st.sampled_from([80, 160, 320]))
def test_blocks_read_late_but_within_the_lag_keep_exact_sample_times(
    delays: list[float], frames: int
) -> None:
    clock = BlockClock(8000, max_lag_s=1.0)
    times = [clock.stamp(frames, now=(i + 1) * frames / 8000 + delay) for i, delay in enumerate(delays)]
    assert clock.resyncs == 0
    assert np.allclose(np.diff(times), frames / 8000)


def test_alsa_noise_is_kept_off_stderr_and_everything_else_passes(capfd: pytest.CaptureFixture[str]) -> None:
    with _quiet_stderr():
        os.write(2, b"ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM dmix\n")
        os.write(2, b"a log line from another thread\n")
        os.write(2, b"Cannot connect to server socket err = No such file or directory\n")
    assert capfd.readouterr().err == "a log line from another thread\n"


# --- real PyAudio -------------------------------------------------------------------------------------------


async def test_the_card_is_heard_sample_for_sample_on_the_loop(
    rig: AlsaRig, inputs: Callable[..., AudioInput]
) -> None:
    line = rig.line("linein")
    source = inputs("front", "linein")
    heard = Heard()
    source.listen(heard)
    await source.start()
    await wait_until(lambda: source.status == "up" and len(heard.blocks) > 5, 10)
    assert source.device_name == "linein" and source.last_error == ""
    clip = voice(0.6)
    line.play(clip)
    await line.played()
    await wait_until(lambda: heard.holds(clip), 5)
    start = heard.find(clip)
    assert np.array_equal(heard.audio[start : start + len(clip)], clip)
    assert heard.threads == {threading.get_ident()}  # listeners run on the loop
    assert all(len(block) == 160 for block in heard.blocks)
    assert np.allclose(np.diff(heard.times), 0.02)  # the sample clock
    played_at = line.starts[0][1]
    assert abs(heard.times[0] + start / RATE - played_at) < 0.1  # t is when the sample was on the line
    assert source.dropped == 0


async def test_16_khz(rig: AlsaRig, inputs: Callable[..., AudioInput]) -> None:
    line = rig.line("wideband", rate=16000)
    source = inputs("front", "wide", rate=16000, block_ms=10)
    heard = Heard()
    source.listen(heard)
    await source.start()
    await wait_until(lambda: source.status == "up", 10)
    clip = voice(0.5, 16000)
    line.play(clip)
    await line.played()
    await wait_until(lambda: heard.holds(clip), 5)
    start = heard.find(clip)
    assert np.array_equal(heard.audio[start : start + len(clip)], clip) and len(heard.blocks[0]) == 160
    assert source.rate == 16000


async def test_a_missing_card_is_down_until_it_appears(
    rig: AlsaRig, inputs: Callable[..., AudioInput], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "ctid.voicecard.audio_in")  # the repeats of an error are DEBUG lines
    rig.line("other")
    statuses: list[tuple[str, str]] = []
    source = inputs(
        "front", "linein", retry_min_s=0.05, retry_max_s=0.2, on_status=lambda *s: statuses.append(s)
    )
    await source.start()
    await wait_until(lambda: source.last_error.startswith("no capture"), 10)
    assert source.status == "down"
    assert source.last_error == "no capture device matching 'linein' (capture devices: 'other')"
    await wait_until(lambda: len(down_lines(caplog)) >= 3, 5)  # two retries since: the same error again
    warnings = [r for r in down_lines(caplog) if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    line = rig.line("linein")  # plugged in
    await wait_until(lambda: source.status == "up", 10)
    heard = Heard()
    source.listen(heard)
    clip = voice(0.3)
    line.play(clip)
    await line.played()
    await wait_until(lambda: heard.holds(clip), 5)
    heard.find(clip)
    assert statuses[0][0] == "down" and statuses[-1] == ("up", "reading linein")


async def test_a_card_that_refuses_the_format_is_down_and_retried(
    rig: AlsaRig, inputs: Callable[..., AudioInput]
) -> None:
    rig.add_pcm('pcm.linein { type mulaw slave { pcm "null" format S16_LE } }')  # takes u-law only
    source = inputs("front", "linein", retry_min_s=0.05, retry_max_s=0.1)
    await source.start()
    await wait_until(lambda: source.last_error.startswith("cannot open"), 10)
    assert source.last_error == (
        "cannot open 'linein' at 8000 Hz, mono, 16-bit: [Errno -9994] Sample format not supported"
    )
    rig.remove_pcms()  # the installer fixes the config
    rig.line("linein")
    await wait_until(lambda: source.status == "up", 10)


async def test_a_loop_that_falls_behind_loses_blocks_not_memory(
    rig: AlsaRig, inputs: Callable[..., AudioInput]
) -> None:
    rig.line("linein")
    source = inputs("front", "linein", max_pending_blocks=10)
    heard = Heard()
    source.listen(heard)
    await source.start()
    await wait_until(lambda: len(heard.blocks) > 3, 10)
    time.sleep(1.0)  # noqa: ASYNC251 - the point: the loop is stuck for a second (50 blocks)
    await asyncio.sleep(0)  # one turn of the loop: the blocks that waited are delivered
    got = len(heard.blocks)
    await wait_until(lambda: len(heard.blocks) >= got + 5, 5)  # and new ones after them
    assert 35 <= source.dropped <= 45  # 50 blocks came, 10 waited
    assert len(heard.blocks) > got  # and it goes on
    assert np.allclose(np.diff(heard.times[-5:]), 0.02)


async def test_a_file_faster_than_real_time_is_paced(
    tmp_path: Path, rig: AlsaRig, inputs: Callable[..., AudioInput], caplog: pytest.LogCaptureFixture
) -> None:
    """A regular infile: ALSA gives it as fast as it is read; the tap keeps it to real time."""
    caplog.set_level(logging.INFO, "ctid.voicecard.audio_in")
    clip = voice(1.2)
    (tmp_path / "line.raw").write_bytes(clip.tobytes())
    rig.add_pcm(f'pcm.replay {{ type file slave.pcm "null" file "/dev/null" infile "{tmp_path}/line.raw" }}')
    source = inputs("front", "replay", max_ahead_s=0.3)
    heard = Heard()
    source.listen(heard)
    started = time.monotonic()
    await source.start()
    await wait_until(lambda: len(heard.blocks) * 160 >= len(clip), 10)
    assert time.monotonic() - started > 0.85  # 1.2 s of audio, at most 0.3 s early
    assert np.array_equal(heard.audio[: len(clip)], clip)
    assert "delivers audio faster than real time (a file, not a card?): pacing it" in caplog.text


async def test_stop_ends_the_thread_and_unsubscribe_stops_delivery(
    rig: AlsaRig, inputs: Callable[..., AudioInput]
) -> None:
    rig.line("linein")
    source = inputs("front", "linein")
    heard, other = Heard(), Heard()
    unsubscribe = source.listen(heard)
    source.listen(other)
    await source.start()
    await wait_until(lambda: len(heard.blocks) > 2, 10)
    unsubscribe()
    count = len(heard.blocks)
    await wait_until(lambda: len(other.blocks) > count + 3, 5)  # blocks go to every listener at once
    assert len(heard.blocks) == count and len(other.blocks) > count
    await source.stop()
    assert (source.status, source.last_error) == ("down", "stopped")
    assert not any(thread.name == "audio front" for thread in threading.enumerate())
    await source.start_capture()  # a card has nothing to start or stop
    await source.stop_capture()


def test_wrong_settings_are_refused() -> None:
    with pytest.raises(
        ValueError, match="line front: sample rate 44100 Hz: a tap records at 8000 or 16000 Hz"
    ):
        AudioInput("front", "linein", rate=44100)
