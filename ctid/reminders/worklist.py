"""The worklist: the daily queue's items as people work them (list, read, give an outcome, a note, snooze),
and a customer's reminder history.

Branch walls as everywhere (``ctid.accounts.branch_scope``): another branch's item is 404. Every change is
audited (``reminder.update``, the fields that changed) and written as an event of the item, in one
transaction: the event is the customer's history, the audit entry the shop's record of who changed what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound, PermissionDenied, ValidationError
from ctid.core.paging import Page
from ctid.crm import follow_ups, scope
from ctid.crm.history import diff, record_change
from ctid.reminders import settings_store, store
from ctid.reminders.item_models import CustomerReminders, ItemChange, ReminderFilter, ReminderItem
from ctid.reminders.models import Outcome, ReminderType
from ctid.reminders.outcomes import Retry, applied
from ctid.storage.db import Database

NO_SUCH_REMINDER = N_("No such reminder.")
# the outcomes of a follow-up call that spoke to the customer, and the CRM's result for each (data, as
# the CRM's own follow-up results are)
SPOKEN_TO = {
    Outcome.REACHED: "已回访",
    Outcome.BOOKED: "已回访, 已预约",
    Outcome.DECLINED: "已回访, 客户谢绝",
}
HISTORY_LIMIT = 200


class Worklist:
    def __init__(
        self,
        db: Database,
        timezone: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._zone = ZoneInfo(timezone)
        self._clock = clock

    def today(self) -> date:
        """The shop's day now."""
        return self._clock().astimezone(self._zone).date()

    async def page(self, user: User, where: ReminderFilter) -> Page[ReminderItem]:
        """Items up to a day (today's and overdue by default), within the user's branch."""
        scope.require(user, Permission.REMINDERS_WORK)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        if where.on_or_before is None and where.customer_id is None:
            where = replace(where, on_or_before=self.today())
        async with self._db.connect() as conn:
            return await store.list_items(conn, where)

    async def get(self, user: User, item_id: int) -> ReminderItem:
        scope.require(user, Permission.REMINDERS_WORK)
        async with self._db.connect() as conn:
            return await _item(conn, user, item_id)

    async def of_customer(self, user: User, customer_id: int) -> CustomerReminders:
        """The customer's items and their events (the history on the customer page and the pop)."""
        scope.require(user, Permission.REMINDERS_WORK)
        async with self._db.connect() as conn:
            branch_id = await store.customer_branch(conn, customer_id)
            if branch_id is None or not scope.visible(user, branch_id):
                raise NotFound(N_("No such customer."))
            items = await store.customer_items(conn, customer_id, HISTORY_LIMIT)
            events = await store.customer_events(conn, customer_id, HISTORY_LIMIT)
        return CustomerReminders(items, events)

    async def change(self, actor: Actor, user: User, item_id: int, change: ItemChange) -> ReminderItem:
        """Give an outcome, a note, a snooze or another assignee; written as an event and audited."""
        scope.require(user, Permission.REMINDERS_WORK)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            item = await _item(conn, user, item_id)
            await _check_assignee(conn, user, item, change)
            await record(conn, actor, user.id, item, change, now, self._zone)
            return await _item(conn, user, item_id)


async def record(
    conn: AsyncConnection,
    actor: Actor,
    user_id: int | None,
    item: ReminderItem,
    change: ItemChange,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """Apply ``change`` to ``item`` in the caller's transaction: the item's columns, its event (by
    ``user_id``, None for the system: a broadcast's DTMF answer), the audit entry and the CRM follow-up it
    resolves. The worklist's change and the dialer's result both come here, so an outcome means the same
    whoever gives it. Raises as ``outcomes.applied`` does (a Conflict for a closed item)."""
    settings = (await settings_store.load(conn))[item.type]
    retry = Retry(settings.retry_after_days, settings.retry_max_tries)
    values = applied(item, change, now, zone, retry)
    current = {name: getattr(item, name) for name in values}
    if await record_change(conn, actor, "reminder.update", ("reminder", item.id), now, diff(current, values)):
        await store.update_item(conn, item.id, {**values, "updated_at": now})
    await store.insert_event(conn, _event(item, change, user_id, now))
    if (call := crm_call(item, change)) is not None:
        kind, number, word = call
        which = {"visit_id": number} if kind == "visit" else {"follow_up_id": number}
        result = change.note or item.note or word
        await follow_ups.resolve_calls(conn, actor, user_id, result, now, **which)


def crm_call(item: ReminderItem, change: ItemChange) -> tuple[str, int, str] | None:
    """The CRM follow-up (回访) an outcome on a follow-up item makes, when the customer was spoken to
    (reached, booked, declined): about the visit ``("visit", id, ...)`` or the call scheduled
    ``("follow_up", id, ...)``, with the result to record when no note was given."""
    word = SPOKEN_TO.get(change.outcome) if change.outcome is not None else None
    if item.type != ReminderType.VISIT_FOLLOW_UP or word is None:
        return None
    kind, _, number = item.subject.partition(":")
    return (kind, int(number), word) if kind in ("visit", "follow_up") and number.isdigit() else None


def _event(item: ReminderItem, change: ItemChange, user_id: int | None, now: datetime) -> dict[str, object]:
    return {
        "item_id": item.id,
        "customer_id": item.customer_id,
        "at": now,
        "user_id": user_id,
        "outcome": change.outcome.value if change.outcome else None,
        "note": change.note or "",
        "channel": item.channel.value,
        "call_id": change.call_id,
        "sms_id": change.sms_id,
        "appointment_id": change.appointment_id,
    }


async def _item(conn: AsyncConnection, user: User, item_id: int) -> ReminderItem:
    found = await store.get_item(conn, item_id)
    if found is None:
        raise NotFound(NO_SUCH_REMINDER)
    scope.require_visible(user, found.branch_id, NO_SUCH_REMINDER)
    return found


async def _check_assignee(conn: AsyncConnection, user: User, item: ReminderItem, change: ItemChange) -> None:
    """Anyone working the list takes an item (or gives it back to the pool); giving it to someone else is a
    supervisor's (reminders.manage)."""
    if change.assignee_id is None and not change.unassign:
        return
    mine = change.assignee_id == user.id or (change.unassign and item.assignee_id == user.id)
    if not mine and not allows(user, Permission.REMINDERS_MANAGE):
        raise PermissionDenied(N_("You are not allowed to do this."))
    if change.assignee_id is not None and change.assignee_id != user.id:
        await scope.require_staff(conn, item.branch_id, change.assignee_id, "assignee_id")
    if change.unassign and change.assignee_id is not None:
        raise ValidationError("assignee_id", N_("%(what)s is not valid."), what="assignee_id")
