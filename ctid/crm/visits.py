"""Visits / repair orders: open while the car is in the workshop, then closed for good.

Why immutable once closed: a closed repair order is what the customer paid for and what warranty and
complaints refer back to; rewriting it would rewrite the past. A mistake is corrected by a new visit that
points at the one it corrects (``corrects_visit_id``), so both stay on file. Closing records the odometer
reading in the vehicle's mileage history and, when configured, schedules the follow-up call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.core.paging import Page
from ctid.core.text import clean_text
from ctid.crm import customer_store, follow_ups, mileage, scope, vehicle_store, visit_items, visit_store
from ctid.crm.history import auditable, diff, record_change
from ctid.crm.models import MileageSource, VisitStatus
from ctid.crm.record_models import VisitFilter, VisitItem, VisitRecord
from ctid.crm.vehicle_checks import mileage as checked_mileage
from ctid.crm.visit_items import NewVisitItem
from ctid.storage.db import Database

NO_SUCH_VISIT = N_("No such visit.")
CLOSED = N_(
    "This visit is closed and cannot be changed. Corrections are new entries: add a visit that corrects it."
)
CHANGEABLE = ("customer_id", "visited_on", "mileage_km", "advisor", "notes", "amount", "items")
_LIMITS = {"advisor": 64, "notes": 2000}


@dataclass(frozen=True)
class NewVisit:
    vehicle_id: int
    customer_id: int | None = None
    visited_on: date | None = None  # None: today
    mileage_km: int | None = None
    advisor: str = ""
    notes: str = ""
    amount: Decimal | None = None  # only without items: with items, it is their total
    items: Sequence[NewVisitItem] = ()
    corrects_visit_id: int | None = None
    close: bool = False  # enter a finished visit (or a correction) in one go


class VisitRecords:
    def __init__(
        self,
        db: Database,
        today: Callable[[], date],
        follow_up_after_days: int = 3,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._today = today
        self._follow_up_after_days = follow_up_after_days
        self._clock = clock

    async def page(self, user: User, where: VisitFilter) -> Page[VisitRecord]:
        scope.require(user, Permission.CRM_VIEW)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        async with self._db.connect() as conn:
            return await visit_store.list_visits(conn, where)

    async def get(self, user: User, visit_id: int) -> VisitRecord:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await _visit(conn, user, visit_id)

    async def create(self, actor: Actor, user: User, new: NewVisit) -> VisitRecord:
        scope.require(user, Permission.CRM_EDIT)
        fields = _checked({"mileage_km": new.mileage_km, "advisor": new.advisor, "notes": new.notes})
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            branch_id = await _vehicle_branch(conn, user, new.vehicle_id)
            await _check_customer(conn, branch_id, new.customer_id)
            await _check_corrected(conn, user, new)
            items = await visit_items.resolve(conn, new.items)
            values = {
                **fields,
                "vehicle_id": new.vehicle_id,
                "customer_id": new.customer_id,
                "visited_on": new.visited_on or self._today(),
                "amount": _amount(new.amount, items, Decimal("0.00")),
                "status": VisitStatus.OPEN.value,
                "corrects_visit_id": new.corrects_visit_id,
                "created_by": user.id,
            }
            visit_id = await visit_store.insert_visit(conn, values, items)
            after = auditable({**values, "items": _items_json(items)})
            await audit.record(conn, actor, "visit.create", ("visit", visit_id), now, after=after)
            if new.close:
                await self._close(conn, actor, await _visit(conn, user, visit_id), now)
            return await _visit(conn, user, visit_id)

    async def update(
        self, actor: Actor, user: User, visit_id: int, changes: Mapping[str, Any]
    ) -> VisitRecord:
        """Change an open visit (``items`` replaces every item); Conflict once it is closed."""
        scope.require(user, Permission.CRM_EDIT)
        checked = _checked(changes)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            visit = await _open_visit(conn, user, visit_id)
            if "customer_id" in checked:
                await _check_customer(conn, visit.branch_id, checked["customer_id"])
            items = await visit_items.resolve(conn, changes["items"]) if "items" in changes else visit.items
            amount = _amount(checked.get("amount"), items, visit.amount)
            proposed = {**checked, "items": _items_json(items), "amount": amount}
            change = diff(_fields(visit), {**_fields(visit), **proposed})
            if await record_change(conn, actor, "visit.update", ("visit", visit_id), now, change):
                values = {k: v for k, v in proposed.items() if k in change[1] and k != "items"}
                await visit_store.update_visit(conn, visit_id, values)
                if "items" in change[1]:
                    await visit_store.replace_items(conn, visit_id, items)
            return await _visit(conn, user, visit_id)

    async def close(self, actor: Actor, user: User, visit_id: int) -> VisitRecord:
        scope.require(user, Permission.CRM_EDIT)
        async with self._db.begin(immediate=True) as conn:
            await self._close(conn, actor, await _open_visit(conn, user, visit_id), self._clock())
            return await _visit(conn, user, visit_id)

    async def _close(self, conn: AsyncConnection, actor: Actor, visit: VisitRecord, now: datetime) -> None:
        """Closed for good; its reading goes into the mileage history (a correction's may be lower), and
        the follow-up call is scheduled N days on."""
        values = {"status": VisitStatus.COMPLETED.value, "closed_at": now}
        await visit_store.update_visit(conn, visit.id, values)
        before = {"status": visit.status.value}
        await audit.record(conn, actor, "visit.close", ("visit", visit.id), now, before, auditable(values))
        if visit.mileage_km is not None:
            mileage.check_not_ahead(visit.visited_on, self._today(), "visited_on")
            correction = visit.corrects_visit_id is not None
            reading = mileage.NewReading(
                visit.mileage_km, visit.visited_on, MileageSource.VISIT, correction, visit.id
            )
            await mileage.append(conn, actor, visit.vehicle_id, reading, now)
        if self._follow_up_after_days > 0 and visit.customer_id is not None:
            due = self._today() + timedelta(days=self._follow_up_after_days)
            await follow_ups.after_visit(conn, actor, visit, due, now)


async def _visit(conn: AsyncConnection, user: User, visit_id: int) -> VisitRecord:
    visit = await visit_store.get_visit(conn, visit_id)
    if visit is None:
        raise NotFound(NO_SUCH_VISIT)
    scope.require_visible(user, visit.branch_id, NO_SUCH_VISIT)
    return visit


async def _open_visit(conn: AsyncConnection, user: User, visit_id: int) -> VisitRecord:
    visit = await _visit(conn, user, visit_id)
    if visit.closed:
        raise Conflict(CLOSED)
    return visit


async def _vehicle_branch(conn: AsyncConnection, user: User, vehicle_id: int) -> int:
    vehicle = await vehicle_store.get_vehicle(conn, vehicle_id)
    if vehicle is None or not scope.visible(user, vehicle.branch_id):
        raise ValidationError("vehicle_id", N_("No such vehicle."))
    return vehicle.branch_id


async def _check_customer(conn: AsyncConnection, branch_id: int, customer_id: int | None) -> None:
    if customer_id is None:
        return
    customer = await customer_store.get_customer(conn, customer_id)
    if customer is None or customer.branch_id != branch_id:
        raise ValidationError("customer_id", N_("No such customer in this branch."))


async def _check_corrected(conn: AsyncConnection, user: User, new: NewVisit) -> None:
    """A correction points at a closed visit of the same vehicle (an open one is simply changed)."""
    if new.corrects_visit_id is None:
        return
    corrected = await visit_store.get_visit(conn, new.corrects_visit_id)
    if corrected is None or not scope.visible(user, corrected.branch_id):
        raise ValidationError("corrects_visit_id", N_("No such visit."))
    if corrected.vehicle_id != new.vehicle_id or not corrected.closed:
        raise ValidationError(
            "corrects_visit_id", N_("A correction is for a closed visit of the same vehicle.")
        )


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
    checked = {k: v for k, v in changes.items() if k != "items"}
    if "visited_on" in checked and checked["visited_on"] is None:
        raise ValidationError("visited_on", N_("%(what)s is required."), what="visited_on")
    for name, limit in _LIMITS.items():
        if name in checked:
            checked[name] = _limited(name, checked[name], limit)
    if "mileage_km" in checked:
        checked["mileage_km"] = checked_mileage(checked["mileage_km"])
    return checked


def _limited(name: str, value: str, limit: int) -> str:
    cleaned = value.strip() if name == "notes" else clean_text(value)
    if len(cleaned) > limit:
        raise ValidationError(name, N_("At most %(count)d characters."), count=limit)
    return cleaned


def _amount(given: Decimal | None, items: Sequence[VisitItem], otherwise: Decimal) -> Decimal:
    """The items' total when there are items (an amount given as well is refused, not ignored)."""
    if items:
        if given is not None:
            raise ValidationError("amount", N_("A visit with items costs what its items add up to."))
        return visit_items.total(items)
    return otherwise if given is None else given


def _fields(visit: VisitRecord) -> dict[str, Any]:
    values = {name: getattr(visit, name) for name in CHANGEABLE if name != "items"}
    return {**values, "items": _items_json(visit.items)}


def _items_json(items: Sequence[VisitItem]) -> list[dict[str, Any]]:
    return [
        {"kind": i.kind.value, "name": i.name, "price": str(i.price), "quantity": i.quantity} for i in items
    ]
