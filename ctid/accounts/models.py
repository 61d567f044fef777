"""What the accounts store hands out: plain frozen dataclasses, never rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    ADVISOR = "advisor"  # 服务顾问: works their reminders and appointments


@dataclass(frozen=True)
class Branch:
    id: int
    code: str
    name: str
    address: str
    phone: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    branch_id: int
    locale: str | None
    active: bool
    must_change_password: bool
    created_at: datetime
    password_changed_at: datetime | None

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class SignedIn:
    """Whom a live session or token lets in now, and the lines bound to them (the hub compares them with
    what an open console connected with)."""

    user: User
    bound_lines: frozenset[str]


@dataclass(frozen=True)
class Session:
    """A browser session; the cookie holds a secret whose hash is the key."""

    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
