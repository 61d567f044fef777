"""The crash-safe WAV writer and its repair, on real files, read back by Python's ``wave`` and ffprobe."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.recording.wav import (
    HEADER_BYTES,
    WavError,
    WavFormat,
    WavWriter,
    header,
    parse_header,
    read_info,
    repair,
)
from tests.support.media import ffprobe
from tests.support.waiting import wait_until

RATE = 8000
MONO16 = WavFormat(RATE)


def tone(frames: int, seed: int = 0) -> np.ndarray:
    """Speech-like noise (every sample different), reproducible."""
    return np.random.default_rng(seed).integers(-20000, 20000, frames, dtype=np.int16)


def wave_samples(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def record(path: Path, samples: np.ndarray, block: int = 160, **options: float | None) -> WavWriter:
    writer = WavWriter(path, RATE, **options)  # type: ignore[arg-type]
    for start in range(0, len(samples), block):
        writer.write(samples[start : start + block])
    return writer


# --- the writer ---------------------------------------------------------------------------------------------


def test_a_closed_recording_reads_back_sample_for_sample(tmp_path: Path) -> None:
    samples = tone(RATE * 3 + 77)
    path = tmp_path / "call.wav"
    info = record(path, samples).close()
    assert np.array_equal(wave_samples(path), samples)
    assert (info.frames, info.duration_s, info.file_bytes) == (
        len(samples),
        len(samples) / RATE,
        path.stat().st_size,
    )
    probe = ffprobe(path)
    assert (probe["codec_name"], probe["sample_rate"], probe["channels"]) == ("pcm_s16le", "8000", 1)
    assert float(probe["duration"]) == pytest.approx(len(samples) / RATE, abs=1e-3)
    assert read_info(path) == info


def test_the_header_declares_the_audio_about_once_a_second_of_it(tmp_path: Path) -> None:
    """What a killed daemon leaves: the header (and the file) hold every second already handed over."""
    path = tmp_path / "live.wav"
    writer = WavWriter(path, RATE, fsync_every_s=None)
    assert read_info(path).frames == 0 and path.stat().st_size == HEADER_BYTES  # valid from the first byte
    writer.write(tone(RATE - 160))
    assert read_info(path).frames == 0  # still buffered: less than a second
    writer.write(tone(160))
    assert read_info(path).frames == RATE == len(wave_samples(path))
    writer.write(tone(RATE // 2))
    assert read_info(path).frames == RATE
    writer.flush()
    assert read_info(path).frames == RATE * 3 // 2
    writer.close()


def test_write_takes_bytes_or_int16_arrays_in_whole_frames(tmp_path: Path) -> None:
    writer = WavWriter(tmp_path / "a.wav", RATE, channels=2)
    writer.write(b"\x01\x00\x02\x00")
    writer.write(np.array([3, 4], dtype=np.int16))
    with pytest.raises(ValueError, match="not a whole number of 4-byte frames"):
        writer.write(b"\x00\x00")
    with pytest.raises(ValueError, match="must be int16"):
        writer.write(np.array([1.0, 2.0]))
    info = writer.close()
    assert info.frames == 2 and info.format.channels == 2
    with pytest.raises(ValueError, match="write after close"):
        writer.write(b"\x00\x00\x00\x00")


def test_a_recording_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "taken.wav").write_bytes(b"someone else's")
    with pytest.raises(FileExistsError):
        WavWriter(tmp_path / "taken.wav", RATE)
    assert (tmp_path / "taken.wav").read_bytes() == b"someone else's"


async def test_the_periodic_fsync_runs_off_the_loop_and_close_waits_for_it(tmp_path: Path) -> None:
    """``write`` on the loop starts the fsync in the executor; blocks keep coming while it runs."""
    clock = [0.0]
    writer = WavWriter(tmp_path / "f.wav", RATE, fsync_every_s=5.0, monotonic=lambda: clock[0])
    loop_thread = threading.get_ident()
    synced_in: list[bool] = []
    real_sync = writer.sync

    def sync() -> None:
        synced_in.append(threading.get_ident() == loop_thread)
        real_sync()

    writer.sync = sync  # type: ignore[method-assign]
    writer.write(tone(160))
    clock[0] = 5.0
    writer.write(tone(160))  # due: handed to the executor
    writer.write(tone(160))  # not due again while it runs
    await wait_until(lambda: synced_in, what="the sync in the executor")
    info = await asyncio.to_thread(writer.close)
    assert synced_in == [False] and info.frames == 480


# --- repair -------------------------------------------------------------------------------------------------


def test_repair_gives_a_killed_recording_its_last_second_and_the_rest(tmp_path: Path) -> None:
    """A killed writer leaves sizes from its last update and samples after it; repair takes them all."""
    samples = tone(RATE * 2 + 500)
    path = tmp_path / "cut.wav"
    writer = record(path, samples, fsync_every_s=None)
    os.write(writer._fd, writer._buffer)  # the tail the kernel had when the process died (no size update)
    assert read_info(path).frames == 2 * RATE
    info = repair(path)
    assert info.frames == len(samples) and info.fixed == (
        f"data size {2 * RATE * 2} -> {len(samples) * 2} bytes (from the file's length)",
        f"RIFF size {36 + 2 * RATE * 2} -> {36 + len(samples) * 2} bytes",
    )
    assert np.array_equal(wave_samples(path), samples)
    assert float(ffprobe(path)["duration"]) == pytest.approx(len(samples) / RATE, abs=1e-3)
    assert repair(path).fixed == ()  # a valid file is left alone


def test_repair_drops_a_torn_last_frame(tmp_path: Path) -> None:
    path = tmp_path / "torn.wav"
    samples = tone(1000)
    path.write_bytes(header(MONO16) + samples.tobytes() + b"\x7f")
    info = repair(path)
    assert info.fixed[0] == "dropped a torn last frame (1 byte(s))"
    assert path.stat().st_size == HEADER_BYTES + 2000 and np.array_equal(wave_samples(path), samples)


def test_repair_keeps_chunks_after_the_data(tmp_path: Path) -> None:
    """A complete file from another tool (a LIST chunk after the samples) is valid: nothing to fix."""
    path = tmp_path / "tagged.wav"
    samples = tone(400)
    tail = b"LIST" + struct.pack("<I", 10) + b"INFOISFT\x00\x00"
    data = header(MONO16, 800) + samples.tobytes() + tail
    path.write_bytes(data[:4] + struct.pack("<I", len(data) - 8) + data[8:])
    assert (
        repair(path).fixed == ()
        and path.read_bytes() == data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    )
    assert np.array_equal(wave_samples(path), samples)


def test_a_garbled_header_is_rebuilt_only_when_the_format_is_given(tmp_path: Path) -> None:
    path = tmp_path / "garbled.wav"
    samples = tone(RATE)
    path.write_bytes(b"\x00" * HEADER_BYTES + samples.tobytes())  # a power cut: the header's block is zeros
    with pytest.raises(WavError, match=r"garbled\.wav: not a RIFF/WAVE file .*give the recording's format"):
        repair(path)
    info = repair(path, MONO16)
    assert info.fixed[0].startswith("header rebuilt for 8000 Hz, 1 channel(s), 16-bit (not a RIFF/WAVE file")
    assert np.array_equal(wave_samples(path), samples) and info.frames == RATE


def test_an_empty_file_becomes_an_empty_recording(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.touch()
    info = repair(path, MONO16)
    assert info.frames == 0 and path.stat().st_size == HEADER_BYTES and len(wave_samples(path)) == 0
    assert ffprobe(path)["codec_name"] == "pcm_s16le"


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (b"RIFF\x00\x00", "only 6 bytes: shorter than a RIFF header"),
        (b"RIFX\x24\x00\x00\x00WAVE", "not a RIFF/WAVE file"),
        (b"RIFF\x24\x00\x00\x00WAVEdata\x00\x00\x00\x00", "data chunk at byte 12 before any fmt chunk"),
        (header(MONO16)[:36], "no data chunk in the first 36 bytes"),
        (
            header(MONO16)[:20] + b"\x03\x00" + header(MONO16)[22:],
            "format tag 0x0003 at byte 20 is not linear PCM",
        ),
        (header(MONO16)[:32] + b"\x03\x00" + header(MONO16)[34:], "inconsistent fmt chunk at byte 12"),
        (header(MONO16)[:24] + b"\x05\x00\x00\x00" + header(MONO16)[28:], "sample rate 5 Hz is out of range"),
    ],
)
def test_header_errors_say_what_is_wrong_and_where(head: bytes, problem: str) -> None:
    with pytest.raises(WavError, match=problem):
        parse_header(head)


def test_read_info_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not audio but a text of some length")
    with pytest.raises(WavError, match=r"notes\.txt: not a RIFF/WAVE file"):
        read_info(tmp_path / "notes.txt")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames=st.integers(0, 3000),
    block=st.integers(1, 700),
    header_every_s=st.sampled_from([0.01, 0.05, 1.0]),
    closed=st.booleans(),
    cut=st.floats(0, 1),
    seed=st.integers(0, 2**16),
)
def test_truncated_anywhere_repair_keeps_every_whole_frame_before_the_cut(
    frames: int, block: int, header_every_s: float, closed: bool, cut: float, seed: int
) -> None:
    """Whatever the writer got to (closed, or killed with sizes from its last update) and wherever the file
    is cut (inside the header too), repair gives a valid WAV of exactly the whole frames before the cut."""
    samples = tone(frames, seed)
    with tempfile.TemporaryDirectory(prefix="rec-wav-") as directory:
        path = Path(directory) / "r.wav"
        writer = record(path, samples, block, header_every_s=header_every_s, fsync_every_s=None)
        if closed:
            writer.close()
        size = path.stat().st_size
        at = round(cut * size)
        os.truncate(path, at)
        info = repair(path, MONO16)
        kept = max(0, at - HEADER_BYTES) // 2
        assert info.frames == kept and path.stat().st_size == HEADER_BYTES + kept * 2
        assert np.array_equal(wave_samples(path), samples[:kept])
        assert repair(path).fixed == ()
        if not closed:
            os.close(writer._fd)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_the_header_parser_takes_any_bytes_without_crashing(head: bytes) -> None:
    try:
        parsed = parse_header(head)
    except WavError:
        return
    assert parsed.data_offset <= len(head) and parsed.format.block_align >= 1


# --- kill -9 ------------------------------------------------------------------------------------------------

_WRITER_CHILD = """
import sys, numpy as np
from pathlib import Path
from ctid.recording.wav import WavWriter
writer = WavWriter(Path(sys.argv[1]), 8000, header_every_s=0.5, fsync_every_s=None)
samples = np.random.default_rng(7).integers(-20000, 20000, 8000 * 60, dtype=np.int16)
for start in range(0, len(samples), 160):
    writer.write(samples[start : start + 160])
    if (start + 160) % 12000 == 0:
        print(start + 160, flush=True)
"""


def test_kill_9_mid_recording_leaves_a_file_that_repair_makes_whole(tmp_path: Path) -> None:
    path = tmp_path / "killed.wav"
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER_CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdout is not None
    committed = int(child.stdout.readline())  # the child has handed over at least this many frames
    committed = max(committed, int(child.stdout.readline()))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert read_info(path).frames >= committed  # declared when it was handed over
    info = repair(path)
    expected = np.random.default_rng(7).integers(-20000, 20000, 8000 * 60, dtype=np.int16)
    assert info.frames >= committed
    assert np.array_equal(wave_samples(path), expected[: info.frames])
    assert float(ffprobe(path)["duration"]) == pytest.approx(info.duration_s, abs=1e-3)
