"""Recordings as the store returns them, the filter supervisors search with, and the access log's entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from ctid.core.paging import PageRequest

RecordingStatus = Literal["recording", "finished", "ready", "repaired", "failed", "deleted"]
AccessAction = Literal["play", "download", "delete"]
PLAYABLE: frozenset[str] = frozenset({"finished", "ready", "repaired"})
MEDIA_TYPES = {"wav": "audio/wav", "opus": "audio/ogg", "mp3": "audio/mpeg"}


@dataclass(frozen=True)
class Recording:
    id: int
    call_id: str | None
    line: str
    branch_id: int | None
    direction: str
    number: str | None
    number_e164: str | None
    operator_id: int | None
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    paused_s: float
    status: str
    format: str
    path: str  # relative to the recordings dir
    size_bytes: int | None
    sha256: str | None
    sample_rate: int
    source: str
    problem: str | None
    note: str | None
    tags: str
    deleted_at: datetime | None
    customer_id: int | None = None  # the call's customer (the call log keeps it: the store reads it there)
    call_note: str | None = None  # the operator's note on the call, likewise
    call_result: str | None = None  # the wrap-up result the operator gave the call, likewise
    customer_name: str | None = None
    operator_name: str | None = None

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @property
    def playable(self) -> bool:
        return self.status in PLAYABLE

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.format, "application/octet-stream")


@dataclass(frozen=True)
class RecordingFilter:
    """What the recordings page filters by; empty fields do not filter.

    ``number`` matches the number as received or its E.164 form; ``number_match`` says whether it must begin
    the number or may appear anywhere. ``operator_id`` restricts an operator without the right to hear
    others' calls to their own; ``branch_id`` keeps everyone but admins in their branch (an admin may ask
    for one).
    """

    since: datetime | None = None
    until: datetime | None = None
    line: str = ""
    operator_id: int | None = None
    number: str = ""
    number_match: Literal["begins", "contains"] = "contains"
    customer_id: int | None = None
    direction: str = ""
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    has_notes: bool | None = None
    tag: str = ""
    result: str = ""  # the call's wrap-up code
    branch_id: int | None = None
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class AccessEntry:
    id: int
    recording_id: int
    user_id: int | None
    user_name: str
    action: str
    at: datetime
    address: str
    user_agent: str


@dataclass(frozen=True)
class AccessFilter:
    recording_id: int | None = None
    user_name: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    branch_id: int | None = None
    page: PageRequest = field(default_factory=PageRequest)
