"""A recording's waveform: the loudest sample of each slice of the call, for the player's picture.

Peaks are gathered per 10 ms block while the file is read (bounded memory however long the call), then
folded into as many buckets as the picture has columns. ``PeakMeter`` and ``fold`` are pure; ``read_peaks``,
``cached_peaks`` and ``keep_peaks`` read and write files (a WAV with the standard library, anything else
decoded by ffmpeg) and run in a thread (``asyncio.to_thread``): an hour of WAV takes 0.07 s, an hour of
Opus ~5 s (ffmpeg's decoding), so the peaks are cached next to the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ctid.core.errors import N_, Conflict

BLOCK_S = 0.01
BUCKETS = 800
READ_BLOCKS = 400  # blocks per read: 4 s of audio
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

    @property
    def block(self) -> int:
        """Samples per block: feeding whole multiples of it saves a copy per chunk."""
        return self._block

    def feed(self, samples: Samples) -> None:
        self._count += len(samples)
        data = np.concatenate((self._rest, samples)) if len(self._rest) else samples
        whole = len(data) - len(data) % self._block
        if whole:
            rows = data[:whole].reshape(-1, self._block)
            # max and -min per block on int16, widened only per block (|-32768| does not fit int16)
            loudest = np.maximum(rows.max(axis=1).astype(np.int32), -rows.min(axis=1).astype(np.int32))
            self._blocks.append((loudest / FULL_SCALE).astype(np.float32))
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
            with wave.open(str(path), "rb") as wav:
                return _wav_peaks(wav, buckets)
        except (wave.Error, EOFError, _Unsupported):
            pass  # a WAV the standard library cannot read (float, extensible header): ffmpeg can
    return _decoded_peaks(path, buckets)


class _Unsupported(Exception):
    pass


def _wav_peaks(wav: wave.Wave_read, buckets: int) -> Peaks:
    width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
    if width not in (1, 2):
        raise _Unsupported
    meter = PeakMeter(rate)
    chunk = meter.block * READ_BLOCKS
    while frames := wav.readframes(chunk):
        meter.feed(_mono16(frames, width, channels))
    return meter.peaks(buckets)


def _mono16(frames: bytes, width: int, channels: int) -> Samples:
    """WAV frames as int16 samples of the first channel (8-bit WAV is unsigned, centred on 128)."""
    if width == 1:
        samples = ((np.frombuffer(frames, np.uint8).astype(np.int16) - 128) * 256).astype(np.int16)
    else:
        samples = np.frombuffer(frames[: len(frames) - len(frames) % 2], "<i2")
    return samples[::channels] if channels > 1 else samples


def _decoded_peaks(path: Path, buckets: int) -> Peaks:
    """ffmpeg decodes to a WAV stream at the file's own rate: resampling (Opus is 48 kHz) cost more than
    the decoding itself, and the peaks do not need it."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-c:a", "pcm_s16le"]
    command += ["-f", "wav", "-"]
    with tempfile.TemporaryFile() as errors:  # not a pipe: a chatty ffmpeg must never block on it
        # a fixed program with a path from the recordings dir: no shell, nothing a user typed
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors) as ffmpeg:  # noqa: S603
            assert ffmpeg.stdout is not None
            try:
                with wave.open(ffmpeg.stdout, "rb") as wav:
                    peaks: Peaks | None = _wav_peaks(wav, buckets)
            except (wave.Error, EOFError, _Unsupported):
                peaks = None
            ffmpeg.stdout.close()
        errors.seek(0)
        problem = errors.read(4096).decode(errors="replace").strip()
    if ffmpeg.returncode != 0 or peaks is None:
        raise Conflict(
            N_("The audio file %(file)s cannot be read: %(problem)s"),
            file=path.name,
            problem=problem.splitlines()[-1] if problem else f"ffmpeg exit status {ffmpeg.returncode}",
        )
    return peaks


def cached_peaks(audio: Path, cache: Path, buckets: int = BUCKETS) -> Peaks:
    """The file's peaks from ``cache`` when it was made from this very file (name, size, time), else
    read afresh and cached."""
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept["source"] == _stamp(audio, buckets):
            return Peaks(float(kept["duration_s"]), tuple(float(v) for v in kept["values"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    peaks = read_peaks(audio, buckets)
    keep_peaks(peaks, audio, cache, buckets)
    return peaks


def keep_peaks(peaks: Peaks, audio: Path, cache: Path, buckets: int = BUCKETS) -> None:
    """Cache ``peaks`` as those of ``audio``: for the finisher, which can take them from the WAV (0.07 s an
    hour) before it transcodes, where decoding an hour of Opus again takes ffmpeg seconds. Written whole
    then renamed, so a reader never sees half a cache; a full or read-only disk only loses the cache."""
    body = {"source": _stamp(audio, buckets), "duration_s": peaks.duration_s, "values": list(peaks.values)}
    partial = cache.with_name(f".{cache.name}.{os.getpid()}.part")
    try:
        partial.write_text(json.dumps(body, separators=(",", ":")), encoding="utf-8")
        os.replace(partial, cache)
    except OSError:
        partial.unlink(missing_ok=True)


def _stamp(audio: Path, buckets: int) -> list[object]:
    stat = audio.stat()
    return [CACHE_VERSION, audio.name, stat.st_size, stat.st_mtime_ns, buckets]
