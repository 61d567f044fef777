"""The recordings disk: is there room for another call? Pure decisions, and one small function that looks.

Why a margin to start again: a disk hovering at the threshold (a retention run freeing a few files, a log
rotating) would otherwise stop and start recording, and raise and clear the alert, at every check.
Recording stops below ``threshold``; once stopped, it starts again only above ``threshold + margin``.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MB: Final = 1024 * 1024


@dataclass(frozen=True)
class DiskSpace:
    """Space on the file system that holds ``path``, in bytes."""

    path: Path
    total: int
    free: int


@dataclass(frozen=True)
class SpaceCheck:
    """The guard's verdict; ``message`` is for the log and the alert (English)."""

    ok: bool
    free: int
    threshold: int
    message: str


def enough_space(free_bytes: int, threshold_bytes: int) -> bool:
    """Room for recordings: at least ``threshold_bytes`` free (a threshold of 0 turns the guard off)."""
    return threshold_bytes <= 0 or free_bytes >= threshold_bytes


def may_record(free_bytes: int, threshold_bytes: int, *, stopped: bool, margin_bytes: int) -> bool:
    """The guard with hysteresis: a stopped guard needs ``margin_bytes`` more than the threshold to start."""
    return enough_space(
        free_bytes, threshold_bytes + (margin_bytes if stopped and threshold_bytes > 0 else 0)
    )


def free_space(path: Path) -> DiskSpace:
    """``shutil.disk_usage`` of ``path``, or of its nearest existing parent (the dir may not exist yet).

    OSError if even that cannot be read (a vanished mount). Cheap (one ``statvfs``), fine on the loop.
    """
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{probe} is not a directory")
    usage = shutil.disk_usage(probe)
    return DiskSpace(path, usage.total, usage.free)


def check(path: Path, threshold_bytes: int, *, stopped: bool = False, margin_bytes: int = 0) -> SpaceCheck:
    """Look at the disk and decide; an unreadable disk is no room (and says why)."""
    try:
        free = free_space(path).free
    except OSError as exc:
        return SpaceCheck(False, 0, threshold_bytes, f"cannot read the free space of {path}: {exc.strerror}")
    ok = may_record(free, threshold_bytes, stopped=stopped, margin_bytes=margin_bytes)
    needed = threshold_bytes + (margin_bytes if stopped else 0)
    relation = "at least" if ok else "below"
    message = f"{free // MB} MB free in {path}, {relation} the {needed // MB} MB recordings need"
    return SpaceCheck(ok, free, threshold_bytes, message)
