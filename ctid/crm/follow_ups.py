"""Follow-ups (回访) and complaints (投诉): recorded, handled, resolved, closed.

Status moves only along ``next_statuses`` (a wrong move is a 409, not a silent overwrite), resolving needs
a result (what was done), and a closed one no longer changes: it is what the complaint was signed off as.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
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
from ctid.crm import customer_store, follow_up_store, scope, visit_store
from ctid.crm.history import auditable, diff, record_change
from ctid.crm.models import FollowUpKind, FollowUpStatus, next_statuses
from ctid.crm.record_models import FollowUpFilter, FollowUpRecord, VisitRecord
from ctid.crm.store import ITEM_SEPARATOR
from ctid.storage.db import Database

NO_SUCH_FOLLOW_UP = N_("No such follow-up.")
AFTER_VISIT_CATEGORY = "维修回访"  # data, like the dealer's own categories (see ctid.sampledata.samples)
CHANGEABLE = ("category", "channel", "content", "due_on", "handler_id", "result", "status")
_LIMITS = {"category": 32, "channel": 16, "content": 2000, "result": 2000}
_MULTILINE = ("content", "result")


@dataclass(frozen=True)
class NewFollowUp:
    customer_id: int
    kind: FollowUpKind = FollowUpKind.FOLLOW_UP
    category: str = ""
    channel: str = ""  # 电话, 微信, 到店 ...
    content: str = ""
    due_on: date | None = None
    handler_id: int | None = None
    visit_id: int | None = None


class FollowUps:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def page(self, user: User, where: FollowUpFilter) -> Page[FollowUpRecord]:
        scope.require(user, Permission.CRM_VIEW)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        async with self._db.connect() as conn:
            return await follow_up_store.list_follow_ups(conn, where)

    async def get(self, user: User, follow_up_id: int) -> FollowUpRecord:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await _follow_up(conn, user, follow_up_id)

    async def create(self, actor: Actor, user: User, new: NewFollowUp) -> FollowUpRecord:
        """Recorded by the user, open."""
        scope.require(user, Permission.CRM_EDIT)
        fields = _checked({"category": new.category, "channel": new.channel, "content": new.content})
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            customer = await customer_store.get_customer(conn, new.customer_id)
            if customer is None or not scope.visible(user, customer.branch_id):
                raise ValidationError("customer_id", N_("No such customer."))
            await scope.require_staff(conn, customer.branch_id, new.handler_id, "handler_id")
            await _check_visit(conn, new)
            values = {
                **fields,
                "customer_id": new.customer_id,
                "kind": new.kind.value,
                "due_on": new.due_on,
                "handler_id": new.handler_id,
                "visit_id": new.visit_id,
                "recorder_id": user.id,
            }
            follow_up_id = await _insert(conn, actor, values, now)
            return await _follow_up(conn, user, follow_up_id)

    async def update(
        self, actor: Actor, user: User, follow_up_id: int, changes: Mapping[str, Any]
    ) -> FollowUpRecord:
        """Change the fields given; ``status`` only to one of ``next_statuses`` (409 otherwise)."""
        scope.require(user, Permission.CRM_EDIT)
        checked = _checked(changes)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await _follow_up(conn, user, follow_up_id)
            if current.status == FollowUpStatus.CLOSED:
                raise Conflict(N_("This follow-up is closed and cannot be changed."))
            if "handler_id" in checked:
                await scope.require_staff(conn, current.branch_id, checked["handler_id"], "handler_id")
            _check_status(current, checked)
            fields = {name: getattr(current, name) for name in CHANGEABLE}
            change = diff(fields, {**fields, **checked})
            entity = ("follow_up", follow_up_id)
            if await record_change(conn, actor, "follow_up.update", entity, now, change):
                values = {k: _column(checked[k]) for k in change[1]}
                if checked.get("status") == FollowUpStatus.CLOSED:
                    values["closed_at"] = now
                await follow_up_store.update_follow_up(conn, follow_up_id, {**values, "updated_at": now})
            return await _follow_up(conn, user, follow_up_id)


async def after_visit(
    conn: AsyncConnection, actor: Actor, visit: VisitRecord, due_on: date, now: datetime
) -> int:
    """The follow-up call after a closed visit: due ``due_on``, about what was done."""
    values = {
        "customer_id": visit.customer_id,
        "kind": FollowUpKind.FOLLOW_UP.value,
        "category": AFTER_VISIT_CATEGORY,
        "content": _about(visit),
        "due_on": due_on,
        "visit_id": visit.id,
    }
    return await _insert(conn, actor, values, now)


async def resolve_calls(
    conn: AsyncConnection,
    actor: Actor,
    handler_id: int | None,
    result: str,
    now: datetime,
    *,
    follow_up_id: int | None = None,
    visit_id: int | None = None,
) -> list[int]:
    """The follow-up calls a reminder's call has made (the one named, or those after the visit), resolved
    with ``result`` by ``handler_id``: the call on the worklist and the CRM's record of it are one call,
    not two to make. Audited like an edit; their ids."""
    done = []
    for current in await follow_up_store.open_calls(conn, follow_up_id=follow_up_id, visit_id=visit_id):
        values = {"status": FollowUpStatus.RESOLVED, "result": result[:2000], "handler_id": handler_id}
        fields = {name: getattr(current, name) for name in values}
        entity = ("follow_up", current.id)
        if await record_change(conn, actor, "follow_up.update", entity, now, diff(fields, values)):
            changed = {name: _column(value) for name, value in values.items()}
            await follow_up_store.update_follow_up(conn, current.id, {**changed, "updated_at": now})
        done.append(current.id)
    return done


def _about(visit: VisitRecord) -> str:
    """What the call after a visit asks about: the work done, else the visit's notes, else the car and day."""
    done = ITEM_SEPARATOR.join(item.name for item in visit.items) or visit.notes.strip()
    return done[:2000] if clean_text(done) else f"{visit.plate} {visit.visited_on.isoformat()}"


