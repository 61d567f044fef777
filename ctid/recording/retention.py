"""The retention policy: recordings older than their branch's limit are deleted, each deletion audited.

``[recording] retention_days`` applies to every branch without its own ``branch_retention_days`` entry;
0 keeps recordings forever. The row stays (status ``deleted``, ``deleted_at``), so the call log and the
access log still say a recording existed and when it went; the file and its waveform are removed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.config import RecordingConfig
from ctid.recording import store
from ctid.recording.files import remove
from ctid.recording.models import Recording
from ctid.storage.db import Database

log = logging.getLogger(__name__)
BATCH = 500


def limits(settings: RecordingConfig, branches: dict[str, int]) -> tuple[dict[int, int], int]:
    """Per-branch days by branch id (for branches that exist) and the default days (0: keep forever)."""
    own = {branches[code]: days for code, days in settings.branch_days.items() if code in branches}
    return own, settings.retention_days


async def apply_retention(
    db: Database, root: Path, settings: RecordingConfig, branches: dict[str, int], now: datetime
) -> int:
    """Delete what is past its branch's limit; returns how many recordings were deleted."""
    own, default = limits(settings, branches)
    deleted = 0
    for branch_id, days in own.items():
        if days:
            deleted += await _delete_before(db, root, now - timedelta(days=days), [branch_id], [], now)
    if default:
        deleted += await _delete_before(db, root, now - timedelta(days=default), None, list(own), now)
    if deleted:
        log.info("retention: deleted %d recording(s)", deleted)
    return deleted


async def _delete_before(
    db: Database,
    root: Path,
    before: datetime,
    branch_ids: list[int] | None,
    exclude: list[int],
    now: datetime,
) -> int:
    deleted = 0
    while True:
        async with db.connect() as conn:
            batch = await store.expired(conn, before, branch_ids, exclude, BATCH)
        for recording in batch:
            await _delete(db, root, recording, now)
        deleted += len(batch)
        if len(batch) < BATCH:
            return deleted


async def _delete(db: Database, root: Path, recording: Recording, now: datetime) -> None:
    await asyncio.to_thread(remove, root / recording.path)
    actor = Actor.system("retention")
    started = recording.started_at.isoformat()
    before = {"path": recording.path, "started_at": started, "sha256": recording.sha256}
    async with db.begin() as conn:
        await store.update_recording(conn, recording.id, {"status": "deleted", "deleted_at": now})
        await audit.record(conn, actor, "recording.delete", ("recording", recording.id), now, before, None)
