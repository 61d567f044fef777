"""Presets sent by themselves (ctid.reminders.auto_send), on each backend: a type switched to automatic
SMS has its open items sent from its template and closed as sent with the message's id, once (a second run
sends nothing); an item that cannot go by SMS stays on the worklist."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import insert, select, update

from ctid.crm.tables import customer_opt_outs, customer_phones
from ctid.messaging.outbox import OutboxSettings, SmsOutbox
from ctid.messaging.tables import sms_messages, sms_templates
from ctid.messaging.template_service import SmsTemplates
from ctid.reminders import settings_store
from ctid.reminders.auto_send import AutoSend
from ctid.reminders.models import ReminderType
from ctid.reminders.own_sms import OwnSms
from ctid.reminders.settings import DEFAULT_SETTINGS
from ctid.reminders.tables import reminder_events, reminder_items
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_items, item_row


async def _auto_send(db: Database, on: bool = True) -> AutoSend:
    birthday = replace(DEFAULT_SETTINGS[ReminderType.BIRTHDAY], auto_send_sms=on)
    async with db.begin() as conn:
        await settings_store.save(conn, birthday, NOW, None)
    outbox = SmsOutbox(db, [], OutboxSettings(), "Asia/Shanghai", lambda: NOW)
    return AutoSend(OwnSms(db, outbox, SmsTemplates(db, lambda: NOW), "本店", lambda: NOW))


async def _customer(db: Database, branch_id: int, name: str, number: str | None) -> int:
    customer = await add_customer(db, branch_id, name)
    if number:
        async with db.begin() as conn:
            await conn.execute(
                insert(customer_phones).values(customer_id=customer, number=number, e164=number)
            )
    return customer


async def _state(db: Database) -> tuple[list[tuple[int, str, str | None]], list[tuple[int | None, str]]]:
    async with db.connect() as conn:
        items = [
            tuple(r)
            for r in await conn.execute(
                select(
                    reminder_items.c.customer_id, reminder_items.c.status, reminder_items.c.outcome
                ).order_by(reminder_items.c.id)
            )
        ]
        messages = [
            tuple(r)
            for r in await conn.execute(
                select(sms_messages.c.customer_id, sms_messages.c.text).order_by(sms_messages.c.id)
            )
        ]
    return items, messages  # type: ignore[return-value]


async def test_an_automatic_type_is_sent_once_and_closed_as_sent(db: Database, branch_id: int) -> None:
    mobile = await _customer(db, branch_id, "王伟", "+8613800138000")
    landline = await _customer(db, branch_id, "李娜", "+862038886666")
    refused = await _customer(db, branch_id, "赵六", "+8613900139000")
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(customer_id=refused, contact_type="sms", created_at=NOW)
        )
    await add_items(
        db,
        *(
            item_row(branch_id, c, None, "birthday", TODAY, channel="sms")
            for c in (mobile, landline, refused)
        ),
    )
    sender = await _auto_send(db)
    result = await sender.run(TODAY)
    assert (result.sent, result.left) == (1, 2)
    items, messages = await _state(db)
    assert items == [(mobile, "done", "sent"), (landline, "open", None), (refused, "open", None)]
    assert len(messages) == 1 and messages[0][0] == mobile and "王伟" in messages[0][1]
    assert "{" not in messages[0][1], "every placeholder filled"
    async with db.connect() as conn:
        events = (await conn.execute(select(reminder_events.c.outcome, reminder_events.c.sms_id))).all()
        sms_id = await conn.scalar(select(sms_messages.c.id))
    assert [tuple(e) for e in events] == [("sent", sms_id)], "the history names the message"
    again = await sender.run(TODAY)
    assert (again.sent, len((await _state(db))[1])) == (0, 1), "a second run sends nothing twice"


async def test_a_type_not_switched_on_is_left_to_the_worklist(db: Database, branch_id: int) -> None:
    mobile = await _customer(db, branch_id, "王伟", "+8613800138000")
    await add_items(db, item_row(branch_id, mobile, None, "birthday", TODAY, channel="sms"))
    result = await (await _auto_send(db, on=False)).run(TODAY)
    assert (result.sent, result.left) == (0, 0)
    items, messages = await _state(db)
    assert items == [(mobile, "open", None)] and messages == []


async def test_a_later_contact_day_waits(db: Database, branch_id: int) -> None:
    mobile = await _customer(db, branch_id, "王伟", "+8613800138000")
    later = date(2026, 12, 9)
    await add_items(db, item_row(branch_id, mobile, None, "birthday", later, contact_on=later, channel="sms"))
    assert (await (await _auto_send(db)).run(TODAY)).sent == 0


async def test_a_preset_ticked_to_send_itself_sends_its_type(db: Database, branch_id: int) -> None:
    """The SMS templates page's "automatic sending" on a preset for a type does it too (the type's own
    settings left as they are)."""
    mobile = await _customer(db, branch_id, "王伟", "+8613800138000")
    await add_items(db, item_row(branch_id, mobile, None, "birthday", TODAY, channel="sms"))
    sender = await _auto_send(db, on=False)
    async with db.begin() as conn:
        await conn.execute(
            update(sms_templates).where(sms_templates.c.key == "birthday").values(auto_send=True)
        )
    assert (await sender.run(TODAY)).sent == 1
    items, messages = await _state(db)
    assert items == [(mobile, "done", "sent")] and "生日快乐" in messages[0][1]


async def test_a_preset_waits_for_its_lead_days_then_sends_once(db: Database, branch_id: int) -> None:
    """An item on the list long before its due date (insurance from T-45) is sent by a preset ticked for
    automatic sending only once the due date is within the preset's lead days, then never again."""
    mobile = await _customer(db, branch_id, "王伟", "+8613800138000")
    due_on = date(2026, 12, 12)  # TODAY + 5
    await add_items(db, item_row(branch_id, mobile, None, "birthday", due_on, channel="sms"))
    sender = await _auto_send(db, on=False)
    async with db.begin() as conn:
        await conn.execute(
            update(sms_templates).where(sms_templates.c.key == "birthday").values(auto_send=True, lead_days=2)
        )
    early = await sender.run(TODAY)
    assert (early.sent, early.left) == (0, 0), "five days ahead: waits for the preset's two"
    assert await _state(db) == ([(mobile, "open", None)], [])
    assert (await sender.run(date(2026, 12, 9))).sent == 0
    assert (await sender.run(date(2026, 12, 10))).sent == 1, "two days before the due date"
    assert (await sender.run(date(2026, 12, 11))).sent == 0, "once"
    items, messages = await _state(db)
    assert items == [(mobile, "done", "sent")] and len(messages) == 1


async def test_the_types_own_switch_keeps_the_contact_day(db: Database, branch_id: int) -> None:
    """The type's own ``auto_send_sms`` sends on the contact day: a preset's lead days are not its."""
    mobile = await _customer(db, branch_id, "王伟", "+8613800138000")
    await add_items(db, item_row(branch_id, mobile, None, "birthday", date(2026, 12, 12), channel="sms"))
    sender = await _auto_send(db, on=True)
    async with db.begin() as conn:
        await conn.execute(update(sms_templates).where(sms_templates.c.key == "birthday").values(lead_days=2))
    assert (await sender.run(TODAY)).sent == 1