async def _insert(conn: AsyncConnection, actor: Actor, values: dict[str, Any], now: datetime) -> int:
    values = {**values, "status": FollowUpStatus.OPEN.value, "created_at": now, "updated_at": now}
    follow_up_id = await follow_up_store.insert_follow_up(conn, values)
    entity = ("follow_up", follow_up_id)
    await audit.record(conn, actor, "follow_up.create", entity, now, after=auditable(values))
    return follow_up_id


async def _follow_up(conn: AsyncConnection, user: User, follow_up_id: int) -> FollowUpRecord:
    found = await follow_up_store.get_follow_up(conn, follow_up_id)
    if found is None:
        raise NotFound(NO_SUCH_FOLLOW_UP)
    scope.require_visible(user, found.branch_id, NO_SUCH_FOLLOW_UP)
    return found


async def _check_visit(conn: AsyncConnection, new: NewFollowUp) -> None:
    if new.visit_id is None:
        return
    visit = await visit_store.get_visit(conn, new.visit_id)
    if visit is None or visit.customer_id != new.customer_id:
        raise ValidationError("visit_id", N_("No such visit of this customer."))


def _check_status(current: FollowUpRecord, checked: Mapping[str, Any]) -> None:
    status = checked.get("status", current.status)
    if status != current.status and status not in next_statuses(current.status):
        raise Conflict(
            N_("A follow-up that is %(status)s cannot become %(new)s."),
            status=current.status.value,
            new=status.value,
        )
    result = checked.get("result", current.result)
    if status in (FollowUpStatus.RESOLVED, FollowUpStatus.CLOSED) and not result:
        raise ValidationError("result", N_("Say what was done (the result) before resolving it."))


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
    checked = dict(changes)
    for name, limit in _LIMITS.items():
        if name in checked:
            value = checked[name].strip() if name in _MULTILINE else clean_text(checked[name])
            if len(value) > limit:
                raise ValidationError(name, N_("At most %(count)d characters."), count=limit)
            checked[name] = value
    if "content" in checked:
        check_content(checked["content"])
    return checked


def check_content(content: str) -> None:
    """A follow-up or complaint says what it is about: one that says nothing cannot be worked from the
    queue, nor signed off. Spaces, line breaks and invisible characters alone are nothing (``clean_text``
    leaves nothing of them)."""
    if not clean_text(content):
        raise ValidationError("content", N_("Write what the follow-up or complaint is about."))


def _column(value: Any) -> Any:
    return value.value if isinstance(value, FollowUpStatus) else value
