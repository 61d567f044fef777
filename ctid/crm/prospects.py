"""Prospects (潜客): registered by anyone, reviewed (审核) by supervisors and admins, followed up with visits,
then won (成交: the prospect becomes a customer through the customer records service) or lost (战败, with
one of the base data's lost reasons).

Every status move goes through the pure machine (ctid.crm.prospect_models.next_status); every change
writes one audit entry with exactly what changed, in the change's transaction. The base-data fields
(level, source, industry, desired and competitor model, focus points) take active values of their lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.core.paging import Page
from ctid.core.phone import PhoneNormaliser
from ctid.crm import option_store, prospect_store, scope
from ctid.crm.customers import CustomerRecords
from ctid.crm.history import auditable, diff, record_change
from ctid.crm.new_customer import NewCustomer
from ctid.crm.options import option_values
from ctid.crm.prospect_models import (
    FINAL,
    OptionKind,
    Prospect,
    ProspectAction,
    ProspectFilter,
    ProspectVisit,
    next_status,
)
from ctid.crm.service import PLATE_TAKEN
from ctid.storage.db import Database

NO_SUCH_PROSPECT = N_("No such prospect.")
CHANGEABLE = (
    "name",
    "phone",
    "level",
    "source",
    "industry",
    "desired_model",
    "competitor_model",
    "focus_points",
    "assigned_user_id",
    "notes",
)
OPTION_FIELDS = {
    "level": OptionKind.LEVEL,
    "source": OptionKind.SOURCE,
    "industry": OptionKind.INDUSTRY,
    "desired_model": OptionKind.DESIRED_MODEL,
    "competitor_model": OptionKind.COMPETITOR_MODEL,
}


@dataclass(frozen=True)
class NewVisit:
    channel: str = ""  # 电话, 微信, 到店 ...
    content: str = ""
    next_on: date | None = None  # the next follow-up


class Prospects:
    def __init__(
        self,
        db: Database,
        normaliser: PhoneNormaliser,
        customers: CustomerRecords,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._normaliser = normaliser
        self._customers = customers
        self._clock = clock

    async def page(self, user: User, where: ProspectFilter) -> Page[Prospect]:
        scope.require(user, Permission.CRM_VIEW)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        async with self._db.connect() as conn:
            return await prospect_store.list_prospects(conn, where)

    async def get(self, user: User, prospect_id: int) -> Prospect:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await _prospect(conn, user, prospect_id)

    async def create(
        self, actor: Actor, user: User, fields: Mapping[str, Any], branch_id: int | None = None
    ) -> Prospect:
        """Registered in the user's branch (admins: ``branch_id``); ``name`` and ``phone`` required."""
        scope.require(user, Permission.CRM_EDIT)
        if not fields.get("name"):
            raise ValidationError("name", N_("Give a name."))
        if not fields.get("phone"):
            raise ValidationError("phone", N_("Give a phone number."))
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            branch = await scope.branch_for_new(conn, user, branch_id)
            checked = await self._checked(conn, branch, fields)
            values = {**checked, "branch_id": branch, "status": "registered", "created_at": now}
            prospect_id = await prospect_store.insert_prospect(conn, {**values, "updated_at": now})
            entity = ("prospect", prospect_id)
            await audit.record(conn, actor, "prospect.create", entity, now, after=auditable(values))
            return await _prospect(conn, user, prospect_id)

    async def update(
        self, actor: Actor, user: User, prospect_id: int, changes: Mapping[str, Any]
    ) -> Prospect:
        """Change the fields given; a won or lost prospect no longer changes (409)."""
        scope.require(user, Permission.CRM_EDIT)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await _open_prospect(conn, user, prospect_id)
            checked = await self._checked(conn, current.branch_id, changes)
            fields = _fields(current)
            change = diff(fields, {**fields, **checked})
            if await record_change(conn, actor, "prospect.update", ("prospect", prospect_id), now, change):
                values = {k: checked[k] for k in change[1]}
                await prospect_store.update_prospect(conn, prospect_id, {**values, "updated_at": now})
            return await _prospect(conn, user, prospect_id)

    async def review(self, actor: Actor, user: User, prospect_id: int) -> Prospect:
        """审核: supervisors and admins only (403 for others)."""
        scope.require(user, Permission.CRM_EDIT)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await _prospect(conn, user, prospect_id)
            status = next_status(current.status, ProspectAction.REVIEW, _may_review(user))
            values = {"status": status.value, "reviewed_by": user.id, "reviewed_at": now}
            await _move(conn, actor, current, "prospect.review", values, now)
            return await _prospect(conn, user, prospect_id)

    async def visits(self, user: User, prospect_id: int) -> list[ProspectVisit]:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            await _prospect(conn, user, prospect_id)
            return await prospect_store.visits(conn, prospect_id)

    async def add_visit(self, actor: Actor, user: User, prospect_id: int, new: NewVisit) -> ProspectVisit:
        """A follow-up visit by the user, now; the prospect is then being followed (跟进中)."""
        scope.require(user, Permission.CRM_EDIT)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await _prospect(conn, user, prospect_id)
            status = next_status(current.status, ProspectAction.VISIT, _may_review(user))
            values = {"channel": new.channel, "content": new.content, "next_on": new.next_on}
            visit = await prospect_store.insert_visit(
                conn, {**values, "prospect_id": prospect_id, "at": now, "user_id": user.id}
            )
            entity = ("prospect", prospect_id)
            after = auditable({**values, "visit_id": visit.id})
            await audit.record(conn, actor, "prospect.visit", entity, now, after=after)
            if status != current.status:
                await _move(conn, actor, current, "prospect.update", {"status": status.value}, now)
            return visit

    async def win(
        self, actor: Actor, user: User, prospect_id: int, customer_id: int | None = None
    ) -> Prospect:
        """成交: the prospect becomes a customer (created from its fields, or ``customer_id``, an existing
        customer of the branch) and is linked to it.

        The new customer is made (the pop's path: its checks, search index and audit) in the transaction
        that checks the status again and links it, under the write lock: a prospect won twice at once
        answers 409 to the second, which leaves no customer behind."""
        scope.require(user, Permission.CRM_EDIT)
        current = await self.get(user, prospect_id)
        next_status(current.status, ProspectAction.WIN, _may_review(user))
        if customer_id is not None:
            customer = await self._customers.get(user, customer_id)
            if customer.customer.branch_id != current.branch_id:
                raise ValidationError("customer_id", N_("No such customer."))
        now = self._clock()
        try:
            async with self._db.begin(immediate=True) as conn:
                current = await _prospect(conn, user, prospect_id)
                status = next_status(current.status, ProspectAction.WIN, _may_review(user))
                if customer_id is None:
                    customer_id = await self._customers.create_in(conn, actor, user, _new_customer(current))
                values = {"status": status.value, "customer_id": customer_id}
                await _move(conn, actor, current, "prospect.won", values, now)
                return await _prospect(conn, user, prospect_id)
        except IntegrityError:  # the plate was added by someone else meanwhile
            raise Conflict(PLATE_TAKEN) from None

    async def lose(self, actor: Actor, user: User, prospect_id: int, reason: str) -> Prospect:
        """战败, with one of the base data's lost reasons (422 without one)."""
        scope.require(user, Permission.CRM_EDIT)
        if not reason:
            raise ValidationError("lost_reason", N_("Say why the prospect was lost."))
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await _prospect(conn, user, prospect_id)
            status = next_status(current.status, ProspectAction.LOSE, _may_review(user))
            known = option_values(await option_store.list_options(conn, OptionKind.LOST_REASON, True))
            if reason not in known[OptionKind.LOST_REASON]:
                raise ValidationError("lost_reason", N_("Not a valid choice."))
            values = {"status": status.value, "lost_reason": reason}
            await _move(conn, actor, current, "prospect.lost", values, now)
            return await _prospect(conn, user, prospect_id)

    async def _checked(
        self, conn: AsyncConnection, branch_id: int, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The fields as stored: unknown names refused, the phone normalised, base-data values known."""
        unknown = sorted(set(fields) - set(CHANGEABLE))
        if unknown:
            raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
        checked = dict(fields)
        if "name" in checked and not checked["name"]:
            raise ValidationError("name", N_("Give a name."))
        if "phone" in checked:
            number = self._normaliser.normalise(checked["phone"])
            if number.e164 is None:
                raise ValidationError("phone", N_("%(number)s is not a phone number."), number=number.raw)
            checked["phone"], checked["phone_e164"] = number.raw[:40], number.e164
        known = option_values(await option_store.list_options(conn, None, True))
        for name, kind in OPTION_FIELDS.items():
            if checked.get(name) and checked[name] not in known[kind]:
                raise ValidationError(name, N_("Not a valid choice."))
        if "focus_points" in checked:
            if any(point not in known[OptionKind.FOCUS_POINT] for point in checked["focus_points"]):
                raise ValidationError("focus_points", N_("Not a valid choice."))
            checked["focus_points"] = "\n".join(dict.fromkeys(checked["focus_points"]))
        if "assigned_user_id" in checked:
            await scope.require_staff(conn, branch_id, checked["assigned_user_id"], "assigned_user_id")
        return checked


def _may_review(user: User) -> bool:
    return allows(user, Permission.CRM_MANAGE)


async def _prospect(conn: AsyncConnection, user: User, prospect_id: int) -> Prospect:
    found = await prospect_store.get_prospect(conn, prospect_id)
    if found is None:
        raise NotFound(NO_SUCH_PROSPECT)
    scope.require_visible(user, found.branch_id, NO_SUCH_PROSPECT)
    return found


async def _open_prospect(conn: AsyncConnection, user: User, prospect_id: int) -> Prospect:
    found = await _prospect(conn, user, prospect_id)
    if found.status in FINAL:
        raise Conflict(N_("This prospect is %(status)s and no longer changes."), status=found.status.value)
    return found


async def _move(
    conn: AsyncConnection, actor: Actor, current: Prospect, action: str, values: dict[str, Any], now: datetime
) -> None:
    """A status move (and what comes with it), audited with before and after."""
    before = {name: getattr(current, name) for name in values}
    await record_change(conn, actor, action, ("prospect", current.id), now, diff(before, values))
    await prospect_store.update_prospect(conn, current.id, {**values, "updated_at": now})


def _fields(prospect: Prospect) -> dict[str, Any]:
    """The changeable fields as stored (the phone's e164 with it, focus points one a line)."""
    values = {name: getattr(prospect, name) for name in CHANGEABLE}
    values["focus_points"] = "\n".join(prospect.focus_points)
    values["phone_e164"] = prospect.phone_e164
    return values


def _new_customer(prospect: Prospect) -> NewCustomer:
    """The customer a won prospect becomes: its name, phone, source, industry, owner and notes.

    Not its level: a prospect's is how soon it may buy (H within 7 days ... C later), a customer's is the
    dealer's tier (VIP, 金卡); an H would read as a tier on the customer's card and page."""
    return NewCustomer(
        name=prospect.name,
        kind="person",
        branch_id=prospect.branch_id,
        phones=[prospect.phone],
        source=prospect.source[:32],
        industry=prospect.industry[:32],
        notes=prospect.notes,
        assigned_user_id=prospect.assigned_user_id,
    )
