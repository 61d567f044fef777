"""A missed appointment (the customer did not come) makes a reminder: call them to book again. The
appointments call it in the transaction that marks the appointment missed (``Appointments``'
``on_no_show``), so the item and the mark are written together; it is one item per appointment (its key
``no_show``, ``appointment:<id>``, the day), so marking it missed twice adds nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor
from ctid.reminders import build_store, settings_store
from ctid.reminders.appointment_models import Appointment
from ctid.reminders.models import Due, ReminderType
from ctid.reminders.queue import Found, item_rows


class NoShows:
    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)

    async def __call__(
        self, conn: AsyncConnection, actor: Actor, appointment: Appointment, now: datetime
    ) -> None:
        settings = (await settings_store.load(conn))[ReminderType.NO_SHOW]
        if not settings.enabled:
            return
        today = now.astimezone(self._zone).date()
        due = Due(
            ReminderType.NO_SHOW,
            appointment.customer_id,
            appointment.vehicle_id,
            appointment.day,
            f"appointment:{appointment.id}",
        )
        found = Found(due, appointment.branch_id, 0, today, advisor_user_id=appointment.advisor_id)
        rows = item_rows([found], settings, now)
        rows[0]["assignee_id"] = appointment.advisor_id  # who expected the car calls the customer
        await build_store.insert_items(conn, rows)
