"""The day-before SMS of an appointment (预约前一天提醒): each booked appointment of tomorrow whose customer
has not had it gets the outbox's ``appointment_reminder`` preset, sent by the daemon with the daily
reminder job. ``appointments.reminded_at`` is set in the transaction that queues the message, so a second
run (or one after a crash) sends nothing again. A customer without a mobile or who refused SMS gets none,
and the template switched off (inactive) sends nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import ValidationError
from ctid.messaging.models import NewSms, Purpose, SmsMessage
from ctid.messaging.outbox import SmsOutbox
from ctid.messaging.template_service import SmsTemplates
from ctid.messaging.templates import SmsTemplate, placeholders, render
from ctid.reminders import appointment_store
from ctid.reminders.appointment_models import Appointment
from ctid.reminders.auto_send import customer_mobile
from ctid.storage.db import Database

log = logging.getLogger(__name__)
TEMPLATE = "appointment_reminder"
SENDER = Actor.system("appointments")


class _RemindedMeanwhile(Exception):
    """Another run marked the appointment first: its message is not queued."""


def appointment_time(appointment: Appointment) -> str:
    """As the customer reads it: 12月8日 09:30."""
    return f"{appointment.day.month}月{appointment.day.day}日 {appointment.slot}"


class DayBefore:
    def __init__(
        self,
        db: Database,
        outbox: SmsOutbox,
        templates: SmsTemplates,
        shop: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._templates = templates
        self._shop = shop
        self._clock = clock

    async def run(self, today: date) -> int:
        """The SMS for tomorrow's appointments; how many were queued."""
        try:
            template = await self._templates.usable(TEMPLATE)
        except ValidationError:
            return 0  # switched off by an admin
        async with self._db.connect() as conn:
            due = await appointment_store.to_remind(conn, today + timedelta(days=1))
        sent = 0
        for appointment in due:
            sent += await self._send(appointment, template)
        if due:
            log.info("appointments: %d day-before SMS queued of %d booked for tomorrow", sent, len(due))
        return sent

    async def _send(self, appointment: Appointment, template: SmsTemplate) -> int:
        async with self._db.connect() as conn:
            number = await customer_mobile(conn, appointment.customer_id)
        if number is None:
            return 0
        values = {
            "customer": appointment.customer_name,
            "appointment_time": appointment_time(appointment),
            "advisor": appointment.advisor_name,
            "shop": self._shop,
            "plate": appointment.plate,
        }
        try:
            text = render(template.text, values)
        except ValidationError:
            return 0  # a value the appointment has not (no car): the advisor calls instead
        message = NewSms(
            branch_id=appointment.branch_id,
            number=number,
            text=text,
            purpose=Purpose.SERVICE,
            customer_id=appointment.customer_id,
            template_key=template.key,
            template_code=template.provider_code,
            params={name: values[name] for name in placeholders(template.text)},
        )

        async def mark(conn: AsyncConnection, _queued: list[SmsMessage]) -> None:
            if not await appointment_store.mark_reminded(conn, appointment.id, self._clock()):
                raise _RemindedMeanwhile

        try:
            await self._outbox.queue(SENDER, [message], then=mark)
        except _RemindedMeanwhile:
            return 0
        return 1
