"""What the start page shows for a user's day (frozen dataclasses, no rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ctid.calls.models import Call
from ctid.crm.models import FollowUpStatus, ReminderKind


@dataclass(frozen=True)
class Birthday:
    customer_id: int
    name: str
    birthday: date


@dataclass(frozen=True)
class VehicleDue:
    vehicle_id: int
    plate: str
    kind: ReminderKind  # insurance / inspection / maintenance
    due_on: date
    customer_id: int | None  # the owner (else any customer of the vehicle)
    customer_name: str | None


@dataclass(frozen=True)
class CallsToday:
    answered: int
    missed: int
    total: int
    last: tuple[Call, ...]  # newest first


@dataclass(frozen=True)
class OpenComplaint:
    id: int
    customer_id: int
    customer_name: str
    category: str
    content: str
    status: FollowUpStatus
    due_on: date | None
    created_at: datetime


@dataclass(frozen=True)
class Announcement:
    id: int
    branch_id: int | None  # None: every branch
    title: str
    body: str
    created_by: int | None
    created_at: datetime
    expires_on: date | None  # shown until this day, inclusive


@dataclass(frozen=True)
class Day:
    today: date
    birthdays: tuple[Birthday, ...]
    reminders: tuple[VehicleDue, ...]
    reminders_total: int
    calls: CallsToday
    complaints: tuple[OpenComplaint, ...]
    complaints_total: int
    announcements: tuple[Announcement, ...]
