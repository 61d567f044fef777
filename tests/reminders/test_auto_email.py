"""Reminders by e-mail sent by themselves (ctid.reminders.auto_send with ctid.reminders.own_email), on each
backend, through a real local SMTP server: a type whose channel is e-mail and whose settings say automatic
sending has its open items e-mailed from its template and closed as sent, once; an item without an address,
of a customer who refused the type, or whose address the server refused stays on the worklist; no e-mail
server, nothing is sent and nothing closed."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import insert, select, update

from ctid.crm.tables import customer_opt_outs, customers
from ctid.messaging.email import EmailSender, SmtpSettings
from ctid.messaging.outbox import OutboxSettings, SmsOutbox
from ctid.messaging.tables import sms_messages
from ctid.messaging.template_service import SmsTemplates
from ctid.reminders import settings_store
from ctid.reminders.auto_send import AutoSend
from ctid.reminders.models import Channel, ReminderType
from ctid.reminders.own_email import OwnEmail
from ctid.reminders.own_sms import OwnSms
from ctid.reminders.settings import DEFAULT_SETTINGS
from ctid.reminders.tables import reminder_events, reminder_items
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_items, item_row
from tests.support.smtp import plain_smtp


def _sender(port: int) -> EmailSender:
    return EmailSender(
        SmtpSettings("127.0.0.1", port, "none", from_address="service@shop.example", timeout_s=10)
    )


async def _auto_send(db: Database, sender: EmailSender | None) -> AutoSend:
    birthday = replace(DEFAULT_SETTINGS[ReminderType.BIRTHDAY], channel=Channel.EMAIL, auto_send_sms=True)
    async with db.begin() as conn:
        await settings_store.save(conn, birthday, NOW, None)
    templates = SmsTemplates(db, lambda: NOW)
    outbox = SmsOutbox(db, [], OutboxSettings(), "Asia/Shanghai", lambda: NOW)
    sms = OwnSms(db, outbox, templates, "本店", lambda: NOW)
    return AutoSend(sms, OwnEmail(db, sender, templates, "本店", lambda: NOW))


async def _customer(db: Database, branch_id: int, name: str, email: str | None) -> int:
    customer = await add_customer(db, branch_id, name)
    async with db.begin() as conn:
        await conn.execute(update(customers).where(customers.c.id == customer).values(email=email))
    return customer


async def _items(db: Database) -> list[tuple[int, str, str | None]]:
    query = select(reminder_items.c.customer_id, reminder_items.c.status, reminder_items.c.outcome)
    async with db.connect() as conn:
        return [(int(c), str(s), o) for c, s, o in await conn.execute(query.order_by(reminder_items.c.id))]


async def test_an_email_type_is_mailed_once_and_closed_as_sent(db: Database, branch_id: int) -> None:
    wang = await _customer(db, branch_id, "王伟", "wang@example.com")
    none = await _customer(db, branch_id, "李娜", None)
    refused = await _customer(db, branch_id, "赵六", "zhao@example.com")
    bounced = await _customer(db, branch_id, "钱七", "nobody@example.com")
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(customer_id=refused, contact_type="birthday", created_at=NOW)
        )
    everyone = (wang, none, refused, bounced)
    await add_items(db, *(item_row(branch_id, c, None, "birthday", TODAY, channel="email") for c in everyone))
    with plain_smtp() as (inbox, port):
        sender = await _auto_send(db, _sender(port))
        result = await sender.run(TODAY)
        assert (result.sent, result.left) == (1, 3)
        [message] = inbox.messages
        assert message["To"] == "wang@example.com" and message["Subject"] == "生日祝福（本店）"
        text = message.get_content()
        assert "王伟" in text and "本店" in text and "{" not in text, "every placeholder filled"
        assert "退订" not in text, "the SMS opt-out tail is left out of an e-mail"
        again = await sender.run(TODAY)
        assert (again.sent, len(inbox.messages)) == (0, 1), "a second run sends nothing twice"
    assert await _items(db) == [
        (wang, "done", "sent"),
        (none, "open", None),
        (refused, "open", None),
        (bounced, "open", None),
    ]
    async with db.connect() as conn:
        events = (await conn.execute(select(reminder_events.c.outcome, reminder_events.c.channel))).all()
        texts = (await conn.execute(select(sms_messages.c.id))).all()
    assert [tuple(e) for e in events] == [("sent", "email")], "the customer's history says by e-mail"
    assert texts == [], "no SMS instead"


async def test_without_an_email_server_the_items_wait_for_a_person(db: Database, branch_id: int) -> None:
    wang = await _customer(db, branch_id, "王伟", "wang@example.com")
    await add_items(db, item_row(branch_id, wang, None, "birthday", TODAY, channel="email"))
    result = await (await _auto_send(db, None)).run(TODAY)
    assert (result.sent, result.left) == (0, 0)
    assert await _items(db) == [(wang, "open", None)]
