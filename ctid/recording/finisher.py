"""Finishing recordings: close the WAV, record its size and checksum, convert it to the compact format.

Conversion (pydub + ffmpeg) runs in a thread, one recording at a time, so eight lines hanging up together
never compete with the event loop for both cores. The row says ``finished`` until the compact file is
complete and verified; a daemon stopped mid-conversion converts it again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctid.core.config import RecordingConfig
from ctid.core.errors import CtidError
from ctid.recording import store
from ctid.recording.files import digest
from ctid.recording.layout import with_suffix
from ctid.recording.take import Take
from ctid.recording.transcode import transcode
from ctid.storage.db import Database

if TYPE_CHECKING:
    from ctid.recording.waveform import Peaks

log = logging.getLogger(__name__)


class Finisher:
    def __init__(
        self, db: Database, root: Path, settings: RecordingConfig, clock: Callable[[], datetime]
    ) -> None:
        self._db = db
        self._root = root
        self._settings = settings
        self._clock = clock
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.converted = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="recording-finisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def enqueue(self, recording_id: int) -> None:
        self._queue.put_nowait(recording_id)

    async def idle(self) -> None:
        """Until every queued recording is converted (tests, benchmarks)."""
        await self._queue.join()

    async def finish_take(self, take: Take) -> None:
        """Close the take's file (fsync, off the loop), write its facts, queue its conversion."""
        info = await asyncio.to_thread(take.writer.close)
        size, sha = await asyncio.to_thread(digest, take.path)
        values: dict[str, Any] = {
            "ended_at": self._clock(),
            "duration_s": round(info.duration_s, 3),
            "paused_s": round(take.paused_s, 3),
            "status": "finished",
            "size_bytes": size,
            "sha256": sha,
            "problem": take.problem,
            "operator_id": take.operator_id,
        }
        assert take.recording_id is not None
        await self._update(take.recording_id, values)
        log.info(
            "line %s: recording %d finished: %.1f s, %d bytes",
            take.call.line,
            take.recording_id,
            info.duration_s,
            size,
        )
        self.enqueue(take.recording_id)

    async def _run(self) -> None:
        while True:
            recording_id = await self._queue.get()
            try:
                await self.convert(recording_id)
            except Exception:
                log.exception("recording %d: conversion failed", recording_id)
            finally:
                self._queue.task_done()

    async def convert(self, recording_id: int) -> None:
        async with self._db.connect() as conn:
            recording = await store.get_recording(conn, recording_id)
        if recording is None or recording.status not in ("finished", "repaired"):
            return
        target = self._settings.format
        if recording.format == target or target == "wav":
            await self._update(recording_id, {"status": "ready"})
            return
        source = self._root / recording.path
        relative = with_suffix(recording.path, target)
        peaks = await asyncio.to_thread(_peaks_or_none, source)
        try:
            bitrate = self._settings.bitrate_kbps
            await asyncio.to_thread(transcode, source, self._root / relative, target, bitrate)
        except Exception as exc:
            log.error("recording %d: cannot convert to %s: %s", recording_id, target, exc)
            kept = _without_conversion_problem(recording.problem)  # why it was cut short, say
            problem = "; ".join(filter(None, (kept, f"not converted: {exc}")))[:300]
            await self._update(recording_id, {"problem": problem})
            return
        if peaks is not None:  # from the WAV (70 ms an hour): decoding the Opus again would take seconds
            from ctid.recording.waveform import keep_peaks

            compact = self._root / relative
            await asyncio.to_thread(keep_peaks, peaks, compact, compact.with_suffix(".peaks.json"))
        size, sha = await asyncio.to_thread(digest, self._root / relative)
        values: dict[str, Any] = {"status": "ready", "format": target, "path": relative}
        values |= {"size_bytes": size, "sha256": sha}
        values["problem"] = _without_conversion_problem(recording.problem)  # converted after all (disk freed)
        await self._update(recording_id, values)
        source.unlink(missing_ok=True)
        self.converted += 1

    async def _update(self, recording_id: int, values: dict[str, Any]) -> None:
        """Retried while the database cannot be written: a row left "recording" would wait for a restart."""
        what = f"recording {recording_id} ({values.get('status', 'update')})"
        await self._db.write(lambda conn: store.update_recording(conn, recording_id, values), what)


def _peaks_or_none(wav: Path) -> Peaks | None:
    """The waveform of a finished WAV; None when it cannot be read (the page computes it later)."""
    from ctid.recording.waveform import read_peaks  # numpy, in the finisher's thread

    try:
        return read_peaks(wav)
    except (OSError, ValueError, CtidError):
        log.warning("cannot read the waveform of %s: the player computes it when first asked", wav.name)
        return None


def _without_conversion_problem(problem: str | None) -> str | None:
    """A recording's problem without the note of an earlier failed conversion."""
    kept = (problem or "").split("not converted: ")[0].rstrip("; ")
    return kept or None
