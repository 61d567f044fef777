"""The dealer's base data (levels, sources, competitor models, industries, focus points, desired models,
lost reasons, follow-up categories): read by everyone, changed by admins. Options are retired (``active``
false), never deleted, so what a prospect was registered with stays readable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound
from ctid.crm import option_store, scope
from ctid.crm.history import diff, record_change
from ctid.crm.prospect_models import CrmOption, OptionKind
from ctid.storage.db import Database

NO_SUCH_OPTION = N_("No such option.")
CHANGEABLE = ("value", "position", "active")
TAKEN = N_("This value is already in the list.")


class CrmOptions:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def list(self, user: User, kind: OptionKind | None, active: bool | None = None) -> list[CrmOption]:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await option_store.list_options(conn, kind, active)

    async def create(
        self, actor: Actor, user: User, kind: OptionKind, value: str, position: int = 0, active: bool = True
    ) -> CrmOption:
        scope.require(user, Permission.CRM_OPTIONS)
        values = {"kind": kind.value, "value": value, "position": position, "active": active}
        try:
            async with self._db.begin() as conn:
                option_id = await option_store.insert_option(conn, values)
                entity = ("crm_option", option_id)
                await audit.record(conn, actor, "crm_option.create", entity, self._clock(), after=values)
                found = await option_store.get_option(conn, option_id)
        except IntegrityError:
            raise scope.Taken("value", TAKEN) from None
        assert found is not None
        return found

    async def update(self, actor: Actor, user: User, option_id: int, changes: Mapping[str, Any]) -> CrmOption:
        scope.require(user, Permission.CRM_OPTIONS)
        try:
            async with self._db.begin() as conn:
                current = await option_store.get_option(conn, option_id)
                if current is None:
                    raise NotFound(NO_SUCH_OPTION)
                fields = {name: getattr(current, name) for name in CHANGEABLE}
                change = diff(fields, {**fields, **changes})
                entity = ("crm_option", option_id)
                if await record_change(conn, actor, "crm_option.update", entity, self._clock(), change):
                    await option_store.update_option(conn, option_id, {k: changes[k] for k in change[1]})
                found = await option_store.get_option(conn, option_id)
        except IntegrityError:
            raise scope.Taken("value", TAKEN) from None
        assert found is not None
        return found


def option_values(options: list[CrmOption]) -> dict[OptionKind, set[str]]:
    """The active values of each kind, to check a prospect's fields against."""
    found: dict[OptionKind, set[str]] = {kind: set() for kind in OptionKind}
    for option in options:
        if option.active:
            found[option.kind].add(option.value)
    return found
