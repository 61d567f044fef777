"""Audit entries and the filter used to browse them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ctid.core.paging import PageRequest


class Signed(Protocol):
    """A signed-in user as the audit log knows one (``ctid.accounts.models.User``): the log sits below the
    accounts, which write to it, so it names what it reads instead of importing the accounts."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """Who is making a change, for the audit log: a user (by id and name) at an address, or the system."""

    user_id: int | None
    name: str
    address: str = ""

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, name=name)

    @classmethod
    def of(cls, user: Signed, address: str = "") -> Actor:
        return cls(user_id=user.id, name=user.username, address=address)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    address: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page: PageRequest = field(default_factory=PageRequest)


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so an entry reads as "role: operator -> supervisor"."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
