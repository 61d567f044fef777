"""Crash-safe WAV files: an incremental writer, a repair for what a killed daemon left, and a header reader.

Why a writer of its own (not ``wave``): ``wave`` writes the sizes at close, so a killed daemon leaves a file
that says it holds nothing. ``WavWriter`` writes the header at open with zero sizes, appends samples, and
about once a second (of audio) hands the buffered samples to the kernel and rewrites the two size fields:
a ``kill -9`` then leaves a file that every player reads up to its last second. The page cache survives a
killed process; only a power cut needs ``fsync``, which costs milliseconds to seconds on a busy disk.

Why the fsync goes to the loop's executor by itself: ``write`` is called on the event loop for every 20 ms
block and must stay a memory copy (plus two small syscalls once a second), and its callers should not have
to remember the fsync. A writer thread per recording would put a thread hop on every block and a GIL
hand-over 50 times a second per line, for a call that is due once every ``fsync_every_s``. So ``write``
starts ``sync`` in the running loop's default executor when one is due (inline when no loop runs: tests,
tools). ``sync`` holds no lock during the fsync itself, so a block written meanwhile never waits for the
disk; ``close`` (a thread's job: it fsyncs) waits for a running fsync before closing the descriptor.

``repair`` makes any such file valid: sizes from the file's length, a torn last frame dropped, a missing or
garbled header rebuilt when the caller says the format. It reports what it fixed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # arrays come from the audio sources, which load numpy; this module need not
    import numpy as np


log = logging.getLogger(__name__)

HEADER_BYTES: Final = 44
"""RIFF header, a 16-byte PCM ``fmt`` chunk, the ``data`` chunk header: where ``WavWriter`` puts samples."""

MAX_DATA_BYTES: Final = 0xFFFFFFFF - (HEADER_BYTES - 8)
"""The RIFF size field is 32 bits: about 3 days of 8 kHz 16-bit mono, far beyond any call."""

_RIFF_SIZE_AT: Final = 4
_DATA_SIZE_AT: Final = 40
_PCM: Final = 1
_EXTENSIBLE: Final = 0xFFFE
_PCM_GUID_TAIL: Final = bytes.fromhex("000000001000800000aa00389b71")  # PCM subformat GUID after the tag
_HEAD_LIMIT: Final = 1 << 16  # a data chunk further in than this is not from a recorder: refuse to guess


class WavError(ValueError):
    """Not a WAV file we can read or repair; the message names the file and what is wrong."""


@dataclass(frozen=True)
class WavFormat:
    """Linear PCM layout of a recording: what a rebuilt header needs."""

    rate: int
    channels: int = 1
    sample_width: int = 2

    def __post_init__(self) -> None:
        if not 1000 <= self.rate <= 384_000:
            raise ValueError(f"sample rate {self.rate} Hz is out of range (1000-384000)")
        if not 1 <= self.channels <= 8:
            raise ValueError(f"{self.channels} channels: expected 1 to 8")
        if self.sample_width not in (1, 2, 3, 4):
            raise ValueError(f"sample width {self.sample_width} bytes: expected 1, 2, 3 or 4")

    @property
    def block_align(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.channels * self.sample_width


@dataclass(frozen=True)
class WavInfo:
    """A WAV file as its header (after ``repair``: as the file) says; ``fixed`` lists what repair changed."""

    path: Path
    format: WavFormat
    data_offset: int
    data_bytes: int
    file_bytes: int
    fixed: tuple[str, ...] = ()

    @property
    def rate(self) -> int:
        return self.format.rate

    @property
    def frames(self) -> int:
        return self.data_bytes // self.format.block_align

    @property
    def duration_s(self) -> float:
        return self.frames / self.format.rate


@dataclass(frozen=True)
class _Header:
    format: WavFormat
    data_offset: int
    data_bytes: int  # as declared
    riff_bytes: int  # as declared


def header(fmt: WavFormat, data_bytes: int = 0) -> bytes:
    """The 44-byte header of a PCM WAV holding ``data_bytes`` of samples."""
    byte_rate = fmt.rate * fmt.block_align
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        HEADER_BYTES - 8 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        _PCM,
        fmt.channels,
        fmt.rate,
        byte_rate,
        fmt.block_align,
        fmt.sample_width * 8,
        b"data",
        data_bytes,
    )


def parse_header(head: bytes) -> _Header:
    """The format and data chunk of a RIFF/WAVE file from its first bytes; WavError says what is wrong.

    Pure: the caller reads the bytes. Chunks before ``data`` (``fmt``, ``LIST``, ``fact``...) are walked,
    so files from other tools read too; only linear PCM (plain or ``WAVE_FORMAT_EXTENSIBLE``) is accepted.
    """
    if len(head) < 12:
        raise WavError(f"only {len(head)} bytes: shorter than a RIFF header")
    riff, riff_bytes, wave = struct.unpack_from("<4sI4s", head)
    if riff != b"RIFF" or wave != b"WAVE":
        raise WavError(f"not a RIFF/WAVE file (starts with {head[:12]!r})")
    fmt: WavFormat | None = None
    position = 12
    while position + 8 <= len(head):
        chunk, size = struct.unpack_from("<4sI", head, position)
        body = position + 8
        if chunk == b"data":
            if fmt is None:
                raise WavError(f"data chunk at byte {position} before any fmt chunk")
            return _Header(fmt, body, size, riff_bytes)
        if chunk == b"fmt ":
            fmt = _parse_fmt(head[body : body + size], position)
        position = body + size + (size & 1)
    raise WavError(f"no data chunk in the first {min(len(head), position)} bytes")


def _parse_fmt(body: bytes, position: int) -> WavFormat:
    if len(body) < 16:
        raise WavError(f"fmt chunk at byte {position} is cut short ({len(body)} of 16 bytes)")
    tag, channels, rate, _byte_rate, align, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE and len(body) >= 40 and body[26:40] == _PCM_GUID_TAIL:
        tag = struct.unpack_from("<H", body, 24)[0]
    if tag != _PCM:
        raise WavError(f"format tag {tag:#06x} at byte {position + 8} is not linear PCM")
    if bits % 8 or not bits or align != channels * bits // 8:
        raise WavError(
            f"inconsistent fmt chunk at byte {position}: {channels} channels, {bits} bits, align {align}"
        )
    try:
        return WavFormat(rate, channels, bits // 8)
    except ValueError as exc:
        raise WavError(f"fmt chunk at byte {position}: {exc}") from None


def read_info(path: Path) -> WavInfo:
    """What the header of ``path`` says (sizes as declared); WavError if it is not a PCM WAV."""
    with path.open("rb") as file:
        head = file.read(_HEAD_LIMIT)
        size = os.fstat(file.fileno()).st_size
    try:
        parsed = parse_header(head)
    except WavError as exc:
        raise WavError(f"{path}: {exc}") from None
    return WavInfo(path, parsed.format, parsed.data_offset, parsed.data_bytes, size)


# --- the writer ---------------------------------------------------------------------------------------------


class WavWriter:
    """One recording being written; ``write`` on the event loop, ``close`` (and ``sync``) in a thread.

    ``header_every_s``: seconds of audio between size updates (what a killed daemon can lose).
    ``fsync_every_s``: seconds of wall time between fsyncs (what a power cut can lose); None: at close only.
    """

    def __init__(
        self,
        path: Path,
        rate: int,
        *,
        channels: int = 1,
        header_every_s: float = 1.0,
        fsync_every_s: float | None = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.format = WavFormat(rate, channels, 2)
        self._commit_bytes = max(1, round(header_every_s * rate)) * self.format.block_align
        self._fsync_every_s = fsync_every_s
        self._monotonic = monotonic
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o640)
        self._lock = threading.Lock()  # buffer, sizes and the descriptor's life; never held during fsync
        self._idle = threading.Condition(self._lock)  # close waits here for a running fsync
        self._buffer = bytearray()
        self._data_bytes = 0  # written, buffered included
        self._committed = 0  # in the kernel and declared in the header
        self._syncing = 0
        self._dir_synced = False
        self._next_sync = monotonic() + (fsync_every_s or 0.0)
        self._sync_future: asyncio.Future[None] | None = None
        self.closed = False
        try:
            _write_all(self._fd, header(self.format))
        except OSError:
            os.close(self._fd)
            path.unlink(missing_ok=True)
            raise

    @property
    def frames(self) -> int:
        """Frames written so far (buffered ones included)."""
        return self._data_bytes // self.format.block_align

    @property
    def duration_s(self) -> float:
        return self.frames / self.format.rate

    def write(self, samples: bytes | bytearray | memoryview | np.ndarray) -> None:
        """Append whole frames of 16-bit little-endian samples (bytes, or an int16 numpy array).

        A memory copy; once per ``header_every_s`` of audio also one ``write`` of the buffered samples and two
        4-byte ``pwrite``\\ s of the sizes. OSError (disk full) is raised to the caller; the file stays valid.
        """
        data = _as_bytes(samples)
        if len(data) % self.format.block_align:
            raise ValueError(
                f"{len(data)} bytes is not a whole number of {self.format.block_align}-byte frames"
            )
        with self._lock:
            if self.closed:
                raise ValueError(f"{self.path}: write after close")
            if self._data_bytes + len(data) > MAX_DATA_BYTES:
                raise WavError(
                    f"{self.path}: a WAV file cannot hold more than {MAX_DATA_BYTES} bytes of audio"
                )
            self._buffer += data
            self._data_bytes += len(data)
            if len(self._buffer) >= self._commit_bytes:
                self._commit()
        if self._fsync_every_s is not None and self._monotonic() >= self._next_sync:
            self._start_sync()

    def flush(self) -> None:
        """Hand the buffered samples to the kernel and declare them in the header (no fsync)."""
        with self._lock:
            if not self.closed:
                self._commit()

    def sync(self) -> None:
        """Flush and fsync (blocking: run it in a thread); safe alongside ``write`` and ``close``."""
        with self._lock:
            if self.closed:
                return
            self._commit()
            self._syncing += 1
        try:
            os.fsync(self._fd)
            self._sync_dir()
        finally:
            with self._lock:
                self._syncing -= 1
                self._idle.notify_all()

    def close(self) -> WavInfo:
        """Flush, fsync and close (blocking: run it in a thread); returns the finished file's info."""
        with self._lock:
            if not self.closed:
                self.closed = True
                while self._syncing:
                    self._idle.wait()
                try:
                    self._commit_what_fits()
                    os.fsync(self._fd)
                    self._sync_dir()
                finally:
                    os.close(self._fd)
        return WavInfo(self.path, self.format, HEADER_BYTES, self._committed, HEADER_BYTES + self._committed)

    def _commit(self) -> None:
        """Buffer -> kernel, then the sizes: the header never declares bytes the file does not have."""
        if self._buffer:
            end = HEADER_BYTES + self._committed
            try:
                _write_all(self._fd, self._buffer)
            except OSError:  # disk full: take back a partial write, so a retry appends at the right place
                os.ftruncate(self._fd, end)
                os.lseek(self._fd, end, os.SEEK_SET)
                raise
            self._committed += len(self._buffer)
            self._buffer.clear()
            os.pwrite(self._fd, struct.pack("<I", HEADER_BYTES - 8 + self._committed), _RIFF_SIZE_AT)
            os.pwrite(self._fd, struct.pack("<I", self._committed), _DATA_SIZE_AT)

    def _commit_what_fits(self) -> None:
        """The last commit, at close: on a full disk the samples still buffered are dropped (and logged), so
        the file closes valid with what was written and the recording can be finished, not left open."""
        try:
            self._commit()
            return
        except OSError as exc:
            reason = exc.strerror
        lost = len(self._buffer)  # a new buffer: the failed write's view of the old one may still live
        self._data_bytes -= lost
        self._buffer = bytearray()
        log.error("recording %s: the last %d bytes of audio were not written: %s", self.path, lost, reason)

    def _sync_dir(self) -> None:
        """Once: fsync the directory, so the new file's name survives a power cut too."""
        if self._dir_synced:
            return
        directory = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._dir_synced = True

    def _start_sync(self) -> None:
        if self._sync_future is not None and not self._sync_future.done():
            return
        assert self._fsync_every_s is not None
        self._next_sync = self._monotonic() + self._fsync_every_s
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._sync_logged()
            return
        self._sync_future = loop.run_in_executor(None, self._sync_logged)

    def _sync_logged(self) -> None:
        try:
            self.sync()
        except OSError as exc:
            log.error("recording %s: fsync failed: %s", self.path, exc)


