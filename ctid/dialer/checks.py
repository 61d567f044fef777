"""What the lists say of a campaign's contacts at dial time, as ``eligibility.ContactView``s: the
do-not-call list (the call log's), the customers' opt-outs of what the call is about (the reminder item's
type; a campaign from a search is marketing), and whether they were contacted within the campaign's window
(an answered call, a done item, an SMS about it: ``ctid.reminders.candidate_store.contacted``). Read for a
batch of contacts at once, so the runner and the live page ask the same thing the same way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.calls import dnc_store
from ctid.dialer import store
from ctid.dialer.campaign_settings import CampaignSettings
from ctid.dialer.eligibility import ContactView
from ctid.dialer.records import Contact
from ctid.reminders import candidate_store
from ctid.reminders.models import OPT_OUT_OF, ReminderType

UNKNOWN_TOPIC = ReminderType.CUSTOM  # a contact without a reminder item: marketing (OPT_OUT_OF)


async def contact_views(
    conn: AsyncConnection, contacts: Sequence[Contact], settings: CampaignSettings, now: datetime
) -> dict[int, ContactView]:
    """Each contact's view by its id."""
    listed = await dnc_store.numbers_in(conn, [c.number_e164 for c in contacts if c.number_e164])
    types = await store.item_types(conn, [c.reminder_item_id for c in contacts if c.reminder_item_id])
    topic = {c.id: _topic(types.get(c.reminder_item_id or 0)) for c in contacts}
    refused: set[int] = set()
    recent: set[int] = set()
    for type_ in set(topic.values()):
        customers = {c.customer_id for c in contacts if c.customer_id is not None and topic[c.id] == type_}
        refused |= await candidate_store.opted_out(conn, customers, OPT_OUT_OF[type_].value)
        if settings.contacted_window_days:
            since = now - timedelta(days=settings.contacted_window_days)
            recent |= await candidate_store.contacted(conn, customers, type_, since)
    return {
        c.id: ContactView(
            status=c.status,
            attempts=c.attempts,
            next_try_at=c.next_try_at,
            has_number=c.number_e164 is not None,
            call_back=c.call_back,
            do_not_call=c.number_e164 in listed,
            opted_out=c.customer_id in refused,
            contacted_recently=c.customer_id in recent,
        )
        for c in contacts
    }


def _topic(type_: str | None) -> ReminderType:
    try:
        return ReminderType(type_) if type_ else UNKNOWN_TOPIC
    except ValueError:
        return UNKNOWN_TOPIC
