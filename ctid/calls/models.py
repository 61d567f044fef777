"""Calls as the log keeps them, and the filter used to list them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ctid.core.paging import PageRequest


@dataclass(frozen=True)
class Call:
    id: str
    line: str
    direction: str
    number: str | None
    number_e164: str | None
    name: str | None
    reason: str | None
    customer_id: int | None
    started_at: datetime
    identified_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    end_reason: str | None
    rings: int
    duration_s: float | None
    talk_s: float | None
    note: str | None = None
    note_by: int | None = None
    note_at: datetime | None = None
    handled_by: int | None = None
    handled_how: str | None = None
    result: str | None = None  # the wrap-up result: a WrapUpCode's code
    result_by: int | None = None
    result_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class CallFilter:
    line: str = ""
    direction: str = ""
    outcome: str = ""
    result: str = ""
    """A wrap-up code: the calls given that result."""
    number: str = ""
    since: datetime | None = None
    until: datetime | None = None
    branch_id: int | None = None
    """Admins: one branch's calls (the calls on its lines); others always see their own branch's."""
    customer_id: int | None = None
    """One customer's calls: linked to it, or with one of ``customer_numbers`` (E.164) and linked to no
    one (a call the pop did not match, an outbound call dialled by hand)."""
    customer_numbers: tuple[str, ...] = ()
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class WrapUpCode:
    """A result a call may be given when it ends (咨询, 预约...). ``code`` never changes once made (calls keep
    it); ``label`` is what people read and may be renamed; a retired code is no longer offered."""

    id: int
    code: str
    label: str
    position: int
    active: bool


@dataclass(frozen=True)
class DncEntry:
    """A number on the do-not-call list: why, since when, who put it there."""

    number_e164: str
    reason: str
    created_at: datetime
    created_by: int | None
