"""What every SMS sender offers the outbox: one message in, one result out.

A GSM modem on a serial port and the HTTP gateways (a provider-neutral template, Aliyun, Tencent Cloud)
all sit behind this, so the outbox (rate, sending hours, retries, never twice) is written once. A sender
never retries by itself: it says whether trying again may help, and the outbox decides when.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message to send. ``ref`` is the outbox row's id, unique for ever: a gateway that takes a client
    reference (Aliyun's OutId, Tencent's SessionContext) gets it, so a resend after a crash can be matched.
    ``template_code`` and ``params`` are for the cloud gateways, which send only registered templates."""

    ref: int
    number: str  # E.164
    text: str
    template_code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_ids: tuple[str, ...] = ()  # the modem's message references (one a part), the gateway's id
    error: str = ""  # in words, for the history and the log (no full phone numbers)
    retryable: bool = False  # a busy network or a timeout; not a number the network refused


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    PENDING = "pending"


@dataclass(frozen=True)
class DeliveryReport:
    """A status report (``+CDS`` from a modem, a gateway's callback): which message, what became of it."""

    sender: str
    provider_id: str
    status: DeliveryStatus
    at: datetime


@dataclass(frozen=True)
class IncomingSms:
    """A message a customer sent to the shop (a reply "TD" or "退订" opts them out of SMS)."""

    sender: str
    number: str  # E.164 where it reads as one, else as received
    text: str
    at: datetime


OnDelivery = Callable[[DeliveryReport], Awaitable[None]]
OnIncoming = Callable[[IncomingSms], Awaitable[None]]


class SmsSender(Protocol):
    """One configured sender (``[[sms.senders]]``). ``start``/``stop`` open and close what it needs (a serial
    port, an HTTP session); a modem's reports and replies come back through the callbacks it was built
    with."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, message: Outgoing) -> SendResult: ...


def is_ready(sender: SmsSender) -> bool:
    """Whether a message given to the sender now would go: a sender that keeps a link (the GSM modem) says
    so by its ``ready`` (at a start, the modem is still being initialised); the gateways always are. The
    outbox gives a message only to a ready sender, so a start with messages queued does not spend an
    attempt and a retry delay on a modem that is not there yet."""
    return bool(getattr(sender, "ready", True))


async def until_ready(sender: SmsSender) -> None:
    """Returns when the sender is ready (at once for one that always is): the outbox sleeps on it, so the
    first message goes as soon as the modem is initialised, not at the next poll."""
    wait_ready = getattr(sender, "wait_ready", None)
    if wait_ready is not None and not is_ready(sender):
        await wait_ready(None)
