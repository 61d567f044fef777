"""The service-item catalogue (car wash, maintenance, detailing ...): what a repair order's lines are
picked from, with their current prices. Everyone reads it; only admins change it (prices are policy).
Items are deactivated, never deleted: old repair orders still point at them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.core.paging import Page
from ctid.core.text import clean_text
from ctid.crm import scope, visit_store
from ctid.crm.history import auditable, diff, record_change
from ctid.crm.record_models import CatalogueFilter, CatalogueItem
from ctid.crm.visit_items import FEN, MAX_PRICE
from ctid.storage.db import Database

CHANGEABLE = ("code", "name", "category", "price", "active", "position")
_LIMITS = {"code": 32, "name": 100, "category": 32}
_TAKEN = N_("Another catalogue item has the code %(code)s.")


@dataclass(frozen=True)
class NewCatalogueItem:
    code: str
    name: str
    price: Decimal
    category: str = ""
    active: bool = True
    position: int = 0


class Catalogue:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def page(self, user: User, where: CatalogueFilter) -> Page[CatalogueItem]:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await visit_store.list_catalogue(conn, where)

    async def create(self, actor: Actor, user: User, new: NewCatalogueItem) -> CatalogueItem:
        scope.require(user, Permission.MANAGE_CATALOGUE)
        values = _checked({name: getattr(new, name) for name in CHANGEABLE})
        for name in ("code", "name"):
            if not values[name]:
                raise ValidationError(name, N_("%(what)s is required."), what=name)
        now = self._clock()
        try:
            async with self._db.begin() as conn:
                if await visit_store.catalogue_id_by_code(conn, values["code"]) is not None:
                    raise scope.Taken("code", _TAKEN, code=values["code"])
                item_id = await visit_store.insert_catalogue_item(conn, {**values, "updated_at": now})
                entity = ("catalogue_item", item_id)
                await audit.record(conn, actor, "catalogue.create", entity, now, after=auditable(values))
                return await _item(conn, item_id)
        except IntegrityError:
            raise scope.Taken("code", _TAKEN, code=values["code"]) from None

    async def update(
        self, actor: Actor, user: User, item_id: int, changes: Mapping[str, Any]
    ) -> CatalogueItem:
        scope.require(user, Permission.MANAGE_CATALOGUE)
        checked = _checked(changes)
        for name in ("code", "name"):
            if name in checked and not checked[name]:
                raise ValidationError(name, N_("%(what)s is required."), what=name)
        now = self._clock()
        async with self._db.begin() as conn:
            item = await _item(conn, item_id)
            code = checked.get("code", item.code)
            if code != item.code and await visit_store.catalogue_id_by_code(conn, code) is not None:
                raise scope.Taken("code", _TAKEN, code=code)
            current = {name: getattr(item, name) for name in CHANGEABLE}
            change = diff(current, {**current, **checked})
            entity = ("catalogue_item", item_id)
            if await record_change(conn, actor, "catalogue.update", entity, now, change):
                values = {k: checked[k] for k in change[1]}
                await visit_store.update_catalogue_item(conn, item_id, {**values, "updated_at": now})
            return await _item(conn, item_id)


async def _item(conn: AsyncConnection, item_id: int) -> CatalogueItem:
    found = (await visit_store.catalogue_items(conn, [item_id])).get(item_id)
    if found is None:
        raise NotFound(N_("No such catalogue item."))
    return found


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
    checked = dict(changes)
    for name, limit in _LIMITS.items():
        if name in checked:
            checked[name] = clean_text(checked[name])
            if len(checked[name]) > limit:
                raise ValidationError(name, N_("At most %(count)d characters."), count=limit)
    if "price" in checked:
        price = checked["price"]
        if not Decimal(0) <= price <= MAX_PRICE:
            raise ValidationError("price", N_("A price is between 0 and %(max)s yuan."), max=str(MAX_PRICE))
        checked["price"] = price.quantize(FEN)
    return checked
