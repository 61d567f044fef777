"""The wrap-up results' list (咨询, 预约, 投诉...): the result an operator gives a call when it ends, and that
the call log and the recordings filter by. Read by everyone who handles calls, kept by admins; the dialer
uses the same list. Codes are retired (``active`` false), never deleted, and never change once made: calls
keep the code, so every call's result stays readable whatever the list becomes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.calls import wrap_up_store as store
from ctid.calls.models import WrapUpCode
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from ctid.storage.db import Database

MAX_CODE = 32
MAX_LABEL = 64
CODE = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
CHANGEABLE = ("label", "position", "active")
NO_SUCH_CODE = N_("No such result.")
LABEL_TAKEN = N_("This label is already in the list.")


class Taken(Conflict):
    """A code or a label the list already has: 409, naming the field."""

    def __init__(self, field: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


def is_code(text: str) -> bool:
    """A code as programs send it: lowercase ASCII letters, digits, ``_`` and ``-``, at most MAX_CODE."""
    return len(text) <= MAX_CODE and CODE.match(text) is not None


def usable(found: WrapUpCode | None, field: str = "result") -> WrapUpCode:
    """The code a call may be given now: one in the list and not retired (ValidationError otherwise)."""
    if found is None:
        raise ValidationError(field, N_("No such result in the list."))
    if not found.active:
        raise ValidationError(field, N_("This result is retired."))
    return found


class WrapUpCodes:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def list(self, active: bool | None = None) -> list[WrapUpCode]:
        """The list in its order (everyone handling calls reads it: no permission beyond the route's)."""
        async with self._db.connect() as conn:
            return await store.list_codes(conn, active)

    async def create(
        self, actor: Actor, user: User, code: str, label: str, position: int = 0, active: bool = True
    ) -> WrapUpCode:
        _require(user)
        values = {"code": code, "label": label, "position": position, "active": active}
        try:
            async with self._db.begin() as conn:
                if await store.find_code(conn, code) is not None:
                    raise Taken("code", N_("This code is already in the list."))
                code_id = await store.insert_code(conn, values)
                entity = ("wrap_up_code", code_id)
                await audit.record(conn, actor, "wrap_up_code.create", entity, self._clock(), after=values)
                found = await store.get_code(conn, code_id)
        except IntegrityError:  # the label's (or, two admins at once, the code's) unique constraint
            raise Taken("label", LABEL_TAKEN) from None
        assert found is not None
        return found

    async def update(self, actor: Actor, user: User, code_id: int, changes: Mapping[str, Any]) -> WrapUpCode:
        """Rename, move or retire (and bring back) a result; the code itself stays."""
        _require(user)
        try:
            async with self._db.begin() as conn:
                current = await store.get_code(conn, code_id)
                if current is None:
                    raise NotFound(NO_SUCH_CODE)
                fields = {k: getattr(current, k) for k in CHANGEABLE}
                after = {k: v for k, v in changes.items() if k in CHANGEABLE and fields[k] != v}
                if after:
                    await store.update_code(conn, code_id, after)
                    before, entity = {k: fields[k] for k in after}, ("wrap_up_code", code_id)
                    now = self._clock()
                    await audit.record(conn, actor, "wrap_up_code.update", entity, now, before, after)
                found = await store.get_code(conn, code_id)
        except IntegrityError:
            raise Taken("label", LABEL_TAKEN) from None
        assert found is not None
        return found


def _require(user: User) -> None:
    if not allows(user, Permission.MANAGE_WRAP_UP):
        raise PermissionDenied(N_("You are not allowed to do this."))
