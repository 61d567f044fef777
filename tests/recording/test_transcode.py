"""WAV -> Opus / MP3 with the real ffmpeg: the audio survives, the target appears whole or not at all."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ctid.recording.transcode import (
    EmptyRecording,
    FfmpegMissing,
    TranscodeError,
    transcode,
)
from ctid.recording.wav import WavFormat, WavWriter, header
from tests.support.media import on_small_disk

RATE = 8000
ROOT = Path(__file__).resolve().parents[2]


def speech_like(seconds: float) -> np.ndarray:
    """Voiced-speech stand-in: harmonics of a gliding 120-220 Hz pitch under a syllable envelope."""
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 170 + 50 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 3.1 * t)
    return (voice * envelope * 6000).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    writer = WavWriter(path, RATE)
    writer.write(samples)
    writer.close()
    return path


def decoded(path: Path) -> np.ndarray:
    """The file as ffmpeg decodes it, at 8 kHz mono 16-bit."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-ar", str(RATE), "-ac", "1", "-f", "s16le", "-"],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


def aligned(reference: np.ndarray, other: np.ndarray, max_lag: int = 2000) -> tuple[float, np.ndarray]:
    """``other`` shifted (codec delay, by FFT cross-correlation) to match the middle of ``reference``."""
    middle = reference[max_lag:-max_lag].astype(float)
    size = 1 << (len(other) + len(middle)).bit_length()
    cross = np.fft.irfft(np.fft.rfft(other.astype(float), size) * np.conj(np.fft.rfft(middle, size)), size)
    start = int(np.argmax(cross[: 2 * max_lag + 1]))  # other[start:] lines up with reference[max_lag:]
    shifted = other[start : start + len(middle)].astype(float)
    return correlation(middle, shifted), shifted


def loudness(samples: np.ndarray, frame: int = 160) -> np.ndarray:
    """RMS per 20 ms: what a listener hears as the call's rhythm, whatever a codec did to the phase."""
    usable = len(samples) // frame * frame
    return np.sqrt((samples[:usable].astype(float).reshape(-1, frame) ** 2).mean(axis=1))


@pytest.mark.parametrize(("fmt", "codec"), [("opus", "opus"), ("mp3", "mp3")])
def test_the_converted_call_sounds_like_the_recording(tmp_path: Path, fmt: str, codec: str) -> None:
    samples = speech_like(6)
    source = write_wav(tmp_path / "call.wav", samples)
    result = transcode(source, tmp_path / f"call.{fmt}", fmt, 24)  # type: ignore[arg-type]
    assert result.path == tmp_path / f"call.{fmt}" and result.bytes == result.path.stat().st_size
    assert result.source_duration_s == 6 and result.duration_s == pytest.approx(6, abs=0.3)
    assert result.bytes < source.stat().st_size / 3  # compact: 24 kbps against 128 kbps
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(result.path)],
            capture_output=True,
            check=True,
        ).stdout
    )
    assert [s["codec_name"] for s in probe["streams"]] == [codec]
    waveform, heard = aligned(samples, decoded(result.path))
    assert waveform > 0.75  # a perceptual codec keeps the waveform only roughly (Opus voip: ~0.8)
    assert correlation(loudness(samples[2000:-2000]), loudness(heard)) > 0.98
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["call.wav", f"call.{fmt}"])  # no .part left


def test_an_existing_target_is_replaced_whole(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "call.wav", speech_like(2))
    (tmp_path / "call.mp3").write_bytes(b"an older, broken conversion")
    result = transcode(source, tmp_path / "call.mp3", "mp3", 32)
    assert result.path.read_bytes()[:3] in (b"ID3", b"\xff\xf3", b"\xff\xe3") and result.bitrate_kbps == 32


def test_missing_ffmpeg_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_wav(tmp_path / "call.wav", speech_like(1))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(FfmpegMissing, match=r"ffmpeg not found \(PATH=.*\): install Debian's ffmpeg package"):
        transcode(source, tmp_path / "call.opus", "opus")
    assert not (tmp_path / "call.opus").exists()


def test_an_empty_recording_is_not_converted(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "silent.wav", np.zeros(0, np.int16))
    with pytest.raises(EmptyRecording, match=r"silent\.wav holds no audio: nothing to convert"):
        transcode(source, tmp_path / "silent.opus", "opus")


def test_a_cut_off_recording_must_be_repaired_first(tmp_path: Path) -> None:
    source = tmp_path / "cut.wav"
    source.write_bytes(header(WavFormat(RATE), 16000) + b"\x00" * 400)
    with pytest.raises(TranscodeError, match=r"cut\.wav is shorter than its header says: repair it first"):
        transcode(source, tmp_path / "cut.mp3", "mp3")


@pytest.mark.parametrize(
    ("source_bytes", "message"),
    [
        (None, r"nothing\.wav does not exist"),
        (b"ID3 not a wav at all, really", r"cannot read .*not a RIFF/WAVE"),
    ],
)
def test_a_source_that_is_no_recording_is_named(
    tmp_path: Path, source_bytes: bytes | None, message: str
) -> None:
    source = tmp_path / "nothing.wav"
    if source_bytes is not None:
        source.write_bytes(source_bytes)
    with pytest.raises(TranscodeError, match=message):
        transcode(source, tmp_path / "x.opus", "opus")


def test_wrong_settings_are_refused(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "call.wav", speech_like(1))
    with pytest.raises(ValueError, match=r"unknown recording format 'flac'"):
        transcode(source, tmp_path / "x.flac", "flac")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"bitrate 2 kbps is out of range \(6-320\)"):
        transcode(source, tmp_path / "x.opus", "opus", 2)


_FULL_DISK_CHILD = """
import json, sys
from pathlib import Path
from ctid.recording.transcode import DiskFull, transcode
source, full = Path(sys.argv[1]), Path(sys.argv[2])
try:
    transcode(source, full / "call.mp3", "mp3", 64)
    outcome = "converted"
except DiskFull as exc:
    outcome = str(exc)
print(json.dumps({"outcome": outcome, "left": sorted(p.name for p in full.iterdir())}))
"""


def test_a_full_disk_is_reported_as_such_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """A 48 KiB tmpfs (in a private mount namespace, so no root needed) as the recordings dir."""
    source = write_wav(tmp_path / "call.wav", speech_like(20))  # ~160 KB of MP3 at 64 kbps
    full = tmp_path / "full"
    report = on_small_disk(full, "48k", _FULL_DISK_CHILD, source, full)
    assert report == {"outcome": f"disk full while writing {full / 'call.mp3'}", "left": []}
