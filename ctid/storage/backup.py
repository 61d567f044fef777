"""A consistent copy of the SQLite database while the daemon runs: ``ctid db backup``.

Copying the file with ``cp`` while ctid writes gives a torn copy (the newest pages sit in the WAL), and the
``sqlite3`` shell's ``.backup`` needs a package a dealer's box does not have. SQLite's online backup API
copies every page under one read transaction, so the copy is the database as of one moment, writers go on
meanwhile, and the copy has no WAL of its own: one file to keep, one file to restore.

The copy is written beside the destination under a temporary name, checked (``PRAGMA quick_check``),
flushed to disk and only then renamed into place, so a backup cut short by a full disk or a kill never
leaves a file that looks like a good backup.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ctid.core.errors import CtidError


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    seconds: float


DATED = re.compile(r"ctid-\d{8}-\d{6}\.sqlite3")


def backup_path(destination: str | Path, now: datetime) -> Path:
    """A directory gets a dated file name inside it; anything else is the file name itself, in a directory
    that exists. ``DIR/`` (a trailing slash) means a directory: one that is missing is refused rather
    than taken as the file name ``DIR`` (a ``Path`` drops the slash)."""
    path = Path(destination)
    if path.is_dir():
        return path / f"ctid-{now:%Y%m%d-%H%M%S}.sqlite3"
    if str(destination).endswith(("/", os.sep)):
        raise CtidError(f"no directory {destination}: make it first, or give the backup a file name")
    if not path.parent.is_dir():
        raise CtidError(f"no directory {path.parent} to write {path.name} in: make it first")
    return path


def expired(names: Iterable[str], keep: int) -> list[str]:
    """The dated backups beyond the newest ``keep``, oldest first; other files are never touched."""
    dated = sorted(name for name in names if DATED.fullmatch(name))
    return dated[: max(0, len(dated) - keep)]


def backup(source: Path, destination: Path) -> BackupReport:
    """Copy the live database ``source`` to ``destination`` (which must not exist yet)."""
    if not source.is_file():
        raise CtidError(f"no database at {source}")
    if destination.exists():
        raise CtidError(f"{destination} exists: a backup never overwrites a file")
    partial = destination.with_name(f".{destination.name}.partial")
    began = time.monotonic()
    try:
        _copy(source, partial)
        partial.chmod(source.stat().st_mode & 0o777)  # as private as the database: it is the customer file
        _check(partial)
        _flush(partial)
        partial.rename(destination)
        _flush(destination.parent)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise CtidError(f"backup to {destination} failed: {exc}") from exc
    return BackupReport(destination, destination.stat().st_size, time.monotonic() - began)


def _copy(source: Path, target: Path) -> None:
    # read-only: a backup must never create, migrate or checkpoint the database it copies
    live = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=30)
    with closing(live), closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # all pages in one step: one read transaction, one moment
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _check(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        result = connection.execute("PRAGMA quick_check").fetchone()
    if result != ("ok",):
        raise sqlite3.DatabaseError(f"the copy does not check out: {result}")


def _flush(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
