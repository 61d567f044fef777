"""The customer page's appointments (预约), reminder history and last SMS: what the page's three cards
read, from the appointments service, the reminders' worklist and the SMS history, each within the user's
permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission, allows
from ctid.core.paging import PageRequest
from ctid.messaging.models import SmsFilter
from ctid.reminders.appointment_models import AppointmentFilter
from ctid.web.auth import current
from ctid.web.campaign_words import RESULT_WORDS
from ctid.web.keys import SERVICES

APPOINTMENTS_SHOWN = 20
SMS_SHOWN = 10  # the newest; the SMS page has them all (/sms?customer=)


async def reminders_context(request: web.Request, customer_id: int) -> dict[str, Any]:
    """``appointments`` (newest day first), ``reminders`` (items and their events, or None when the
    user may not work reminders) with ``rule_names`` (a custom item's rule's name) and ``dial_attempts``
    (each item's attempts by the dialer's campaigns), and ``sms`` (the
    newest messages, or None when the user may not send)."""
    services, user = request.app[SERVICES], current(request).user
    today, shown = services.appointments.today(), PageRequest(1, APPOINTMENTS_SHOWN)
    ahead = AppointmentFilter(customer_id=customer_id, day_from=today, page=shown)
    before = AppointmentFilter(
        customer_id=customer_id, day_to=today - timedelta(days=1), newest_first=True, page=shown
    )
    upcoming = await services.appointments.page(user, ahead)
    past = await services.appointments.page(user, before)
    history, rule_names, dialled = None, {}, {}
    if allows(user, Permission.REMINDERS_WORK):
        history = await services.reminders.worklist.of_customer(user, customer_id)
        rule_names = await services.reminders.settings.custom_rule_names()
        dialled = await services.campaigns.of_items(user, [item.id for item in history.items])
    sms = None
    if allows(user, Permission.SMS_SEND):
        theirs = SmsFilter(customer_id=customer_id)
        sms = (await services.sms.history(user, theirs, PageRequest(1, SMS_SHOWN))).items
    appointments = upcoming.items + past.items
    return {
        "appointments": appointments,
        "appointments_today": today,
        "reminders": history,
        "rule_names": rule_names,
        "dial_attempts": dialled,
        "result_words": RESULT_WORDS,
        "sms": sms,
    }
