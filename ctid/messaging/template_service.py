"""The SMS templates (短信预设): read by everyone who sends SMS, kept by those with ``sms.templates``.
A template's key never changes once made (messages keep it); a template is retired (``active`` false),
never deleted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import Clock, utcnow
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from ctid.messaging import template_store as store
from ctid.messaging.templates import SmsTemplate, check_text
from ctid.storage.db import Database

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}\Z")
CHANGEABLE = ("name", "text", "provider_code", "reminder_type", "lead_days", "auto_send", "active")
NO_SUCH_TEMPLATE = N_("No such template.")


class TemplateTaken(Conflict):
    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


def is_key(text: str) -> bool:
    return KEY.match(text) is not None


class SmsTemplates:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def list(self, active: bool | None = None) -> list[SmsTemplate]:
        async with self._db.connect() as conn:
            return await store.list_templates(conn, active)

    async def get(self, template_id: int) -> SmsTemplate:
        async with self._db.connect() as conn:
            found = await store.get_template(conn, template_id)
        if found is None:
            raise NotFound(NO_SUCH_TEMPLATE)
        return found

    async def usable(self, key: str, field: str = "template") -> SmsTemplate:
        """The active template of that key (a ValidationError naming ``field`` otherwise)."""
        async with self._db.connect() as conn:
            found = await store.find_template(conn, key)
        if found is None or not found.active:
            raise ValidationError(field, NO_SUCH_TEMPLATE)
        return found

    async def create(self, actor: Actor, user: User, fields: Mapping[str, Any]) -> SmsTemplate:
        _require(user)
        values = {**{k: fields[k] for k in ("key", "name", "text") if k in fields}, **_changes(fields)}
        check_text(str(values.get("text", "")))
        try:
            async with self._db.begin() as conn:
                if await store.find_template(conn, str(values["key"])) is not None:
                    raise TemplateTaken("key", N_("This key is already in the list."))
                template_id = await store.insert_template(conn, values)
                now = self._clock()
                await audit.record(
                    conn, actor, "sms_template.create", ("sms_template", template_id), now, after=values
                )
                found = await store.get_template(conn, template_id)
        except IntegrityError:
            raise TemplateTaken("key", N_("This key is already in the list.")) from None
        assert found is not None
        return found

    async def update(
        self, actor: Actor, user: User, template_id: int, changes: Mapping[str, Any]
    ) -> SmsTemplate:
        _require(user)
        if "text" in changes:
            check_text(str(changes["text"]))
        async with self._db.begin() as conn:
            current = await store.get_template(conn, template_id)
            if current is None:
                raise NotFound(NO_SUCH_TEMPLATE)
            fields = {k: getattr(current, k) for k in CHANGEABLE}
            after = {k: v for k, v in _changes(changes).items() if fields[k] != v}
            if after:
                await store.update_template(conn, template_id, after)
                before, entity = {k: fields[k] for k in after}, ("sms_template", template_id)
                await audit.record(conn, actor, "sms_template.update", entity, self._clock(), before, after)
            found = await store.get_template(conn, template_id)
        assert found is not None
        return found


def _changes(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in CHANGEABLE if k in fields}


def _require(user: User) -> None:
    if not allows(user, Permission.SMS_TEMPLATES):
        raise PermissionDenied(N_("You are not allowed to do this."))