def _as_bytes(samples: bytes | bytearray | memoryview | np.ndarray) -> bytes | bytearray | memoryview:
    if not isinstance(samples, bytes | bytearray | memoryview):  # an array
        if samples.dtype.str not in ("<i2", "=i2") and samples.dtype.name != "int16":
            raise ValueError(f"samples must be int16, not {samples.dtype}")
        return samples.astype("<i2", copy=False).tobytes()
    return samples


def _write_all(fd: int, data: bytes | bytearray) -> None:
    """Every byte of ``data``; the views are released even when a write fails, or a traceback kept by
    the caller (the disk-full report) would pin the buffer: a bytearray with a view cannot be resized."""
    with memoryview(data) as whole:
        done = 0
        while done < len(whole):
            with whole[done:] as rest:
                done += os.write(fd, rest)


# --- repair -------------------------------------------------------------------------------------------------


@dataclass
class _Repair:
    path: Path
    fd: int
    file_bytes: int
    fixed: list[str] = field(default_factory=list)


def repair(path: Path, fmt: WavFormat | None = None) -> WavInfo:
    """Make ``path`` a valid WAV holding every whole frame it has; returns its info with what was fixed.

    Sizes come from the file's length (a header declaring less, more or zero is corrected), a torn last frame
    is cut off, and a header that is missing or garbled is rebuilt for ``fmt`` with the samples from byte 44
    (where ``WavWriter`` puts them). A valid file is left alone (``fixed`` empty), trailing chunks included.
    Blocking (reads the head, fsyncs when it changes something): run it in a thread. Raises WavError for a
    garbled header without ``fmt``, OSError for I/O errors.
    """
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        job = _Repair(path, fd, os.fstat(fd).st_size)
        parsed = _header_or_rebuild(job, fmt)
        data_bytes = _fix_sizes(job, parsed)
        if job.fixed:
            os.fsync(fd)
        return WavInfo(path, parsed.format, parsed.data_offset, data_bytes, job.file_bytes, tuple(job.fixed))
    finally:
        os.close(fd)


