"""At start: what a killed daemon left behind is made whole and registered before anything new is recorded.

A row still ``recording`` had its file cut off mid-call: the WAV header is repaired (its sizes taken from the
file's length, a torn last frame dropped), the row gets the file's real duration, size and checksum and the
status ``repaired``. A WAV with no row at all (killed between opening the file and writing its row) is
registered from what its path says. Rows ``finished``/``repaired`` still in WAV are queued for conversion.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from ctid.recording import store
from ctid.recording.files import digest
from ctid.recording.models import Recording
from ctid.recording.wav import WavFormat, repair
from ctid.storage.db import Database

log = logging.getLogger(__name__)


async def recover(db: Database, root: Path, timezone: str) -> list[int]:
    """Repair and register; returns the ids of recordings still to convert."""
    async with db.connect() as conn:
        cut = await store.by_status(conn, ("recording",))
    for recording in cut:
        await _repair_row(db, root, recording)
    on_disk = await asyncio.to_thread(_wav_files, root)
    async with db.connect() as conn:
        known = await store.wav_paths(conn)
    for relative in on_disk:
        if relative not in known:
            await _register_orphan(db, root, relative, timezone)
    async with db.connect() as conn:
        pending = await store.by_status(conn, ("finished", "repaired"))
    return [r.id for r in pending if r.format == "wav"]


async def _repair_row(db: Database, root: Path, recording: Recording) -> None:
    path = root / recording.path
    values: dict[str, Any]
    if not path.is_file():
        values = {"status": "failed", "problem": "the daemon stopped before any audio was written"}
        log.warning("recording %d: no file at %s: marked failed", recording.id, path)
    else:
        try:
            info = await asyncio.to_thread(repair, path, WavFormat(recording.sample_rate))
        except (OSError, ValueError) as exc:
            values = {"status": "failed", "problem": f"cannot repair: {exc}"[:300]}
            log.error("recording %d: cannot repair %s: %s", recording.id, path, exc)
        else:
            size, sha = await asyncio.to_thread(digest, path)
            values = {
                "status": "repaired",
                "ended_at": recording.started_at + timedelta(seconds=info.duration_s),
                "duration_s": round(info.duration_s, 3),
                "size_bytes": size,
                "sha256": sha,
                "problem": "cut off when the daemon stopped; repaired at the next start",
            }
            log.warning(
                "recording %d (line %s, call %s) was cut off: repaired, %.1f s kept",
                recording.id,
                recording.line,
                recording.call_id,
                info.duration_s,
            )
    what = f"the repair of recording {recording.id}"
    await db.write(lambda conn: store.update_recording(conn, recording.id, values), what)


def _wav_files(root: Path) -> list[str]:
    """WAV files under the date folders (relative POSIX paths)."""
    return sorted(str(PurePosixPath(*p.relative_to(root).parts)) for p in root.glob("*/*/*/*.wav"))


async def _register_orphan(db: Database, root: Path, relative: str, timezone: str) -> None:
    facts = parse_path(relative, timezone)
    if facts is None:
        log.warning("recordings dir: %s is not a recording's name: left alone", relative)
        return
    path = root / relative
    try:
        info = await asyncio.to_thread(repair, path)
    except (OSError, ValueError) as exc:
        log.error("recordings dir: cannot repair %s: %s", relative, exc)
        return
    size, sha = await asyncio.to_thread(digest, path)
    started, line, call_id = facts
    values = {
        "call_id": call_id,
        "line": line,
        "direction": "inbound",
        "started_at": started,
        "ended_at": started + timedelta(seconds=info.duration_s),
        "duration_s": round(info.duration_s, 3),
        "status": "repaired",
        "format": "wav",
        "path": relative,
        "size_bytes": size,
        "sha256": sha,
        "sample_rate": info.rate,
        "source": "unknown",
        "problem": "found without its database row after a crash; registered from its file name",
    }
    recording_id = await db.write(lambda conn: store.insert_recording(conn, values), f"the row of {relative}")
    log.warning("recordings dir: registered %s found without a row (recording %d)", relative, recording_id)


def parse_path(relative: str, timezone: str) -> tuple[datetime, str, str] | None:
    """(start, line, call id) from "YYYY/MM/DD/HHMMSS_<line>_<call id>.wav" (the layout's local time)."""
    parts = PurePosixPath(relative).parts
    if len(parts) != 4:
        return None
    year, month, day, name = parts
    stem = PurePosixPath(name).stem
    clock, _, rest = stem.partition("_")
    line, _, call_id = rest.rpartition("_")
    try:
        local = datetime.strptime(f"{year}{month}{day}{clock}", "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if not line or not call_id:
        return None
    return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(ZoneInfo("UTC")), line, call_id
