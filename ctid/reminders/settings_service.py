"""The reminder types' settings, the inspection rule table and the custom rules as admins keep them
(``/admin/reminders``, ``/api/v1/reminders/settings``): read over the defaults, changed whole per type (a
table, the rules: whole), audited with what changed.

What is valid is said once, by the JSON readers (``settings_from_json``, ``inspection_rules_from_json``,
``custom_rules_from_json``), so the page, the API and a stored row refuse the same things with the same
field named. The daily build reads what is saved here at its next run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store as accounts_store
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import Clock, utcnow
from ctid.core.errors import N_, Conflict, PermissionDenied, ValidationError
from ctid.reminders import settings_store
from ctid.reminders.custom import (
    CustomRule,
    custom_rules_from_json,
    custom_rules_to_json,
    with_new_ids,
)
from ctid.reminders.inspection import (
    DEFAULT_INSPECTION_RULES,
    InspectionRule,
    inspection_rules_from_json,
    inspection_rules_to_json,
)
from ctid.reminders.models import ReminderType
from ctid.reminders.settings import AssigneeRule, TypeSettings, settings_from_json, settings_to_json
from ctid.storage.db import Database

Save = Callable[[datetime, int | None], Awaitable[None]]

AUDIT_ACTION = "reminder_settings.update"
AUDIT_ENTITY = "reminder_settings"
SAVED_MEANWHILE = N_("Someone saved these settings at the same moment: reload the page and try again.")


class ReminderSettings:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def all(self) -> dict[ReminderType, TypeSettings]:
        """Every type's settings, the stored ones over the defaults, in the types' order."""
        async with self._db.connect() as conn:
            found = await settings_store.load(conn)
        return {type_: found[type_] for type_ in ReminderType}

    async def inspection_rules(self) -> tuple[InspectionRule, ...]:
        async with self._db.connect() as conn:
            return await settings_store.inspection_rules(conn)

    async def custom_rules(self) -> tuple[CustomRule, ...]:
        async with self._db.connect() as conn:
            return await settings_store.custom_rules(conn)

    async def custom_rule_names(self) -> dict[int, str]:
        """The custom rules' names by id: a list names a custom item by its rule ("爱车生日"), not by the
        type ("自定义提醒"). A removed rule's items keep the type's word."""
        return {rule.id: rule.name for rule in await self.custom_rules()}

    async def change(
        self, actor: Actor, user: User, type_: ReminderType, data: Mapping[str, Any]
    ) -> TypeSettings:
        """The type's settings replaced by ``data`` (its JSON object; keys left out take the type's
        defaults, ``type`` may be left out or must be this type). A ValidationError names the field."""
        _require(user)
        sent_type = data.get("type", type_.value)
        if sent_type != type_.value:
            raise ValidationError(
                "type", N_("%(field)s must be the type of the address: %(type)s."), field="type", type=type_
            )
        settings = settings_from_json({**data, "type": type_.value})
        async with self._db.begin() as conn:
            if settings.assignee == AssigneeRule.FIXED_USER:
                await _check_user(conn, settings.assignee_user_id)
            before = settings_to_json((await settings_store.load(conn))[type_])
            after = settings_to_json(settings)
            changed = sorted(key for key in after if before.get(key) != after[key])
            if changed:
                try:
                    await settings_store.save(conn, settings, self._clock(), actor.user_id)
                except IntegrityError:
                    raise Conflict(SAVED_MEANWHILE) from None
                was, now = {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
                entity = (AUDIT_ENTITY, type_.value)
                await audit.record(conn, actor, AUDIT_ACTION, entity, self._clock(), was, now)
        return settings

    async def change_inspection_rules(
        self, actor: Actor, user: User, data: Any
    ) -> tuple[InspectionRule, ...]:
        """The inspection rule table replaced by ``data`` (its JSON list; ``None``: the defaults again).
        A bad row is refused naming it (``rules[2].every_months``)."""
        _require(user)
        table = DEFAULT_INSPECTION_RULES if data is None else inspection_rules_from_json(data)
        async with self._db.begin() as conn:
            before = inspection_rules_to_json(await settings_store.inspection_rules(conn))
            save = partial(settings_store.save_inspection_rules, conn, table)
            await self._replace(
                conn, actor, settings_store.INSPECTION_RULES, before, inspection_rules_to_json(table), save
            )
        return table

    async def change_custom_rules(self, actor: Actor, user: User, data: Any) -> tuple[CustomRule, ...]:
        """The custom rules replaced by ``data`` (their JSON list): a rule left out is removed, a new one
        (without an id) gets the next free id (``with_new_ids``). A bad rule is refused naming it
        (``rules[2].field``)."""
        _require(user)
        async with self._db.begin() as conn:
            stored = await settings_store.custom_rules(conn)
            last_id = await settings_store.custom_rules_last_id(conn)
            rules = custom_rules_from_json(with_new_ids(data, (rule.id for rule in stored), last_id))
            save = partial(settings_store.save_custom_rules, conn, rules)
            before, after = custom_rules_to_json(stored), custom_rules_to_json(rules)
            await self._replace(conn, actor, settings_store.CUSTOM_RULES, before, after, save)
        return rules

    async def _replace(
        self, conn: AsyncConnection, actor: Actor, name: str, before: list[Any], after: list[Any], save: Save
    ) -> None:
        """A stored JSON list (``name``) replaced by ``save``, audited with the list before and after;
        nothing written nor audited when it is the same."""
        if before == after:
            return
        try:
            await save(self._clock(), actor.user_id)
        except IntegrityError:
            raise Conflict(SAVED_MEANWHILE) from None
        entity = (AUDIT_ENTITY, name)
        await audit.record(
            conn, actor, AUDIT_ACTION, entity, self._clock(), {"rules": before}, {"rules": after}
        )


async def _check_user(conn: Any, user_id: int | None) -> None:
    found = None if user_id is None else await accounts_store.get_user(conn, user_id)
    if found is None or not found.active:
        raise ValidationError(
            "assignee_user_id", N_("%(field)s must be an active user."), field="assignee_user_id"
        )


def _require(user: User) -> None:
    if not allows(user, Permission.REMINDERS_SETTINGS):
        raise PermissionDenied(N_("You are not allowed to do this."))
