"""Merging two customers (the same person added twice, a customer who called from a new phone and was
added again): supervisors and admins (``crm.manage``), both customers of one branch.

Why a package of its own, above the CRM and the call log: a customer's calls are the call log's, and the
CRM and the call log know nothing of each other (docs/architecture.md). Here one transaction drives both
stores: the CRM's (ctid.crm.merge_store, ctid.crm.customer_store) and the call log's
(ctid.calls.store.move_customer); recordings belong to their calls and follow them.

Why the merged customer is deleted rather than marked: every read of customers (the pop's match by
number, search, lists, the start page's birthdays, exports, statistics) would have to leave marked ones
out, and one that forgot would pop two cards again. Deleted, it is gone from all of them at once; its
values stay in the audit log (``customer.merged_into``, with every field), and ``customer_merges`` leads
its old id (a bookmark, a link in the log) to the one kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.calls import store as calls
from ctid.core.clock import utcnow
from ctid.core.errors import N_, ValidationError
from ctid.crm import customer_store, merge_store, scope, search_store
from ctid.crm.customers import visible_record
from ctid.crm.history import auditable
from ctid.crm.merge_plan import MergePlan, column_values, plan
from ctid.crm.merge_store import Belongings
from ctid.crm.new_customer import CHANGEABLE
from ctid.crm.record_models import CustomerRecord
from ctid.messaging import outbox_store
from ctid.reminders import appointment_store
from ctid.reminders import store as reminder_store
from ctid.storage.db import Database

NO_SUCH_CUSTOMER = N_("No such customer.")


@dataclass(frozen=True)
class MergePreview:
    """What a merge of ``merged`` into ``kept`` moves (and, once done, moved)."""

    kept: CustomerRecord
    merged: CustomerRecord
    plan: MergePlan
    belongings: Belongings
    calls: int


class CustomerMerges:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def preview(self, user: User, kept_id: int, merged_id: int) -> MergePreview:
        scope.require(user, Permission.CRM_MANAGE)
        async with self._db.connect() as conn:
            return await _preview(conn, user, kept_id, merged_id)

    async def merge(self, actor: Actor, user: User, kept_id: int, merged_id: int) -> MergePreview:
        """Move everything of ``merged_id`` to ``kept_id`` and delete it, audited, in one transaction;
        what moved."""
        scope.require(user, Permission.CRM_MANAGE)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            found = await _preview(conn, user, kept_id, merged_id)
            changes = found.plan
            if changes.new_phones:
                await customer_store.replace_phones(conn, kept_id, changes.phones)
            if changes.new_opt_outs:
                await customer_store.replace_opt_outs(conn, kept_id, changes.opt_outs, now)
            await customer_store.update_customer(
                conn, kept_id, {**column_values(changes.fields), "updated_at": now}
            )
            await merge_store.move(conn, merged_id, kept_id, found.belongings)
            await calls.move_customer(conn, merged_id, kept_id)
            await appointment_store.move_customer(conn, merged_id, kept_id)  # not deleted with the merged
            await reminder_store.move_customer(conn, merged_id, kept_id)  # nor its reminders' history
            await outbox_store.move_customer(conn, merged_id, kept_id)  # nor the SMS sent to it
            await merge_store.remove(conn, merged_id, kept_id, now, actor.user_id)
            await search_store.refresh(conn, [kept_id, merged_id])
            before, after = _kept_change(found)
            await audit.record(conn, actor, "customer.merge", ("customer", kept_id), now, before, after)
            gone = _fields(found.merged)
            into = {"merged_into": kept_id}
            await audit.record(conn, actor, "customer.merged_into", ("customer", merged_id), now, gone, into)
        return found

    async def kept_for(self, user: User, customer_id: int) -> int | None:
        """The customer a merged customer's id leads to, when the user may see it; else None."""
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            kept_id = await merge_store.kept_for(conn, customer_id)
            kept = await customer_store.get_customer(conn, kept_id) if kept_id else None
        return kept.id if kept is not None and scope.visible(user, kept.branch_id) else None


async def _preview(conn: AsyncConnection, user: User, kept_id: int, merged_id: int) -> MergePreview:
    if kept_id == merged_id:
        raise ValidationError(
            "other_id", N_("Pick another customer: a customer cannot be merged into itself.")
        )
    kept = await visible_record(conn, user, kept_id)
    merged = await visible_record(conn, user, merged_id)
    if kept.customer.branch_id != merged.customer.branch_id:
        raise ValidationError("other_id", N_("Only customers of the same branch can be merged."))
    return MergePreview(
        kept=kept,
        merged=merged,
        plan=plan(kept, merged),
        belongings=await merge_store.belongings(conn, merged_id, kept_id),
        calls=await calls.count_for_customer(conn, merged_id),
    )


def _fields(record: CustomerRecord) -> dict[str, Any]:
    """A customer's fields as the audit log keeps them (the merged customer's, before it goes)."""
    values = {name: getattr(record.customer, name) for name in CHANGEABLE if name != "phones"}
    values |= {"phones": record.phones, "opt_outs": {o.contact_type.value: o.reason for o in record.opt_outs}}
    return {name: value for name, value in auditable(values).items() if value not in (None, "", [], {})}


def _kept_change(found: MergePreview) -> tuple[dict[str, Any], dict[str, Any]]:
    """The kept customer's entry: the fields that changed, before and after, and what moved to it."""
    changes, kept, what = found.plan, found.kept, found.belongings
    before = {name: getattr(kept.customer, name) for name in changes.fields}
    after: dict[str, Any] = {"merged": {"id": found.merged.customer.id, "name": found.merged.customer.name}}
    after |= changes.fields
    if changes.new_phones:
        before["phones"], after["phones"] = kept.phones, changes.phones
    if changes.new_opt_outs:
        before["opt_outs"] = {o.contact_type.value: o.reason for o in kept.opt_outs}
        after["opt_outs"] = {kind.value: reason for kind, reason in sorted(changes.opt_outs.items())}
    moved = {
        "vehicles": [f"{plate} {role.value}" for _id, plate, role in what.vehicles],
        "visits": what.visits,
        "follow_ups": what.follow_ups,
        "complaints": what.complaints,
        "prospects": what.prospects,
        "calls": found.calls,
    }
    after |= {name: value for name, value in moved.items() if value}
    return auditable(before), auditable(after)
