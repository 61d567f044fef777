"""The daily queue's records as the worklist and the API read them: an item, an event of its history, the
list's filter and a change given to an item. Frozen dataclasses, never rows; filters carry the branch a
user may see (None: every branch, for admins), so the store never has to know who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ctid.core.paging import PageRequest
from ctid.reminders.models import Channel, ItemStatus, Outcome, ReminderType


@dataclass(frozen=True)
class ReminderItem:
    id: int
    branch_id: int
    customer_id: int
    customer_name: str
    vehicle_id: int | None
    plate: str | None
    type: ReminderType
    rule_id: int | None
    subject: str
    due_on: date
    step: int
    contact_on: date
    expires_on: date
    contact_key: str
    channel: Channel
    status: ItemStatus
    assignee_id: int | None
    outcome: Outcome | None
    note: str
    snoozed_until: date | None
    call_back_at: datetime | None
    attempts: int
    appointment_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ReminderEvent:
    """One thing done about an item: an outcome given, a note, a snooze, a message sent."""

    id: int
    item_id: int
    customer_id: int
    type: ReminderType
    at: datetime
    user_id: int | None
    user_name: str | None
    outcome: Outcome | None
    note: str
    channel: Channel
    call_id: str | None
    sms_id: int | None
    appointment_id: int | None
    rule_id: int | None = None  # a custom rule's item: the rule (its name is the event's words)


@dataclass(frozen=True)
class ReminderFilter:
    branch_id: int | None = None
    on_or_before: date | None = None  # the worklist's day: contact day on or before it
    type: ReminderType | None = None
    status: ItemStatus | None = ItemStatus.OPEN
    assignee_id: int | None = None
    unassigned: bool = False  # the pool: items nobody has
    customer_id: int | None = None
    channel: Channel | None = None  # the letters page: the letter items alone
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class ItemChange:
    """What a person (or the outbox, the dialer) says about an item. Each field left None is unchanged;
    ``note`` is kept on the item and in the event; ``call_back_at`` goes with ``Outcome.CALL_BACK``,
    ``appointment_id`` with ``Outcome.BOOKED``; ``snoozed_until`` alone snoozes."""

    outcome: Outcome | None = None
    note: str | None = None
    snoozed_until: date | None = None
    call_back_at: datetime | None = None
    appointment_id: int | None = None
    assignee_id: int | None = None
    unassign: bool = False
    call_id: str | None = None
    sms_id: int | None = None


@dataclass(frozen=True)
class CustomerReminders:
    """A customer's reminder history: their items (newest due first) and what was done about them."""

    items: list[ReminderItem]
    events: list[ReminderEvent]
