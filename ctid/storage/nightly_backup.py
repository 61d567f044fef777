"""The nightly copy of the database, so a shop that never thinks of backups still has them.

Shops often switch the box off at night: a box that missed its time (no copy since it was last due) makes
one a few minutes after the next start (the scheduler's catch-up, ``ctid.jobs``), once start-up and the
first calls are past. The record of the last run is the newest copy in the directory itself: a copy deleted
by hand, or a directory moved to a new disk, gets a copy again. After each copy the oldest ones beyond
``[backup] keep`` are deleted. A failed copy is logged and shows in /healthz until one works.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ctid.core.errors import CtidError
from ctid.storage.backup import DATED, backup, backup_path, expired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupOutcome:
    at: datetime
    path: Path | None
    problem: str | None


class NightlyBackup:
    """``run()`` is the job; ``last_copy()`` tells the scheduler whether it missed its time."""

    def __init__(
        self,
        source: Path,
        at: str,
        directory: Path,
        keep: int,
        timezone: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source, self.directory, self.keep = source, directory, keep
        self.at = at  # "HH:MM" on the shop's clock
        self._zone = ZoneInfo(timezone)
        self._clock = clock
        self.last: BackupOutcome | None = None

    async def run(self) -> BackupOutcome:
        now = self._clock()
        try:
            path = await asyncio.to_thread(self._copy, now)
        except (CtidError, OSError) as exc:  # OSError: the directory, or pruning it, failed
            self.last = BackupOutcome(now, None, str(exc))
            log.error("nightly backup failed: %s", exc)
        else:
            self.last = BackupOutcome(now, path, None)
        return self.last

    async def last_copy(self) -> datetime | None:
        """When the newest dated copy in the directory was written (None: none, or no directory)."""
        newest = await asyncio.to_thread(self._newest_on_disk)
        return newest.at if newest else None

    def recall(self) -> None:
        """At start, the last copy is the newest one in the directory: a restart does not make the System
        page and /healthz say "none yet" about a box that was backed up last night."""
        if self.last is None:
            self.last = self._newest_on_disk()

    def _newest_on_disk(self) -> BackupOutcome | None:
        """The newest dated copy, timed by when it was written (its file's time); None if none or no
        directory."""
        try:
            copies = [(p.stat().st_mtime, p) for p in self.directory.iterdir() if DATED.fullmatch(p.name)]
        except OSError:
            return None
        if not copies:
            return None
        mtime, path = max(copies)
        return BackupOutcome(datetime.fromtimestamp(mtime, UTC), path, None)

    def alert(self) -> str | None:
        return self.last.problem if self.last else None

    def _copy(self, now: datetime) -> Path:
        began = time.monotonic()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CtidError(f"cannot make {self.directory}: {exc.strerror}") from exc
        report = backup(self.source, backup_path(self.directory, now.astimezone(self._zone)))
        removed = self._prune()
        log.info(
            "nightly backup: %s, %.1f MB in %.1f s%s",
            report.path,
            report.bytes / 1e6,
            time.monotonic() - began,
            f"; deleted {removed} older copies" if removed else "",
        )
        return report.path

    def _prune(self) -> int:
        """The oldest copies beyond ``keep``, and what a copy cut short (a stop mid-copy) left behind."""
        names = expired((p.name for p in self.directory.iterdir()), self.keep)
        for name in names:
            (self.directory / name).unlink(missing_ok=True)
        for partial in self.directory.glob(".ctid-*.sqlite3.partial"):
            partial.unlink(missing_ok=True)  # one copy at a time: ours was renamed already
        return len(names)
