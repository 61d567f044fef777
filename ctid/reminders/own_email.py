"""Reminders by e-mail (the reminder types whose channel is e-mail): the type's template filled as its SMS
is, to the customer's address, through the shop's SMTP server (``ctid.messaging.email``, ``[email]``).

Sent at once, not queued: an SMTP server answers in a second and says yes or no, and the answer is what
the worklist shows. The item is closed as sent after the server took the message, so a message the server
refused leaves it open; a daemon killed between the two (milliseconds) leaves it open too, and the next
run could send that one again (a second e-mail is a small harm; a lost reminder, marked sent, is not
seen again). Nothing goes to a customer without an address or who refused being contacted about the
type; no template, or one needing a value the item has not, sends nothing either.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, ValidationError
from ctid.crm import customer_store
from ctid.messaging.email import Email, EmailSender
from ctid.messaging.template_service import SmsTemplates
from ctid.messaging.templates import SmsTemplate, render
from ctid.reminders.letters import SMS_OPT_OUT
from ctid.reminders.models import Channel
from ctid.reminders.own_sms import Recipient
from ctid.reminders.settings import TypeSettings
from ctid.storage.db import Database

log = logging.getLogger(__name__)

EmailMark = Callable[[AsyncConnection, datetime], Awaitable[bool]]
"""Writes the caller's row for the e-mail that went (the item closed as sent); False when already done."""

NO_ADDRESS = N_("This customer has no e-mail address.")
NO_SERVER = N_("No e-mail server is set up ([email] host in the configuration).")
NO_TEMPLATE = N_("This reminder type has no template to write the e-mail from.")


class EmailNotSent(Conflict):
    """The SMTP server did not take the message (down, refused the address): its answer in the words."""

    code = "email_not_sent"


def template_key(settings: TypeSettings) -> str | None:
    """The template an e-mail of this type is written from: its own e-mail template, else its SMS one."""
    return settings.template(Channel.EMAIL) or settings.template(Channel.SMS)


@dataclass(frozen=True)
class OwnEmail:
    db: Database
    sender: EmailSender | None
    templates: SmsTemplates
    shop: str
    clock: Callable[[], datetime] = utcnow

    async def template(self, settings: TypeSettings) -> SmsTemplate:
        """The type's active template: Conflict when the type names none, ValidationError naming
        ``template`` when the one it names is missing or switched off."""
        key = template_key(settings)
        if key is None:
            raise Conflict(NO_TEMPLATE)
        return await self.templates.usable(key)

    async def email(
        self, conn: AsyncConnection, to: Recipient, template: SmsTemplate, values: Mapping[str, str]
    ) -> Email:
        """The message for this customer: Conflict in words when they have no address or refused being
        contacted about this, ValidationError when the template needs a value not given."""
        customer = await customer_store.get_customer(conn, to.customer_id)
        if customer is None or not customer.email:
            raise Conflict(NO_ADDRESS)
        refused = {o.contact_type for o in await customer_store.opt_outs(conn, to.customer_id)}
        if to.about is not None and to.about in refused:
            raise Conflict(N_("This customer asked not to be contacted about this."))
        # an SMS preset's opt-out tail (回复TD退订) means nothing in an e-mail: the SMS replies are read
        text = render(SMS_OPT_OUT.sub("", template.text, count=1).strip(), {**values, "shop": self.shop})
        subject = f"{template.name}（{self.shop}）" if self.shop else template.name
        return Email(customer.email, subject, text)

    async def send(self, email: Email) -> None:
        """Handed to the SMTP server, or EmailNotSent with its answer (Conflict when there is no server)."""
        if self.sender is None:
            raise Conflict(NO_SERVER)
        result = await self.sender.send(email)
        if not result.ok:
            raise EmailNotSent(N_("The e-mail server did not take it: %(error)s"), error=result.error or "")

    async def send_once(
        self, to: Recipient, template: SmsTemplate, values: Mapping[str, str], mark: EmailMark
    ) -> bool:
        """Sent, then marked (True); or not sent (False: the module's reasons, the server's no)."""
        async with self.db.connect() as conn:
            try:
                email = await self.email(conn, to, template, values)
            except (Conflict, ValidationError):
                return False
        try:
            await self.send(email)
        except Conflict as refused:
            log.warning("reminders: an e-mail to customer %d was not sent: %s", to.customer_id, refused)
            return False
        async with self.db.begin() as conn:
            await mark(conn, self.clock())
        return True
