"""SMS the daemon sends customers of its own accord (a preset sent by itself, the day-before reminder of
an appointment): to the customer's first mobile, from a template, queued once.

Once: the caller's row (a reminder closed as sent, an appointment marked reminded) is written in the
transaction that queues the message (``SmsOutbox.queue(..., then=)``), and when that row was already done
(a person worked the reminder, another run got there first) nothing is queued. Nothing goes to a customer
without a mobile, who refused SMS or the topic, or whose template needs a value the caller has not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, ValidationError
from ctid.crm import customer_store
from ctid.crm.models import ContactType
from ctid.messaging.models import NewSms, Purpose, SmsMessage
from ctid.messaging.numbers import why_not_sms
from ctid.messaging.outbox import SmsOutbox
from ctid.messaging.template_service import SmsTemplates
from ctid.messaging.templates import SmsTemplate, placeholders, render
from ctid.storage.db import Database

Mark = Callable[[AsyncConnection, int, datetime], Awaitable[bool]]
"""Writes the caller's row for the message queued (its id, now); False when the row was already done."""


@dataclass(frozen=True)
class Recipient:
    branch_id: int
    customer_id: int
    about: ContactType | None = None  # an opt-out that refuses this message too (a reminder type's)


class _AlreadyDone(Exception):
    """The caller's row was done meanwhile: the message is not queued."""


@dataclass(frozen=True)
class OwnSms:
    db: Database
    outbox: SmsOutbox
    templates: SmsTemplates
    shop: str
    clock: Callable[[], datetime] = utcnow

    async def send_once(
        self,
        actor: Actor,
        to: Recipient,
        template: SmsTemplate,
        values: Mapping[str, str],
        purpose: Purpose,
        mark: Mark,
        topic: str | None = None,
    ) -> bool:
        """Queued and marked together (True), or neither (False: see the module's reasons)."""
        async with self.db.connect() as conn:
            try:
                message = await self.message(conn, to, template, values, purpose, topic)
            except (Conflict, ValidationError):
                return False

        async def then(conn: AsyncConnection, queued: list[SmsMessage]) -> None:
            if not await mark(conn, queued[0].id, self.clock()):
                raise _AlreadyDone

        try:
            await self.outbox.queue(actor, [message], then=then)
        except _AlreadyDone:
            return False
        return True

    async def message(
        self,
        conn: AsyncConnection,
        to: Recipient,
        template: SmsTemplate,
        values: Mapping[str, str],
        purpose: Purpose,
        topic: str | None = None,
    ) -> NewSms:
        """The message for this customer from this template; Conflict in words when they take no SMS (no
        mobile, an opt-out), ValidationError when the template needs a value not given."""
        number = await customer_mobile(conn, to.customer_id, to.about)
        if number is None:
            raise Conflict(await _why_no_sms(conn, to))
        filled = {**values, "shop": self.shop}
        return NewSms(
            branch_id=to.branch_id,
            number=number,
            text=render(template.text, filled),
            purpose=purpose,
            customer_id=to.customer_id,
            template_key=template.key,
            template_code=template.provider_code,
            params={name: filled[name] for name in placeholders(template.text)},
            topic=topic,
        )

    async def queue_in(
        self,
        conn: AsyncConnection,
        actor: Actor,
        to: Recipient,
        template: SmsTemplate,
        values: Mapping[str, str],
        purpose: Purpose,
    ) -> SmsMessage:
        """Queued in the caller's transaction (a booking's confirmation), or Conflict / ValidationError in
        words as ``message`` says. The caller wakes the outbox once it committed."""
        message = await self.message(conn, to, template, values, purpose)
        [queued] = await self.outbox.queue_in(conn, actor, [message])
        return queued


async def _why_no_sms(conn: AsyncConnection, to: Recipient) -> str:
    refused = {o.contact_type for o in await customer_store.opt_outs(conn, to.customer_id)}
    if ContactType.SMS in refused:
        return N_("This customer asked for no SMS.")
    if to.about is not None and to.about in refused:
        return N_("This customer asked not to be contacted about this.")
    return N_("This customer has no mobile number.")


async def customer_mobile(
    conn: AsyncConnection, customer_id: int, about: ContactType | None = None
) -> str | None:
    """The customer's first mobile; None when they have none, refused SMS, or refused being contacted
    ``about`` this (a reminder type's opt-out)."""
    refused = {o.contact_type for o in await customer_store.opt_outs(conn, customer_id)}
    if ContactType.SMS in refused or (about is not None and about in refused):
        return None
    phones = await customer_store.phones(conn, customer_id)
    mobiles = [p.e164 for p in phones if why_not_sms(p.e164) is None]
    return mobiles[0] if mobiles else None
