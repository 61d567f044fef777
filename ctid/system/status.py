"""The daemon's own health in one report, for the System page: what a supervisor checks when something is off.

/healthz answers monitors in a word and says nothing private; this report is for logged-in supervisors
and admins, so it says why: the database's write problem, the recordings' alert, the last backup's error,
free space, and the warnings and errors the log has had lately (phone numbers there are already masked).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ctid import __version__
from ctid.core.logs import log_file
from ctid.storage.db import Database, sqlite_file
from ctid.storage.nightly_backup import NightlyBackup

LOG_TAIL_BYTES = 256 * 1024  # enough for the last screenful of problems, cheap to read on every view
LOG_PROBLEMS = 20


@dataclass(frozen=True)
class DiskSpace:
    path: Path
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class BackupState:
    at: str  # "HH:MM", or "" when nightly copies are off
    directory: Path | None
    last_at: datetime | None
    last_path: Path | None
    problem: str | None
    pg_dump: bool = False
    """The database is PostgreSQL: ctid copies nothing, the server's own backups (pg_dump) are the copy."""


@dataclass(frozen=True)
class StatusReport:
    version: str
    uptime_s: float
    database_ok: bool
    database_problem: str | None
    database_bytes: int | None
    disks: tuple[DiskSpace, ...]
    recording_alert: str | None
    backup: BackupState
    log_problems: tuple[str, ...]


class SystemStatus:
    def __init__(
        self,
        db: Database,
        database_url: str,
        data_dir: Path,
        recordings: Path,
        recording_alert: Callable[[], str | None],
        backup: NightlyBackup | None,
        started_monotonic: float,
    ) -> None:
        self._db, self._file = db, sqlite_file(database_url)
        self._data_dir, self._recordings = data_dir, recordings
        self._recording_alert, self._backup = recording_alert, backup
        self._started = started_monotonic

    async def report(self) -> StatusReport:
        database_ok = await self._db.ping()
        size, disks, problems = await asyncio.to_thread(self._from_disk)
        if size is None and database_ok:
            size = await self._db.size_bytes()
        return StatusReport(
            version=__version__,
            uptime_s=time.monotonic() - self._started,
            database_ok=database_ok,
            database_problem=self._db.write_problem,
            database_bytes=size,
            disks=disks,
            recording_alert=self._recording_alert(),
            backup=self._backup_state(),
            log_problems=problems,
        )

    def _backup_state(self) -> BackupState:
        backup = self._backup
        if backup is None:
            return BackupState("", None, None, None, None, pg_dump=self._db.backend == "postgresql")
        last = backup.last
        return BackupState(
            backup.at,
            backup.directory,
            last.at if last else None,
            last.path if last else None,
            last.problem if last else None,
        )

    def _from_disk(self) -> tuple[int | None, tuple[DiskSpace, ...], tuple[str, ...]]:
        size = None
        if self._file is not None:
            with contextlib.suppress(OSError):
                size = self._file.stat().st_size
                wal = self._file.with_name(self._file.name + "-wal")  # the newest pages live here a while
                size += wal.stat().st_size if wal.exists() else 0
        return size, self._disks(), log_problems(log_file(self._data_dir))

    def _disks(self) -> tuple[DiskSpace, ...]:
        places = [self._data_dir, self._recordings]
        if self._backup is not None:
            places.append(self._backup.directory)
        seen: dict[int, DiskSpace] = {}
        for place in places:
            try:
                usage, device = shutil.disk_usage(place), place.stat().st_dev
            except OSError:
                continue  # not made yet (no recording, no backup so far)
            seen.setdefault(device, DiskSpace(place, usage.free, usage.total))
        return tuple(seen.values())


def log_problems(path: Path) -> tuple[str, ...]:
    """The newest WARNING and ERROR lines of the log file, newest first."""
    try:
        with path.open("rb") as file:
            file.seek(max(0, file.seek(0, 2) - LOG_TAIL_BYTES))
            tail = file.read().decode("utf-8", "replace")
    except OSError:
        return ()
    found = [line for line in tail.splitlines() if " WARNING " in line or " ERROR " in line]
    return tuple(reversed(found[-LOG_PROBLEMS:]))
