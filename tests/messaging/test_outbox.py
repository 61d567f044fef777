"""The outbox with an in-memory sender: sent once, retried with backoff then failed, held back at night
(marketing only), recovered after a kill as unknown (never resent by itself), delivery reports, opt-outs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ctid.audit.models import Actor
from ctid.messaging.models import NewSms, Purpose, SmsStatus
from ctid.messaging.outbox import OutboxSettings, SmsOutbox
from ctid.messaging.senders import DeliveryReport, DeliveryStatus, IncomingSms, SendResult
from ctid.messaging.tables import sms_messages, sms_parts
from ctid.storage.db import Database
from tests.messaging.memory_sender import MemorySender
from tests.support.queries import rows
from tests.support.waiting import eventually

NOON = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
NIGHT = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
ACTOR = Actor.system("test")
NUMBER = "+8613800138000"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def outbox(db: Database, sender: MemorySender, clock: Clock, **settings: object) -> SmsOutbox:
    rates = {sender.name: 0.0}
    return SmsOutbox(db, [sender], OutboxSettings(rates=rates, **settings), "Asia/Shanghai", clock)  # type: ignore[arg-type]


def sms(purpose: Purpose = Purpose.MARKETING, text: str = "您好", number: str = NUMBER) -> NewSms:
    return NewSms(
        branch_id=1, number=number, text=text, purpose=purpose, customer_id=7, template_key="insurance"
    )


async def status(db: Database, message_id: int) -> tuple[str, int, str | None]:
    query = select(sms_messages.c.status, sms_messages.c.attempts, sms_messages.c.error)
    found = await rows(db, query.where(sms_messages.c.id == message_id))
    return found[0][0], found[0][1], found[0][2]


async def started(box: SmsOutbox, sender: MemorySender) -> None:
    await box.recover()
    await sender.start()
    box.health[sender.name].up = True


async def test_a_queued_message_is_sent_once_with_its_row_id_as_reference(db: Database) -> None:
    sender, clock = MemorySender(), Clock(NOON)
    box = outbox(db, sender, clock)
    await started(box, sender)
    [message] = await box.queue(ACTOR, [sms()])
    assert message.status is SmsStatus.QUEUED
    assert await box.send_due() is True
    assert await box.send_due() is False  # nothing left
    assert [(m.ref, m.number, m.text) for m in sender.sent] == [(message.id, NUMBER, "您好")]
    sent = await box.get(message.id)
    assert (sent.status, sent.attempts, sent.sender, sent.sent_at) == (SmsStatus.SENT, 1, "memory", NOON)
    parts = select(sms_parts.c.sender, sms_parts.c.provider_id)
    assert await rows(db, parts) == [("memory", f"id{message.id}")]
    assert await rows(db, "SELECT action, entity_id FROM audit_log") == [("sms.queue", str(message.id))]


async def test_the_row_is_sending_and_committed_while_the_sender_works(db: Database) -> None:
    sender, clock = MemorySender(hold=asyncio.Event()), Clock(NOON)
    box = outbox(db, sender, clock)
    await started(box, sender)
    [message] = await box.queue(ACTOR, [sms()])
    sending = asyncio.create_task(box.send_due())
    await sender.entered.wait()
    assert await status(db, message.id) == ("sending", 1, None)  # read on another connection
    assert sender.hold is not None
    sender.hold.set()
    await sending
    assert (await status(db, message.id))[0] == "sent"


async def test_retryable_errors_back_off_then_fail_and_are_reported(db: Database) -> None:
    busy = SendResult(False, error="+CMS ERROR: 38 (network out of order)", retryable=True)
    sender, clock = MemorySender(), Clock(NOON)
    sender.answers.extend([busy, busy, busy])
    box = outbox(db, sender, clock, max_attempts=3, retry_first_s=60, retry_max_s=600)
    await started(box, sender)
    [message] = await box.queue(ACTOR, [sms()])
    await box.send_due()
    again = await box.get(message.id)
    assert (again.status, again.attempts, again.next_try_at) == (
        SmsStatus.QUEUED,
        1,
        NOON + timedelta(seconds=60),
    )
    assert await box.send_due() is False  # not yet due
    clock.now += timedelta(seconds=60)
    await box.send_due()
    assert (await box.get(message.id)).next_try_at == clock.now + timedelta(seconds=120)  # doubled
    clock.now += timedelta(seconds=120)
    await box.send_due()
    assert await status(db, message.id) == ("failed", 3, busy.error)
    assert len(sender.sent) == 3


async def test_a_refused_number_fails_at_once(db: Database) -> None:
    sender, clock = MemorySender(), Clock(NOON)
    sender.answers.append(SendResult(False, error="+CMS ERROR: 1 (unassigned number)"))
    box = outbox(db, sender, clock)
    await started(box, sender)
    [message] = await box.queue(ACTOR, [sms()])
    await box.send_due()
    assert await status(db, message.id) == ("failed", 1, "+CMS ERROR: 1 (unassigned number)")


async def test_marketing_waits_out_the_night_and_service_messages_go(db: Database) -> None:
    sender, clock = MemorySender(), Clock(NIGHT)
    box = outbox(db, sender, clock)
    await started(box, sender)
    marketing, service = await box.queue(ACTOR, [sms(Purpose.MARKETING), sms(Purpose.SERVICE)])
    await box.send_due()
    assert [m.ref for m in sender.sent] == [service.id]
    assert (await box.get(marketing.id)).status is SmsStatus.QUEUED
    clock.now = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    await box.send_due()
    assert [m.ref for m in sender.sent] == [service.id, marketing.id]


async def test_a_row_left_sending_becomes_unknown_and_is_not_sent_again(db: Database) -> None:
    sender, clock = MemorySender(hold=asyncio.Event()), Clock(NOON)
    box = outbox(db, sender, clock)
    await started(box, sender)
    [message] = await box.queue(ACTOR, [sms()])
    sending = asyncio.create_task(box.send_due())
    await sender.entered.wait()
    sending.cancel()  # as good as killed: the row stays "sending"
    assert (await status(db, message.id))[0] == "sending"

    restarted, after = MemorySender(), outbox(db, MemorySender(), clock)
    assert await after.recover() == (1, 0)
    assert (await status(db, message.id))[0] == "unknown"
    after.health["memory"].up = True
    assert await after.send_due() is False
    assert restarted.sent == []
    resent = await after.resend(ACTOR, message.id)  # a person looked and sends it again
    assert resent.status is SmsStatus.QUEUED
    await after.send_due()
    assert (await after.get(message.id)).status is SmsStatus.SENT


async def test_a_deduplicating_provider_gets_its_rows_queued_again(db: Database) -> None:
    sender, clock = MemorySender(hold=asyncio.Event(), deduplicates=True), Clock(NOON)
    box = outbox(db, sender, clock)
    await started(box, sender)
    [message] = await box.queue(ACTOR, [sms()])
    sending = asyncio.create_task(box.send_due())
    await sender.entered.wait()
    sending.cancel()
    again = outbox(db, MemorySender(deduplicates=True), clock)
    assert await again.recover() == (0, 1)
    assert (await status(db, message.id))[0] == "queued"


async def test_delivery_reports_settle_the_message_when_every_part_is_known(db: Database) -> None:
    sender, clock = MemorySender(), Clock(NOON)
    sender.answers.extend([SendResult(True, ("17", "18")), SendResult(True, ("19",))])
    box = outbox(db, sender, clock)
    await started(box, sender)
    first, second = await box.queue(ACTOR, [sms(), sms()])
    await box.send_due()
    later = NOON + timedelta(seconds=30)
    await box.on_delivery(DeliveryReport("memory", "17", DeliveryStatus.DELIVERED, later))
    await box.on_delivery(DeliveryReport("memory", "99", DeliveryStatus.DELIVERED, later))  # unknown: ignored
    assert (await box.get(first.id)).status is SmsStatus.SENT
    await box.on_delivery(DeliveryReport("memory", "18", DeliveryStatus.DELIVERED, later))
    delivered = await box.get(first.id)
    assert (delivered.status, delivered.delivered_at) == (SmsStatus.DELIVERED, later)
    await box.on_delivery(DeliveryReport("memory", "19", DeliveryStatus.FAILED, later))
    assert await status(db, second.id) == ("failed", 1, "not delivered")


async def test_an_opt_out_reply_calls_the_wiring_and_cancels_queued_marketing(db: Database) -> None:
    sender, clock = MemorySender(), Clock(NIGHT)
    opted: list[str] = []

    async def opt_out(number: str, at: datetime) -> int:
        opted.append(number)
        return 1

    box = outbox(db, sender, clock)
    box.set_opt_out(opt_out)
    marketing, service = await box.queue(ACTOR, [sms(Purpose.MARKETING), sms(Purpose.SERVICE)])
    await box.on_incoming(IncomingSms("memory", NUMBER, "好的谢谢", NIGHT))
    assert opted == []
    await box.on_incoming(IncomingSms("memory", NUMBER, " td ", NIGHT))
    assert opted == [NUMBER]
    assert await status(db, marketing.id) == ("failed", 0, "opted out")
    assert (await status(db, service.id))[0] == "queued"


async def test_a_sender_that_cannot_start_is_shown_and_messages_wait(db: Database) -> None:
    sender, clock = MemorySender(fail_start="cannot open /dev/ttyUSB0"), Clock(NOON)
    box = outbox(db, sender, clock)
    await box.start()
    try:
        [message] = await box.queue(ACTOR, [sms()])
        assert box.health["memory"].up is False
        assert box.health["memory"].problem == "cannot open /dev/ttyUSB0"
        assert await box.send_due() is False
        assert (await box.get(message.id)).status is SmsStatus.QUEUED
    finally:
        await box.stop()


async def test_the_running_task_sends_what_is_queued(db: Database) -> None:
    sender, clock = MemorySender(), Clock(NOON)
    box = outbox(db, sender, clock, poll_s=60)
    await box.start()
    try:
        [message] = await box.queue(ACTOR, [sms()])

        async def sent() -> bool:
            return (await box.get(message.id)).status is SmsStatus.SENT

        await eventually(sent, 20, "the message sent")
    finally:
        await box.stop()
    assert len(sender.sent) == 1


class LinkedSender(MemorySender):
    """A sender that keeps a link (as the GSM modem does): not ready until it says so."""

    def __init__(self) -> None:
        super().__init__(name="linked")
        self.link = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self.link.is_set()

    async def wait_ready(self, timeout_s: float | None = None) -> bool:
        await asyncio.wait_for(self.link.wait(), timeout_s)
        return self.ready


async def test_a_sender_not_ready_is_given_nothing_and_the_first_message_goes_when_it_is(
    db: Database,
) -> None:
    """At a start the modem is still being initialised: the outbox gives it no message (no attempt spent,
    no retry delay), and sends as soon as it is ready, not at the next poll (here 60 s)."""
    sender, clock = LinkedSender(), Clock(NOON)
    box = outbox(db, sender, clock, poll_s=60)
    await box.start()
    try:
        [message] = await box.queue(ACTOR, [sms(Purpose.SERVICE)])
        assert await box.send_due() is False
        await asyncio.sleep(0.3)  # the running outbox asleep on the sender's readiness
        assert await status(db, message.id) == ("queued", 0, None) and sender.sent == []
        sender.link.set()

        async def sent() -> bool:
            return (await box.get(message.id)).status is SmsStatus.SENT

        await eventually(sent, 10, "the message sent once the sender is ready")
    finally:
        await box.stop()
    assert await status(db, message.id) == ("sent", 1, None)
