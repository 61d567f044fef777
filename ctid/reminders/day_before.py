"""The day-before SMS of an appointment (预约前一天提醒): each booked appointment of tomorrow whose customer
has not had it gets the outbox's ``appointment_reminder`` preset, sent by the daemon with the daily
reminder job. ``appointments.reminded_at`` is set in the transaction that queues the message, so a second
run (or one after a crash) sends nothing again. A customer without a mobile or who refused SMS gets none,
and the template switched off (inactive) sends nothing."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor
from ctid.core.errors import ValidationError
from ctid.messaging.models import Purpose
from ctid.messaging.templates import SmsTemplate
from ctid.reminders import appointment_store
from ctid.reminders.appointment_models import Appointment
from ctid.reminders.own_sms import OwnSms, Recipient

log = logging.getLogger(__name__)
TEMPLATE = "appointment_reminder"
SENDER = Actor.system("appointments")


def appointment_time(appointment: Appointment) -> str:
    """As the customer reads it: 12月8日 09:30."""
    return f"{appointment.day.month}月{appointment.day.day}日 {appointment.slot}"


class DayBefore:
    def __init__(self, sms: OwnSms) -> None:
        self._sms = sms

    async def run(self, today: date) -> int:
        """The SMS for tomorrow's appointments; how many were queued."""
        try:
            template = await self._sms.templates.usable(TEMPLATE)
        except ValidationError:
            return 0  # switched off by an admin
        async with self._sms.db.connect() as conn:
            due = await appointment_store.to_remind(conn, today + timedelta(days=1))
        sent = 0
        for appointment in due:
            sent += await self._send(appointment, template)
        if due:
            log.info("appointments: %d day-before SMS queued of %d booked for tomorrow", sent, len(due))
        return sent

    async def _send(self, appointment: Appointment, template: SmsTemplate) -> int:
        values = {
            "customer": appointment.customer_name,
            "appointment_time": appointment_time(appointment),
            "advisor": appointment.advisor_name,
            "plate": appointment.plate,  # none: the template cannot be filled and the advisor calls
        }
        to = Recipient(appointment.branch_id, appointment.customer_id)

        async def mark(conn: AsyncConnection, _sms_id: int, now: datetime) -> bool:
            return await appointment_store.mark_reminded(conn, appointment.id, now)

        sent = await self._sms.send_once(SENDER, to, template, values, Purpose.SERVICE, mark)
        return int(sent)
