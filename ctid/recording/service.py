"""Recordings as supervisors and operators reach them: search, play, download, notes, tags, access log.

Every check of who may hear what lives here, not in the views: a user sees only their branch (admins every
branch, and the recordings of no branch); without ``recordings.all`` only the calls they took
(``operator_id``); downloading needs ``recordings.download``.
Each playback and download is written to the access log; the browser fetches a recording in many Range
requests, so one user's plays of one recording within ``PLAY_COALESCE_S`` count as one playback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from ctid.accounts.branch_scope import branch_scope, narrowed, visible
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.calls.service import clean_note
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from ctid.core.paging import Page
from ctid.recording import store
from ctid.recording.models import AccessEntry, AccessFilter, Recording, RecordingFilter
from ctid.storage.db import Database

PLAY_COALESCE_S = 600.0
MAX_TAGS = 10
MAX_TAG = 24


class Recordings:
    def __init__(
        self,
        db: Database,
        root: Path,
        alert: Callable[[], str | None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self.root = root
        self._alert = alert
        self._clock = clock
        self._monotonic = monotonic
        self._plays: dict[tuple[int, int], float] = {}

    def alert(self) -> str | None:
        """Why recording is stopped or degraded right now (disk almost full), for the pages to show."""
        return self._alert()

    # --- reading ----------------------------------------------------------------------------------------

    async def search(self, user: User, where: RecordingFilter) -> Page[Recording]:
        async with self._db.connect() as conn:
            return await store.search(conn, self._scoped(user, where))

    def _scoped(self, user: User, where: RecordingFilter) -> RecordingFilter:
        _require(user, Permission.RECORDINGS_OWN)
        where = replace(where, branch_id=narrowed(user, where.branch_id))
        if not allows(user, Permission.RECORDINGS_ALL):
            where = replace(where, operator_id=user.id)
        return where

    async def get(self, user: User, recording_id: int) -> Recording:
        async with self._db.connect() as conn:
            recording = await store.get_recording(conn, recording_id)
        if recording is None or recording.deleted_at is not None:
            raise NotFound(N_("No such recording."))
        _require(user, Permission.RECORDINGS_OWN)
        if not visible(user, recording.branch_id):  # one of no branch: an admin's (nobody knows whose)
            raise NotFound(N_("No such recording."))
        if recording.operator_id != user.id and not allows(user, Permission.RECORDINGS_ALL):
            raise PermissionDenied(N_("You may only hear the recordings of your own calls."))
        return recording

    def path_of(self, recording: Recording) -> Path:
        return self.root / recording.path

    async def open(
        self,
        user: User,
        recording_id: int,
        action: Literal["play", "download"],
        address: str,
        user_agent: str,
    ) -> tuple[Recording, Path]:
        """The file to serve for a playback or a download, after checking rights; the access is logged."""
        recording = await self.get(user, recording_id)
        if action == "download":
            _require(user, Permission.RECORDINGS_DOWNLOAD)
        if not recording.playable:
            raise Conflict(N_("This recording is not ready to be played yet."))
        path = self.path_of(recording)
        if not path.is_file():
            raise NotFound(N_("The file of this recording is missing."))
        if action == "download" or self._first_play(user.id, recording.id):
            await self._log(user, recording.id, action, address, user_agent)
        return recording, path

    def _first_play(self, user_id: int, recording_id: int) -> bool:
        now = self._monotonic()
        self._plays = {key: at for key, at in self._plays.items() if now - at < PLAY_COALESCE_S}
        if (user_id, recording_id) in self._plays:
            return False
        self._plays[(user_id, recording_id)] = now
        return True

    async def _log(self, user: User, recording_id: int, action: str, address: str, agent: str) -> None:
        values = {
            "recording_id": recording_id,
            "user_id": user.id,
            "user_name": user.username,
            "action": action,
            "at": self._clock(),
            "address": address[:64],
            "user_agent": agent[:200],
        }
        async with self._db.begin() as conn:
            await store.log_access(conn, values)

    async def access_log(self, user: User, where: AccessFilter) -> Page[AccessEntry]:
        _require(user, Permission.RECORDINGS_ACCESS_LOG)
        async with self._db.connect() as conn:
            return await store.access_log(conn, replace(where, branch_id=narrowed(user, where.branch_id)))

    async def links(self, user: User, call_ids: list[str]) -> dict[str, int]:
        """Which of these calls have a recording this user may hear (call id -> recording id): of their
        branch (admins: any), and their own calls only without ``recordings.all``."""
        if not allows(user, Permission.RECORDINGS_OWN) or not call_ids:
            return {}
        operator = None if allows(user, Permission.RECORDINGS_ALL) else user.id
        async with self._db.connect() as conn:
            return await store.for_calls(conn, call_ids, operator, branch_scope(user))

    def peaks_file(self, recording: Recording) -> Path:
        """Where the waveform's peaks of this recording are cached (next to the file)."""
        return self.path_of(recording).with_suffix(".peaks.json")

    # --- notes and tags ---------------------------------------------------------------------------------

    async def save_note(self, actor: Actor, user: User, recording_id: int, note: str) -> Recording:
        text = clean_note(note)  # the same rule as a call's note
        return await self._change(actor, user, recording_id, "recording.note", {"note": text or None})

    async def set_tags(self, actor: Actor, user: User, recording_id: int, tags: list[str]) -> Recording:
        return await self._change(actor, user, recording_id, "recording.tags", {"tags": join_tags(tags)})

    async def _change(
        self, actor: Actor, user: User, recording_id: int, action: str, values: dict[str, object]
    ) -> Recording:
        before = await self.get(user, recording_id)
        async with self._db.begin() as conn:
            await store.update_recording(conn, recording_id, values)
            old = {key: getattr(before, key) for key in values}
            await audit.record(conn, actor, action, ("recording", recording_id), self._clock(), old, values)
        return replace(before, **values)  # type: ignore[arg-type]


def join_tags(tags: list[str]) -> str:
    """Tags as stored: trimmed, lower-cased, unique, ",a,b," (so a LIKE '%,a,%' finds exactly tag a)."""
    cleaned: list[str] = []
    for raw in tags:
        tag = raw.strip().lower()
        if not tag or tag in cleaned:
            continue
        if len(tag) > MAX_TAG or "," in tag or not tag.isprintable():
            raise ValidationError(
                "tags", N_("A tag is 1-%(count)d characters without commas: %(tag)s"), count=MAX_TAG, tag=raw
            )
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError("tags", N_("At most %(count)d tags."), count=MAX_TAGS)
    return f",{','.join(cleaned)}," if cleaned else ""


def _require(user: User, permission: Permission) -> None:
    if not allows(user, permission):
        raise PermissionDenied(N_("You are not allowed to do this."))