def _header_or_rebuild(job: _Repair, fmt: WavFormat | None) -> _Header:
    head = os.pread(job.fd, _HEAD_LIMIT, 0)
    try:
        return parse_header(head)
    except WavError as exc:
        if fmt is None:
            raise WavError(f"{job.path}: {exc}; give the recording's format to rebuild the header") from None
        problem = str(exc)
    if job.file_bytes < HEADER_BYTES:
        os.ftruncate(job.fd, 0)
        job.file_bytes = 0
    _write_at(job.fd, header(fmt), 0)
    job.file_bytes = max(job.file_bytes, HEADER_BYTES)
    job.fixed.append(
        f"header rebuilt for {fmt.rate} Hz, {fmt.channels} channel(s), {fmt.sample_width * 8}-bit ({problem})"
    )
    return _Header(fmt, HEADER_BYTES, 0, HEADER_BYTES - 8)


def _fix_sizes(job: _Repair, parsed: _Header) -> int:
    """The data size the file supports; the header and length corrected to it. Returns the data bytes."""
    align = parsed.format.block_align
    available = max(0, job.file_bytes - parsed.data_offset)
    declared = parsed.data_bytes
    if declared <= available and _chunks_follow(job, parsed.data_offset + declared + (declared & 1)):
        data_bytes = declared
    else:
        data_bytes = available - available % align
        if torn := available - data_bytes:
            os.ftruncate(job.fd, parsed.data_offset + data_bytes)
            job.file_bytes = parsed.data_offset + data_bytes
            job.fixed.append(f"dropped a torn last frame ({torn} byte(s))")
        if declared != data_bytes:
            _write_at(job.fd, struct.pack("<I", data_bytes), parsed.data_offset - 4)
            job.fixed.append(f"data size {declared} -> {data_bytes} bytes (from the file's length)")
    riff_bytes = job.file_bytes - 8
    if parsed.riff_bytes != riff_bytes:
        _write_at(job.fd, struct.pack("<I", riff_bytes), _RIFF_SIZE_AT)
        job.fixed.append(f"RIFF size {parsed.riff_bytes} -> {riff_bytes} bytes")
    return data_bytes


def _chunks_follow(job: _Repair, position: int) -> bool:
    """True if the bytes from ``position`` to the end are whole RIFF chunks (or nothing): a complete file.

    Samples written after the last size update never pass for chunks: they would need a printable 4-byte id
    and a size that lands exactly on the end of the file, chunk after chunk.
    """
    while position < job.file_bytes:
        if job.file_bytes - position < 8:
            return False
        chunk, size = struct.unpack("<4sI", os.pread(job.fd, 8, position))
        if not all(0x20 <= byte <= 0x7E for byte in chunk):
            return False
        position += 8 + size + (size & 1)
    return position == job.file_bytes


def _write_at(fd: int, data: bytes, offset: int) -> None:
    if os.pwrite(fd, data, offset) != len(data):
        raise OSError(f"short write at byte {offset}")
