"""Presets sent by themselves (短信预设自动发送): the open items of the types whose settings say
``auto_send_sms`` (or whose preset is ticked for automatic sending) go out on their contact day, from the
type's template, with no one working them (a preset ticked on the SMS templates page: once the due date is
within the preset's lead days): by e-mail when the type's channel is e-mail (``ctid.reminders.own_email``),
else by SMS. An SMS item is closed as sent in the transaction that queues its message, so a crash or a
second run never sends one reminder twice; an e-mail item once the SMTP server took it.

An item that cannot go stays on the worklist for a person: no mobile number or e-mail address, an opt-out,
a template that needs what the item has not (an appointment time), an e-mail the server refused, no
e-mail server set up. Run after the daily build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.errors import ValidationError
from ctid.core.paging import MAX_PER_PAGE, PageRequest
from ctid.messaging.models import Purpose
from ctid.messaging.templates import SmsTemplate
from ctid.reminders import settings_store, store
from ctid.reminders.item_models import ReminderFilter, ReminderItem
from ctid.reminders.letters import written_date
from ctid.reminders.models import OPT_OUT_OF, Channel, ItemStatus, Outcome, ReminderType
from ctid.reminders.own_email import OwnEmail
from ctid.reminders.own_email import template_key as email_template_key
from ctid.reminders.own_sms import OwnSms, Recipient
from ctid.reminders.schedule import preset_sends_on
from ctid.reminders.settings import TypeSettings

log = logging.getLogger(__name__)
AUTO_SEND = Actor.system("reminders")
MAX_A_RUN = 20_000  # a day's automatic messages; what is left goes at the next run


@dataclass(frozen=True)
class AutoSent:
    sent: int  # items closed as sent, their messages queued
    left: int  # items that stay on the worklist (no mobile, opted out of SMS, a template they cannot fill)


class AutoSend:
    def __init__(self, sms: OwnSms, email: OwnEmail | None = None) -> None:
        self._sms = sms
        self._email = email

    async def run(self, day: date) -> AutoSent:
        """Every type switched to automatic sending, its open items up to ``day``."""
        async with self._sms.db.connect() as conn:
            settings = await settings_store.load(conn)
        presets = {t.reminder_type: t for t in await self._sms.templates.list(active=True) if t.auto_send}
        sent = left = 0
        for type_, type_settings in settings.items():
            if not type_settings.enabled:
                continue
            channel = Channel.EMAIL if type_settings.channel is Channel.EMAIL else Channel.SMS
            if channel is Channel.EMAIL and (self._email is None or self._email.sender is None):
                continue  # no e-mail server: a person works them
            chosen = await self._template(type_, type_settings, presets, channel)
            if chosen is None:
                continue
            template, lead_days = chosen
            for item in await self._open_items(type_, day):
                if not preset_sends_on(item.due_on, day, lead_days):
                    continue  # waits for the preset's lead days: sent on a later day's run
                if await self._send(item, template, channel):
                    sent += 1
                else:
                    left += 1
        if sent or left:
            log.info("reminders: %d sent by themselves, %d left for the worklist", sent, left)
        return AutoSent(sent, left)

    async def _template(
        self,
        type_: ReminderType,
        settings: TypeSettings,
        presets: dict[str | None, SmsTemplate],
        channel: Channel,
    ) -> tuple[SmsTemplate, int | None] | None:
        """The template a type is sent from by itself, with the lead days it waits for: its settings'
        template of the channel (an e-mail falls back on the SMS one) when they say ``auto_send_sms`` (on
        the contact days: no lead days of its own), else an active preset for the type with automatic
        sending ticked (the SMS templates page's switch), with the preset's lead days; None when the type
        is worked by people."""
        key = email_template_key(settings) if channel is Channel.EMAIL else settings.template(Channel.SMS)
        if settings.auto_send_sms and key:
            try:
                return await self._sms.templates.usable(key), None
            except ValidationError:
                log.warning("reminders: %s is sent by itself but its template %r is missing", type_, key)
                return None
        preset = presets.get(type_.value)
        return None if preset is None else (preset, preset.lead_days)

    async def _open_items(self, type_: ReminderType, day: date) -> list[ReminderItem]:
        found: list[ReminderItem] = []
        async with self._sms.db.connect() as conn:
            for page in range(1, MAX_A_RUN // MAX_PER_PAGE + 1):
                where = ReminderFilter(on_or_before=day, type=type_, page=PageRequest(page, MAX_PER_PAGE))
                batch = await store.list_items(conn, where)
                found.extend(batch.items)
                if page >= batch.pages:
                    break
        return found

    async def _send(self, item: ReminderItem, template: SmsTemplate, channel: Channel) -> bool:
        values = item_values(item)
        to = recipient(item)
        if channel is Channel.EMAIL:
            assert self._email is not None

            async def mailed(conn: AsyncConnection, now: datetime) -> bool:
                return await _close_as_sent(conn, item, now, Channel.EMAIL)

            return await self._email.send_once(to, template, values, mailed)

        async def close(conn: AsyncConnection, sms_id: int, now: datetime) -> bool:
            return await _close_as_sent(conn, item, now, Channel.SMS, sms_id)

        return await self._sms.send_once(
            AUTO_SEND, to, template, values, Purpose.MARKETING, close, topic=item.type.value
        )


def item_values(item: ReminderItem) -> dict[str, str]:
    """What an item's template is filled with (its SMS or e-mail, sent by itself or from the worklist)."""
    values = {"customer": item.customer_name, "due_date": written_date(item.due_on)}
    if item.plate:
        values["plate"] = item.plate
    return values


def recipient(item: ReminderItem) -> Recipient:
    """The item's customer, and the opt-out that refuses its type."""
    return Recipient(item.branch_id, item.customer_id, OPT_OUT_OF[item.type])


async def _close_as_sent(
    conn: AsyncConnection, item: ReminderItem, now: datetime, channel: Channel, sms_id: int | None = None
) -> bool:
    values = {"status": ItemStatus.DONE.value, "outcome": Outcome.SENT.value, "updated_at": now}
    if not await store.close_if_open(conn, item.id, values):
        return False  # a person worked it meanwhile
    await store.insert_event(
        conn,
        {
            "item_id": item.id,
            "customer_id": item.customer_id,
            "at": now,
            "user_id": None,
            "outcome": Outcome.SENT.value,
            "note": "",
            "channel": channel.value,
            "sms_id": sms_id,
        },
    )
    after: dict[str, object] = {"status": ItemStatus.DONE.value, "outcome": Outcome.SENT.value}
    after.update({"sms_id": sms_id} if sms_id is not None else {"channel": channel.value})
    await audit.record(conn, AUTO_SEND, "reminder.update", ("reminder", item.id), now, after=after)
    return True
