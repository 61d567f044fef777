"""A reminder item sent by e-mail from the worklist ("发邮件"): the item's type's template filled as its SMS
is (``auto_send.item_values``), to the customer's address, through the shop's SMTP server; then the item is
closed as sent through the worklist (an event of the customer's history, an audit entry), as a person's
outcome is. Only e-mail items (their type's channel), still open; every refusal is said in words."""

from __future__ import annotations

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit.models import Actor
from ctid.core.errors import N_, Conflict
from ctid.crm import scope
from ctid.reminders import settings_store
from ctid.reminders.auto_send import item_values, recipient
from ctid.reminders.item_models import ItemChange, ReminderItem
from ctid.reminders.models import Channel, ItemStatus, Outcome
from ctid.reminders.own_email import OwnEmail
from ctid.reminders.worklist import Worklist


class ItemEmails:
    def __init__(self, worklist: Worklist, email: OwnEmail) -> None:
        self._worklist = worklist
        self._email = email

    async def send(self, actor: Actor, user: User, item_id: int) -> ReminderItem:
        """Sent and closed as sent (the note names the address), or a refusal in words: not an e-mail
        item, no longer open, no address, an opt-out, no template, no server, the server's no."""
        scope.require(user, Permission.REMINDERS_WORK)
        item = await self._worklist.get(user, item_id)
        if item.channel is not Channel.EMAIL:
            raise Conflict(N_("This reminder does not go by e-mail."))
        if item.status is not ItemStatus.OPEN:
            raise Conflict(N_("This reminder was already worked."))
        async with self._email.db.connect() as conn:
            settings = (await settings_store.load(conn))[item.type]
        template = await self._email.template(settings)
        async with self._email.db.connect() as conn:
            email = await self._email.email(conn, recipient(item), template, item_values(item))
        await self._email.send(email)
        change = ItemChange(outcome=Outcome.SENT, note=f"{email.subject} → {email.to}")
        return await self._worklist.change(actor, user, item_id, change)
