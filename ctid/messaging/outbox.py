"""The SMS outbox: messages are queued as rows and sent by one task, at each sender's rate, within the
sending hours, tried again after retryable errors, and never sent twice.

Never twice: a row goes to ``sending`` in a committed transaction before the sender is called, and is
settled (sent, failed, queued again) after. A daemon killed between the two leaves it ``sending``; the next
start makes it ``unknown`` and does not send it again by itself: it may have gone (a modem that took the
PDU and was killed before its ``+CMGS`` answer), and two identical SMS to a customer are worse than one a
person resends after a look at the history. The exception is a sender whose provider deduplicates by our
reference (``Outgoing.ref``, the row's id): a sender whose ``deduplicates`` attribute is true gets its
``sending`` rows queued again. None of ours claims it: Aliyun's OutId and Tencent's SessionContext come back
in the reports but do not stop a second send, and a modem has no such thing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import Clock, utcnow
from ctid.core.errors import N_, Conflict, NotFound
from ctid.core.paging import Page, PageRequest
from ctid.core.tasks import TaskSet
from ctid.messaging import outbox_store as store
from ctid.messaging.models import NewSms, Purpose, SmsFilter, SmsMessage, SmsStatus
from ctid.messaging.outbox_rules import QuietHours, gives_up, is_opt_out, may_send, retry_delay, spacing
from ctid.messaging.senders import (
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    Outgoing,
    SendResult,
    SmsSender,
    is_ready,
    until_ready,
)
from ctid.storage.db import Database

log = logging.getLogger(__name__)

KILLED_MID_SEND = (
    "the daemon stopped while sending: it may have gone; resend it if the customer did not get it"
)
NO_SUCH_SMS = N_("No such message.")
BATCH = 20
STOP_WAIT_S = 3.0

OptOut = Callable[[str, datetime], Awaitable[int]]
Then = Callable[[AsyncConnection, list[SmsMessage]], Awaitable[None]]
"""What a caller writes in the transaction that queues its messages."""
"""Records that ``number`` (E.164) asked for no more SMS, at a time; returns how many customers it
concerned. Given by the wiring (messaging knows no customers)."""


@dataclass(frozen=True)
class OutboxSettings:
    quiet: QuietHours = field(default_factory=QuietHours)
    rates: Mapping[str, float] = field(default_factory=dict)  # messages a minute, by sender name
    default_rate: float = 20.0  # a sender's [[sms.senders]] rate_per_minute wins
    max_attempts: int = 4
    retry_first_s: float = 60.0
    retry_max_s: float = 3600.0
    poll_s: float = 30.0


@dataclass
class SenderHealth:
    """What the System page says of one sender: up, or why not (its start failed, its last send failed)."""

    name: str
    up: bool = False
    problem: str = ""
    last_sent_at: datetime | None = None


class SmsOutbox:
    """A component (start/stop): recovers what a killed run left, starts the senders, runs the sending task.
    ``queue`` in ``ctid.messaging.outbox_queue`` writes the rows; ``wake`` hurries the task."""

    name = "sms outbox"

    def __init__(
        self,
        db: Database,
        senders: Sequence[SmsSender],
        settings: OutboxSettings,
        timezone: str,
        clock: Clock = utcnow,
        opt_out: OptOut | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._senders = list(senders)
        self._settings = settings
        self._zone = ZoneInfo(timezone)
        self._clock = clock
        self._opt_out = opt_out
        self._monotonic = monotonic
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks = TaskSet()
        self._free_at: dict[str, float] = {}
        self.health = {s.name: SenderHealth(s.name) for s in self._senders}

    def use(self, senders: Sequence[SmsSender]) -> None:
        """The configured senders (built after the outbox: their reports and replies come back to it)."""
        self._senders = list(senders)
        self.health = {s.name: SenderHealth(s.name) for s in self._senders}

    async def queue(
        self, actor: Actor, messages: Sequence[NewSms], then: Then | None = None
    ) -> list[SmsMessage]:
        """Queue messages (one transaction, an audit entry each) and wake the sending task. ``then`` writes
        the caller's own rows in the same transaction (a reminder closed as sent with the message's id), so
        the two are kept or lost together: a message is never queued twice for one reminder."""
        async with self._db.begin() as conn:
            queued = await self.queue_in(conn, actor, messages)
            if then is not None:
                await then(conn, queued)
        self.wake()
        return queued

    async def queue_in(
        self, conn: AsyncConnection, actor: Actor, messages: Sequence[NewSms]
    ) -> list[SmsMessage]:
        """Queue messages in the caller's transaction (an appointment's confirmation written with the
        booking), an audit entry each. The caller calls ``wake`` once it committed: woken before, the task
        would find nothing yet and wait for its next poll."""
        now, ids = self._clock(), []
        for new in messages:
            message_id = await store.insert_message(conn, new, now)
            after = {
                "number": new.number,
                "customer_id": new.customer_id,
                "template": new.template_key,
                "purpose": new.purpose.value,
                "text": new.text,
            }
            await audit.record(conn, actor, "sms.queue", ("sms", message_id), now, after=after)
            ids.append(message_id)
        return [m for m in [await store.get_message(conn, i) for i in ids] if m is not None]

    async def resend(self, actor: Actor, message_id: int) -> SmsMessage:
        """A person's resend of an ``unknown`` or ``failed`` message (the same row, queued again now)."""
        async with self._db.begin() as conn:
            current = await store.get_message(conn, message_id)
            if current is None:
                raise NotFound(NO_SUCH_SMS)
            if not await store.requeue(conn, message_id, (SmsStatus.UNKNOWN, SmsStatus.FAILED)):
                raise Conflict(N_("Only a failed message or one of unknown fate can be sent again."))
            before = {"status": current.status.value}
            after = {"status": SmsStatus.QUEUED.value}
            await audit.record(conn, actor, "sms.resend", ("sms", message_id), self._clock(), before, after)
            found = await store.get_message(conn, message_id)
        assert found is not None
        self.wake()
        return found

    async def get(self, message_id: int) -> SmsMessage:
        async with self._db.connect() as conn:
            found = await store.get_message(conn, message_id)
        if found is None:
            raise NotFound(NO_SUCH_SMS)
        return found

    async def search(self, where: SmsFilter, page: PageRequest) -> Page[SmsMessage]:
        async with self._db.connect() as conn:
            return await store.search(conn, where, page)

    async def counts(self, branch_id: int | None = None) -> dict[SmsStatus, int]:
        async with self._db.connect() as conn:
            return await store.counts(conn, branch_id)

    def set_opt_out(self, opt_out: OptOut) -> None:
        """The wiring's callback for opt-out replies (given after the CRM is built)."""
        self._opt_out = opt_out

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        await self.recover()
        for sender in self._senders:
            await self._start_sender(sender)
        self._tasks.spawn(self._run(), name="sms outbox")

    async def stop(self) -> None:
        """The message being sent is let finish (a few seconds at most), so a stop leaves no ``unknown``."""
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(self._tasks.wait(), STOP_WAIT_S)
        except TimeoutError:
            await self._tasks.cancel()
        for sender in self._senders:
            try:
                await sender.stop()
            except Exception:
                log.exception("SMS sender %s failed while stopping", sender.name)

    async def recover(self) -> tuple[int, int]:
        """Rows left ``sending`` by a killed run become ``unknown`` (or queued again, for a sender whose
        provider deduplicates)."""
        requeue = [s.name for s in self._senders if getattr(s, "deduplicates", False)]
        async with self._db.begin() as conn:
            unknown, requeued = await store.recover_sending(conn, requeue, KILLED_MID_SEND)
        if unknown:
            log.warning(
                "SMS outbox: %d message(s) were being sent when the daemon stopped: now unknown, "
                "listed for a person to resend",
                unknown,
            )
        if requeued:
            log.info("SMS outbox: %d message(s) queued again (their provider drops duplicates)", requeued)
        return unknown, requeued

    async def _start_sender(self, sender: SmsSender) -> None:
        health = self.health[sender.name]
        try:
            await sender.start()
        except Exception as exc:
            health.up, health.problem = False, str(exc) or type(exc).__name__
            log.error(
                "SMS sender %s failed to start: %s (messages wait in the outbox)", sender.name, health.problem
            )
        else:
            health.up, health.problem = True, ""

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before the pass: a message queued during it wakes the sleep after it
            try:
                worked = await self.send_due()
            except Exception:
                log.exception("SMS outbox: a sending pass failed; trying again shortly")
                worked = False
            if worked or self._stopping:
                continue
            await self._sleep()

    async def _sleep(self) -> None:
        """Until something is queued, a retry falls due, a sender that was not ready is (the modem at a
        start), or the poll comes round."""
        # The wakers first, before any await: a modem that becomes ready while the next retry is read
        # would otherwise be ready already when looked at, wake nothing, and leave the queue to the poll.
        wakers: list[asyncio.Future[object]] = [asyncio.ensure_future(self._wake.wait())]
        wakers += [asyncio.ensure_future(until_ready(s)) for s in self._senders if not is_ready(s)]
        try:
            wait, now = self._settings.poll_s, self._clock()
            allowed = [p for p in Purpose if may_send(p, now, self._zone, self._settings.quiet)]
            async with self._db.connect() as conn:
                soonest = await store.next_try(conn, allowed)
            if soonest is not None:  # at least a second: a pass that found nothing to send never spins
                wait = max(1.0, min(wait, (soonest - now).total_seconds()))
            await asyncio.wait(wakers, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            pending = [waker for waker in wakers if not waker.done()]
            for waker in pending:
                waker.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def send_due(self) -> bool:
        """One pass: send the due messages (a batch); True when there was anything to send."""
        usable = [s for s in self._senders if self.health[s.name].up and is_ready(s)]
        if not usable:
            return False
        now = self._clock()
        purposes = [p for p in Purpose if may_send(p, now, self._zone, self._settings.quiet)]
        async with self._db.connect() as conn:
            messages = await store.due(conn, now, purposes, BATCH)
        for message in messages:
            if self._stopping:
                break
            await self._send_one(message, await self._next_sender(usable))
        return bool(messages)

    async def _next_sender(self, usable: Sequence[SmsSender]) -> SmsSender:
        """The sender free soonest at its rate, once it is free."""
        sender = min(usable, key=lambda s: self._free_at.get(s.name, 0.0))
        wait = self._free_at.get(sender.name, 0.0) - self._monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        rate = self._settings.rates.get(sender.name, self._settings.default_rate)
        self._free_at[sender.name] = self._monotonic() + spacing(rate)
        return sender

    async def _send_one(self, message: SmsMessage, sender: SmsSender) -> None:
        async with self._db.begin() as conn:  # committed before the sender is called: never twice
            if not await store.claim(conn, message.id, sender.name):
                return
        outgoing = Outgoing(message.id, message.number, message.text, message.template_code, message.params)
        try:
            result = await sender.send(outgoing)
        except Exception as exc:
            log.exception("SMS sender %s failed on message %d; it may have gone", sender.name, message.id)
            await self._settle(message.id, SmsStatus.UNKNOWN, {"error": f"{type(exc).__name__}: {exc}"})
            return
        await self._record(message, sender, result)

    async def _record(self, message: SmsMessage, sender: SmsSender, result: SendResult) -> None:
        now, attempts, health = self._clock(), message.attempts + 1, self.health[sender.name]
        if result.ok:
            health.last_sent_at, health.problem = now, ""
            await self._settle(
                message.id, SmsStatus.SENT, {"sent_at": now, "error": None}, result.provider_ids, sender.name
            )
            return
        health.problem = result.error
        if result.retryable and not gives_up(attempts, self._settings.max_attempts):
            delay = retry_delay(attempts, self._settings.retry_first_s, self._settings.retry_max_s)
            log.warning(
                "SMS %d: %s failed (%s); trying again in %d s",
                message.id,
                sender.name,
                result.error,
                delay.total_seconds(),
            )
            await self._settle(
                message.id, SmsStatus.QUEUED, {"next_try_at": now + delay, "error": result.error}
            )
            return
        log.error(
            "SMS %d failed after %d tr%s through %s: %s",
            message.id,
            attempts,
            "y" if attempts == 1 else "ies",
            sender.name,
            result.error,
        )
        await self._settle(message.id, SmsStatus.FAILED, {"error": result.error})

    async def _settle(
        self,
        message_id: int,
        status: SmsStatus,
        values: dict[str, object],
        provider_ids: Sequence[str] = (),
        sender: str = "",
    ) -> None:
        """Retried until the database takes it: a row left ``sending`` would be called unknown later."""

        async def work(conn: AsyncConnection) -> None:
            await store.settle(conn, message_id, status, dict(values))
            await store.add_parts(conn, message_id, sender, provider_ids)

        await self._db.write(work, "an SMS's status")

    async def on_delivery(self, report: DeliveryReport) -> None:
        """A delivery report: the part's status, then the message's once every part is known."""
        if report.status is DeliveryStatus.PENDING:
            return
        async with self._db.begin() as conn:
            found = await store.find_part(conn, report.sender, report.provider_id)
            if found is None:
                log.info(
                    "SMS delivery report from %s for an unknown message (%s)",
                    report.sender,
                    report.provider_id,
                )
                return
            part_id, message_id = found
            await store.set_part_status(conn, part_id, report.status.value)
            statuses = await store.part_statuses(conn, message_id)
            if DeliveryStatus.FAILED.value in statuses:
                await store.report(conn, message_id, SmsStatus.FAILED, report.at, "not delivered")
            elif all(s == DeliveryStatus.DELIVERED.value for s in statuses):
                await store.report(conn, message_id, SmsStatus.DELIVERED, report.at)

    async def on_incoming(self, sms: IncomingSms) -> None:
        """A reply: "TD", "T", "R" or "退订" opts the number out of SMS (through the wiring's callback)."""
        if not is_opt_out(sms.text):
            log.info("SMS received on %s from %s (not an opt-out)", sms.sender, sms.number)
            return
        async with self._db.begin() as conn:
            cancelled = await store.cancel_queued(conn, sms.number, Purpose.MARKETING, "opted out")
        customers = await self._opt_out(sms.number, sms.at) if self._opt_out is not None else 0
        log.info(
            "SMS opt-out from %s: %d customer(s) opted out, %d queued message(s) cancelled",
            sms.number,
            customers,
            cancelled,
        )
