"""The data dir is the customer file: only the service's account reads it.

The database holds every customer and the users' password hashes, the recordings every call, the backups
all of it again, the logs masked numbers and names. ctid runs with umask 0027, so what it makes is 0640
(files) and 0750 (directories): its own user reads and writes, its group reads, nobody else gets in. SQLite
gives its -wal and -shm the database's mode, ffmpeg and the log's rotation inherit the umask.

What an earlier version made under the usual umask 0022 (0644 files in 0755 directories: any local user
read the password hashes and every customer) is tightened at start, with one warning. A directory is
looked into when it is the root or was open to others: everything made under the new umask is private
already, so a later start lists the roots only and does not stat a year of recordings again. A directory
is tightened after its contents, so a walk cut short leaves it open and the next start looks inside again.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

UMASK = 0o027
OPEN_DIRECTORY = 0o027  # group write, anything for others
OPEN_FILE = 0o137  # owner execute (data is not a program), group write and execute, anything for others


def private_mode(mode: int, is_dir: bool) -> int:
    """``mode`` without what others (and the group's writing) may do: at most 0750 or 0640."""
    return stat.S_IMODE(mode) & ~(OPEN_DIRECTORY if is_dir else OPEN_FILE)


@dataclass
class Tightened:
    files: int = 0
    directories: int = 0
    refused: list[str] = field(default_factory=list)  # "path: why", for what could not be changed


def restrict_umask() -> int:
    """From now on this process makes private files; returns the umask it had."""
    return os.umask(UMASK)


def tighten(roots: Iterable[Path]) -> Tightened:
    """Make the files and directories under each root private (symbolic links are left alone)."""
    done = Tightened()
    for root in roots:
        try:
            mode = root.lstat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            done.refused.append(f"{root}: {exc.strerror}")
            continue
        if stat.S_ISDIR(mode):
            _walk(root, mode, done)
        elif stat.S_ISREG(mode):
            _fix(root, mode, False, done)
    return done


def warn_if_tightened(done: Tightened, where: str) -> None:
    """One line for the whole start, whatever the number of files."""
    if not (done.files or done.directories or done.refused):
        return
    refused = ""
    if done.refused:
        refused = f"; could not change {len(done.refused)}, e.g. {done.refused[0]}"
    log.warning(
        "ctid's files (data dir %s) were readable by other users: made %d files and %d directories private%s",
        where,
        done.files,
        done.directories,
        refused,
    )


def _walk(directory: Path, mode: int, done: Tightened) -> None:
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                _entry(entry, done)
    except OSError as exc:
        done.refused.append(f"{directory}: {exc.strerror}")
    _fix(directory, mode, True, done)


def _entry(entry: os.DirEntry[str], done: Tightened) -> None:
    try:
        if entry.is_symlink():
            return
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError as exc:
        done.refused.append(f"{entry.path}: {exc.strerror}")
        return
    if stat.S_ISDIR(mode):
        if private_mode(mode, True) != stat.S_IMODE(mode):
            _walk(Path(entry.path), mode, done)
    elif stat.S_ISREG(mode):
        _fix(Path(entry.path), mode, False, done)


def _fix(path: Path, mode: int, is_dir: bool, done: Tightened) -> None:
    wanted = private_mode(mode, is_dir)
    if wanted == stat.S_IMODE(mode):
        return
    try:
        path.chmod(wanted)
    except OSError as exc:  # another user's file in the data dir (made by root, say)
        done.refused.append(f"{path}: {exc.strerror}")
        return
    if is_dir:
        done.directories += 1
    else:
        done.files += 1
