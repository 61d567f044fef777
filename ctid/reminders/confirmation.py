"""The confirmation SMS of a booking (预约确认): the outbox's ``appointment_confirm`` preset to the customer's
first mobile, queued in the transaction that writes the appointment (``Appointments``' ``confirms``), so
the booking and its confirmation are kept or lost together, whoever books (the booking form, the pop, a
program through the API). A service message: it goes at any hour, and a marketing opt-out does not stop it
(an SMS opt-out does). Sent the way the day-before reminder is (``OwnSms``), with its time words."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor
from ctid.core.errors import Conflict, ValidationError
from ctid.messaging import template_store
from ctid.messaging.models import Purpose
from ctid.messaging.template_service import NO_SUCH_TEMPLATE
from ctid.reminders.appointment_models import Appointment, Confirmation
from ctid.reminders.day_before import appointment_time
from ctid.reminders.own_sms import OwnSms, Recipient

TEMPLATE = "appointment_confirm"


class Confirmations:
    def __init__(self, sms: OwnSms) -> None:
        self._sms = sms

    async def __call__(self, conn: AsyncConnection, actor: Actor, appointment: Appointment) -> Confirmation:
        template = await template_store.find_template(conn, TEMPLATE)
        if template is None or not template.active:
            return Confirmation(refused=NO_SUCH_TEMPLATE)
        values = {
            "customer": appointment.customer_name,
            "appointment_time": appointment_time(appointment),
            "advisor": appointment.advisor_name,
        }
        if appointment.plate:
            values["plate"] = appointment.plate
        to = Recipient(appointment.branch_id, appointment.customer_id)
        try:
            queued = await self._sms.queue_in(conn, actor, to, template, values, Purpose.SERVICE)
        except (Conflict, ValidationError) as refused:
            params = {name: str(value) for name, value in refused.params.items()}
            return Confirmation(refused=refused.message, params=params)
        return Confirmation(sms_id=queued.id)

    def wake(self) -> None:
        self._sms.outbox.wake()
