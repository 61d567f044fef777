"""A recording's waveform: the loudest sample of each slice of the call, for the player's picture.

Peaks are gathered per 10 ms block while the file is read (bounded memory however long the call), then
folded into as many buckets as the picture has columns. ``PeakMeter`` and ``fold`` are pure; ``read_peaks``
and ``cached_peaks`` read files (a WAV with the standard library, anything else decoded by ffmpeg) and are
meant to run in a thread (``asyncio.to_thread``): an hour of Opus takes ffmpeg a second or more.
"""

from __future__ import annotations

import json
import os
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ctid.errors import N_, Conflict

BLOCK_S = 0.01
BUCKETS = 800
DECODE_RATE = 8000  # Hz: telephone audio has nothing above 4 kHz worth drawing
READ_FRAMES = 65536
FULL_SCALE = 32768.0
CACHE_VERSION = 1

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Peaks:
    """``values[i]``: the loudest sample of the i-th equal slice of the call, 0..1 of full scale."""

    duration_s: float
    values: tuple[float, ...]

    @property
    def loudest(self) -> float:
        return max(self.values, default=0.0)


class PeakMeter:
    """Feed int16 samples in order (any chunk sizes); ask for the peaks at the end."""

    def __init__(self, rate: int, block_s: float = BLOCK_S) -> None:
        if rate <= 0:
            raise ValueError(f"sample rate must be positive, got {rate}")
        self.rate = rate
        self._block = max(1, round(rate * block_s))
        self._blocks: list[npt.NDArray[np.float32]] = []
        self._rest: Samples = np.zeros(0, dtype=np.int16)
        self._count = 0

    def feed(self, samples: Samples) -> None:
        self._count += len(samples)
        data = np.concatenate((self._rest, samples)) if len(self._rest) else samples
        whole = len(data) - len(data) % self._block
        if whole:
            magnitudes = np.abs(data[:whole].astype(np.int32)).reshape(-1, self._block).max(axis=1)
            self._blocks.append((magnitudes / FULL_SCALE).astype(np.float32))
        self._rest = data[whole:].copy()

    def peaks(self, buckets: int = BUCKETS) -> Peaks:
        blocks = list(self._blocks)
        if len(self._rest):
            blocks.append(np.array([np.abs(self._rest.astype(np.int32)).max() / FULL_SCALE], np.float32))
        joined = np.concatenate(blocks) if blocks else np.zeros(0, np.float32)
        return Peaks(self._count / self.rate, fold(joined, buckets))


def fold(blocks: npt.NDArray[np.float32], buckets: int) -> tuple[float, ...]:
    """The largest of each of ``buckets`` equal runs of block peaks (fewer when there are fewer blocks)."""
    if buckets < 1:
        raise ValueError(f"buckets must be 1 or more, got {buckets}")
    if len(blocks) <= buckets:
        return tuple(round(float(v), 4) for v in blocks)
    edges = np.linspace(0, len(blocks), buckets + 1).astype(np.int64)[:-1]
    return tuple(round(float(v), 4) for v in np.maximum.reduceat(blocks, edges))


def samples_peaks(samples: Samples, rate: int, buckets: int = BUCKETS) -> Peaks:
    meter = PeakMeter(rate)
    meter.feed(samples)
    return meter.peaks(buckets)


# --- files (blocking: run in a thread) ---------------------------------------------------------------


def read_peaks(path: Path, buckets: int = BUCKETS) -> Peaks:
    """The peaks of an audio file: 8/16-bit PCM WAV read directly, any other file decoded by ffmpeg."""
    if path.suffix.lower() == ".wav":
        try:
            return _wav_peaks(path, buckets)
        except (wave.Error, EOFError, _Unsupported):
            pass  # a WAV the standard library cannot read (float, extensible header): ffmpeg can
    return _decoded_peaks(path, buckets)


class _Unsupported(Exception):
    pass


def _wav_peaks(path: Path, buckets: int) -> Peaks:
    with wave.open(str(path), "rb") as wav:
        width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
        if width not in (1, 2):
            raise _Unsupported
        meter = PeakMeter(rate)
        while frames := wav.readframes(READ_FRAMES):
            meter.feed(_mono16(frames, width, channels))
    return meter.peaks(buckets)


def _mono16(frames: bytes, width: int, channels: int) -> Samples:
    """WAV frames as int16 samples of the first channel (8-bit WAV is unsigned, centred on 128)."""
    if width == 1:
        samples = ((np.frombuffer(frames, np.uint8).astype(np.int16) - 128) * 256).astype(np.int16)
    else:
        samples = np.frombuffer(frames[: len(frames) - len(frames) % 2], "<i2").astype(np.int16)
    return samples[::channels] if channels > 1 else samples


def _decoded_peaks(path: Path, buckets: int) -> Peaks:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path)]
    command += ["-ac", "1", "-ar", str(DECODE_RATE), "-f", "s16le", "-"]
    meter = PeakMeter(DECODE_RATE)
    # a fixed program with a path from the recordings dir: no shell, nothing a user typed
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:  # noqa: S603
        assert ffmpeg.stdout is not None and ffmpeg.stderr is not None
        carry = b""
        while chunk := ffmpeg.stdout.read(READ_FRAMES * 2):
            data = carry + chunk
            carry = data[len(data) - len(data) % 2 :]
            meter.feed(np.frombuffer(data[: len(data) - len(carry)], "<i2").astype(np.int16))
        problem = ffmpeg.stderr.read().decode(errors="replace").strip()
    if ffmpeg.returncode != 0:
        raise Conflict(
            N_("The audio file %(file)s cannot be read: %(problem)s"),
            file=path.name,
            problem=problem.splitlines()[-1] if problem else f"ffmpeg exit status {ffmpeg.returncode}",
        )
    return meter.peaks(buckets)


def cached_peaks(audio: Path, cache: Path, buckets: int = BUCKETS) -> Peaks:
    """The file's peaks from ``cache`` when it was made from this very file (name, size, time), else
    read afresh and cached (written whole then renamed, so a reader never sees half a cache)."""
    stat = audio.stat()
    stamp = [CACHE_VERSION, audio.name, stat.st_size, stat.st_mtime_ns, buckets]
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept["source"] == stamp:
            return Peaks(float(kept["duration_s"]), tuple(float(v) for v in kept["values"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    peaks = read_peaks(audio, buckets)
    body = {"source": stamp, "duration_s": peaks.duration_s, "values": list(peaks.values)}
    partial = cache.with_name(f".{cache.name}.{os.getpid()}.part")
    try:
        partial.write_text(json.dumps(body, separators=(",", ":")), encoding="utf-8")
        os.replace(partial, cache)
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only or full disk: the picture is still drawn, just not kept
    return peaks
