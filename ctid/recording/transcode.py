"""A finished WAV recording -> Opus (Ogg) or MP3 by ffmpeg: verified, atomic, errors an admin can act on.

Blocking (an ffmpeg child and an ffprobe check): callers run ``transcode`` in a thread.

pydub supplies the ffmpeg and ffprobe it was configured with (``AudioSegment.converter``, ``get_prober_name``)
and reads the result back (``mediainfo_json``). The encoding itself runs ffmpeg on the WAV file directly
rather than through ``AudioSegment.export``: pydub 0.25 loads the whole recording into memory, writes it again
to a temporary WAV in /tmp, has ffmpeg write into a second temporary file and copies that to the target, and
leaves both temporary files behind when ffmpeg fails. On a disk that is filling up that is three times the
writes and litter exactly when it hurts. Here ffmpeg reads the recording where it is and writes a ``.part``
file next to the target, which is checked (its duration against the WAV's), fsynced and renamed into place:
the target is either absent or a complete, verified file. ffmpeg runs on one thread at a lower priority
(``niceness``), so conversions never take the CPU from the loop or from recordings in progress.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, get_args

from ctid.recording.wav import WavError, read_info

Format = Literal["opus", "mp3"]
FORMATS: Final[tuple[Format, ...]] = get_args(Format)
SUFFIXES: Final[dict[Format, str]] = {"opus": ".opus", "mp3": ".mp3"}

_ENCODER_OPTIONS: Final[dict[Format, tuple[str, ...]]] = {
    "opus": ("-c:a", "libopus", "-application", "voip", "-f", "opus"),  # Ogg Opus tuned for speech
    "mp3": ("-c:a", "libmp3lame", "-f", "mp3"),
}
_BITRATES_KBPS: Final = range(6, 321)
_DISK_FULL: Final = ("No space left on device", "Disk quota exceeded")


class TranscodeError(Exception):
    """The recording could not be converted; the message names the file and the reason."""


class FfmpegMissing(TranscodeError):
    """ffmpeg (or ffprobe) is not installed where pydub looks for it."""


class DiskFull(TranscodeError):
    """The target's disk ran out of space; nothing was left behind."""


class EmptyRecording(TranscodeError):
    """A recording without a single sample: there is nothing to convert (keep the WAV)."""


@dataclass(frozen=True)
class Transcoded:
    """The converted file and what the check found."""

    path: Path
    format: Format
    bitrate_kbps: int
    bytes: int
    duration_s: float
    source_duration_s: float
    seconds: float  # wall time the conversion took


def transcode(
    source: Path,
    target: Path,
    format: Format,
    bitrate_kbps: int = 24,
    *,
    niceness: int = 10,
    timeout_s: float | None = None,
) -> Transcoded:
    """Convert the WAV ``source`` to ``target`` (replaced if it exists); raises TranscodeError and kin.

    ``timeout_s`` (default: a minute plus the recording's length / 20) stops a hung ffmpeg.
    """
    started = time.monotonic()
    if format not in FORMATS:
        raise ValueError(f"unknown recording format {format!r}; expected one of {FORMATS}")
    if bitrate_kbps not in _BITRATES_KBPS:
        raise ValueError(f"bitrate {bitrate_kbps} kbps is out of range (6-320)")
    ffmpeg = _tools()
    wanted = _source_duration(source)
    part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        _encode(ffmpeg, source, part, format, bitrate_kbps, niceness, timeout_s or 60 + wanted / 20)
        duration = _check(part, source, wanted)
        _commit(part, target)
    except DiskFull:
        raise DiskFull(f"disk full while writing {target}") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(f"disk full while writing {target}") from None
        raise TranscodeError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        part.unlink(missing_ok=True)
    return Transcoded(
        target, format, bitrate_kbps, target.stat().st_size, duration, wanted, time.monotonic() - started
    )


def _tools() -> str:
    """pydub's ffmpeg as a path; FfmpegMissing if it or ffprobe (the check) is not there."""
    from pydub import AudioSegment  # imported when the first recording is converted, not at start-up
    from pydub.utils import get_prober_name

    ffmpeg = _which(AudioSegment.converter)
    _which(get_prober_name())  # asked only now: pydub warns when it finds no ffprobe
    return ffmpeg


def _which(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FfmpegMissing(
            f"{name} not found (PATH={os.environ.get('PATH', '')}): install Debian's ffmpeg package"
        )
    return path


def _source_duration(source: Path) -> float:
    try:
        info = read_info(source)
    except FileNotFoundError:
        raise TranscodeError(f"{source} does not exist") from None
    except (WavError, OSError) as exc:
        raise TranscodeError(f"cannot read {source}: {exc}") from None
    if info.data_bytes + info.data_offset > info.file_bytes:
        raise TranscodeError(f"{source} is shorter than its header says: repair it first")
    if info.frames == 0:
        raise EmptyRecording(f"{source} holds no audio: nothing to convert")
    return info.duration_s


def _encode(
    ffmpeg: str, source: Path, part: Path, format: Format, bitrate_kbps: int, niceness: int, timeout_s: float
) -> None:
    command = [
        ffmpeg,
        *("-nostdin", "-hide_banner", "-loglevel", "error", "-xerror", "-threads", "1"),
        *("-i", str(source), "-vn", "-map_metadata", "-1"),
        *_ENCODER_OPTIONS[format],
        *("-b:a", f"{bitrate_kbps}k", str(part)),
    ]
    with subprocess.Popen(  # noqa: S603 - ffmpeg found on PATH by pydub, arguments are ours
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as child:
        if niceness:
            _lower_priority(child.pid, niceness)
        try:
            _, stderr = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise TranscodeError(f"ffmpeg took longer than {timeout_s:.0f} s to convert {source}") from None
    message = stderr.decode(errors="replace").strip()
    if any(
        marker in message for marker in _DISK_FULL
    ):  # ffmpeg 5.1 exits 0 when its trailer fails without -xerror
        raise DiskFull(message)  # transcode() names the target
    if child.returncode != 0:
        last = message.splitlines()[-1] if message else f"exit status {child.returncode}"
        raise TranscodeError(f"ffmpeg could not convert {source} to {format}: {last}")


def _lower_priority(pid: int, niceness: int) -> None:
    with contextlib.suppress(OSError):  # it has already exited, or we may not: it still converts
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


def _check(part: Path, source: Path, wanted: float) -> float:
    """The converted file's duration; TranscodeError unless it is the source's (encoder padding allowed)."""
    try:
        from pydub.utils import mediainfo_json

        info: dict[str, Any] = mediainfo_json(str(part))
        duration = float(info["format"]["duration"])
    except (KeyError, ValueError, TypeError, OSError) as exc:
        raise TranscodeError(f"the converted {source.name} cannot be read back ({exc!r})") from None
    if abs(duration - wanted) > 0.3 + wanted * 0.01:
        raise TranscodeError(
            f"the converted {source.name} lasts {duration:.2f} s, the recording {wanted:.2f} s"
        )
    return duration


def _commit(part: Path, target: Path) -> None:
    """fsync, rename over the target, fsync the directory: the target is whole or absent after a crash."""
    fd = os.open(part, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(part, target)
    directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
