"""The outbox's words: a message's purpose and status, a row as the store hands it out, and what a caller
queues. The values are stored, so they never change once released; labels for people live in the web's
translations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Purpose(StrEnum):
    """Why a message is sent: the sending hours hold back marketing (reminders, bulk, greetings) at night;
    a service message (an appointment's confirmation, a reply the customer waits for) may go at any hour."""

    MARKETING = "marketing"
    SERVICE = "service"


class SmsStatus(StrEnum):
    """Where a message is. ``sending`` is written and committed before the sender is called, so a daemon
    killed mid-send leaves the row ``sending``; the next start makes it ``unknown`` (maybe sent, maybe not),
    and nobody but a person sends it again."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"  # the sender took it (the modem's +CMGS, the gateway's success)
    DELIVERED = "delivered"  # the delivery report said so (every part)
    FAILED = "failed"
    UNKNOWN = "unknown"  # killed mid-send: maybe sent; listed for a person to resend


OPEN = (SmsStatus.QUEUED, SmsStatus.SENDING)
"""Not yet settled: what a count of the outbox's backlog reads."""


@dataclass(frozen=True)
class NewSms:
    """One message to queue. ``customer_id`` is a key only (messaging knows no customers: its caller found
    the number); ``topic`` is what it is about (a reminder type's value), so the reminders can tell that a
    customer was lately told about the same thing."""

    branch_id: int
    number: str  # E.164, a mobile
    text: str
    purpose: Purpose
    customer_id: int | None = None
    template_key: str | None = None
    template_code: str | None = None  # the cloud gateways' registered template
    params: Mapping[str, str] = field(default_factory=dict)
    topic: str | None = None
    created_by: int | None = None  # None: sent by the daemon itself (automatic reminders)


@dataclass(frozen=True)
class SmsMessage:
    id: int
    branch_id: int
    customer_id: int | None
    number: str
    text: str
    template_key: str | None
    template_code: str | None
    params: Mapping[str, str]
    purpose: Purpose
    topic: str | None
    status: SmsStatus
    attempts: int
    next_try_at: datetime | None
    sender: str | None
    error: str
    created_by: int | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class SmsFilter:
    """The shop's history: every field narrows it (None: any)."""

    branch_id: int | None = None
    customer_id: int | None = None
    number: str | None = None
    status: SmsStatus | None = None
    purpose: Purpose | None = None
    since: datetime | None = None
    until: datetime | None = None
    created_by: int | None = None
