"""The day's letters as the letters page and its CSV read them, and marking them posted.

Reads through the worklist (its permission and branch walls, its order) and marks each item sent through
it too, so a posted letter is an outcome, an event of the customer's history and an audit entry like a
call's."""

from __future__ import annotations

from datetime import date

from ctid.accounts.models import User
from ctid.audit.models import Actor
from ctid.core.paging import MAX_PER_PAGE, PageRequest
from ctid.messaging.template_service import SmsTemplates
from ctid.reminders import settings_store, store
from ctid.reminders.item_models import ItemChange, ReminderFilter, ReminderItem
from ctid.reminders.letters import MAX_LETTERS, Letter, letters
from ctid.reminders.models import Channel, Outcome
from ctid.reminders.worklist import Worklist
from ctid.storage.db import Database


class LetterService:
    def __init__(self, db: Database, worklist: Worklist, templates: SmsTemplates, shop: str) -> None:
        self._db = db
        self._worklist = worklist
        self._templates = templates
        self._shop = shop

    async def of_day(self, user: User, day: date, branch_id: int | None = None) -> list[Letter]:
        """The open letter items due by ``day`` (overdue ones too) in the user's branch, one letter a
        contact."""
        items = await self._items(user, day, branch_id)
        async with self._db.connect() as conn:
            addresses = await store.customer_addresses(conn, {item.customer_id for item in items})
            settings = await settings_store.load(conn)
        texts = {template.key: template.text for template in await self._templates.list(active=True)}
        return letters(items, addresses, settings, texts, self._shop)

    async def mark_sent(self, actor: Actor, user: User, item_ids: list[int]) -> int:
        """Each item closed as sent (the worklist checks each: branch, still open); how many were."""
        for item_id in item_ids:
            await self._worklist.change(actor, user, item_id, ItemChange(outcome=Outcome.SENT))
        return len(item_ids)

    async def _items(self, user: User, day: date, branch_id: int | None) -> list[ReminderItem]:
        found: list[ReminderItem] = []
        page = 1
        while len(found) < MAX_LETTERS:
            where = ReminderFilter(
                branch_id=branch_id,
                on_or_before=day,
                channel=Channel.LETTER,
                page=PageRequest(page, MAX_PER_PAGE),
            )
            batch = await self._worklist.page(user, where)
            found.extend(batch.items)
            if page >= batch.pages:
                break
            page += 1
        return found[:MAX_LETTERS]
