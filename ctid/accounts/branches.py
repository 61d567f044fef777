"""Branches: the shops of a dealer group. Every user, customer and line belongs to one; the first is made on
an empty database (总店, the head shop). Changes are checked against the actor's permissions and written to
the audit log in the same transaction."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store
from ctid.accounts.guard import Guard
from ctid.accounts.models import Branch
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor, changes
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.storage.db import Database

_BRANCH_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# a number as a shop writes its own: digits with + - ( ) and spaces, maybe an extension (转 801, ext 801)
_BRANCH_PHONE = re.compile(r"\+?[0-9() -]{5,30}(?: *(?:转|ext\.?|x) *[0-9]{1,6})?", re.ASCII | re.IGNORECASE)
DEFAULT_BRANCH = ("main", "总店")


@dataclass(frozen=True)
class BranchFields:
    code: str
    name: str
    address: str = ""
    phone: str = ""
    active: bool = True


class Branches:
    def __init__(
        self,
        db: Database,
        guard: Guard,
        clock: Callable[[], datetime],
        line_codes: Mapping[str, str] | None = None,
    ) -> None:
        """``line_codes``: each configured line's ``branch`` code (line name -> code), so that renaming a
        code a line still uses is refused (the next start would stop on it)."""
        self._db = db
        self._guard = guard
        self._clock = clock
        self._line_codes = dict(line_codes or {})

    async def default_branch(self) -> Branch:
        """The first branch, created as 总店 (main) on an empty database."""
        async with self._db.begin() as conn:
            return await self.default_branch_in(conn)

    async def default_branch_in(self, conn: AsyncConnection) -> Branch:
        """The first branch ever created (the head shop), whatever codes later branches get."""
        first = await store.first_branch(conn)
        if first is not None:
            return first
        return await self._insert_branch(conn, Actor.system(), BranchFields(*DEFAULT_BRANCH))

    async def list_branches(self) -> list[Branch]:
        async with self._db.connect() as conn:
            return await store.list_branches(conn)

    async def branch_by_code(self, code: str) -> Branch:
        async with self._db.connect() as conn:
            branch = await store.branch_by_code(conn, code)
        if branch is None:
            raise NotFound(N_("No branch with code %(code)s."), code=code)
        return branch

    async def create_branch(self, actor: Actor, fields: BranchFields) -> Branch:
        await self._guard.require(actor, Permission.MANAGE_BRANCHES)
        async with self._db.begin() as conn:
            return await self._insert_branch(conn, actor, fields)

    async def _insert_branch(self, conn: AsyncConnection, actor: Actor, fields: BranchFields) -> Branch:
        values = _branch_values(fields)
        if await store.branch_by_code(conn, values["code"]):
            raise Conflict(N_("A branch with code %(code)s exists."), code=values["code"])
        now = self._clock()
        try:
            branch = await store.insert_branch(conn, {**values, "created_at": now})
        except IntegrityError:  # the same code created at the same moment
            raise Conflict(N_("A branch with code %(code)s exists."), code=values["code"]) from None
        await audit.record(conn, actor, "branch.create", ("branch", branch.id), now, after=values)
        return branch

    def _refuse_renaming_a_lines_code(self, code: str, new_code: str) -> None:
        """Lines name their branch by code in the config file: a renamed code would leave them naming no
        branch, and the next start would stop with a config error. The config changes first."""
        lines = sorted(line for line, used in self._line_codes.items() if used == code)
        if new_code != code and lines:
            raise Conflict(
                N_("Line %(lines)s uses code %(code)s in the config file: change the config first."),
                lines=", ".join(lines),
                code=code,
            )

    async def update_branch(self, actor: Actor, branch_id: int, fields: BranchFields) -> Branch:
        await self._guard.require(actor, Permission.MANAGE_BRANCHES)
        values = _branch_values(fields)
        async with self._db.begin() as conn:
            branch = await store.get_branch(conn, branch_id)
            if branch is None:
                raise NotFound(N_("No such branch."))
            self._refuse_renaming_a_lines_code(branch.code, values["code"])
            other = await store.branch_by_code(conn, values["code"])
            if other and other.id != branch_id:
                raise Conflict(N_("A branch with code %(code)s exists."), code=values["code"])
            try:
                updated = await store.update_branch(conn, branch_id, values)
            except IntegrityError:
                raise Conflict(N_("A branch with code %(code)s exists."), code=values["code"]) from None
            before, after = changes(_branch_public(branch), values)
            await audit.record(
                conn, actor, "branch.update", ("branch", branch_id), self._clock(), before, after
            )
        return updated


def _branch_public(branch: Branch) -> dict[str, Any]:
    return {k: getattr(branch, k) for k in ("code", "name", "address", "phone", "active")}


def _branch_values(fields: BranchFields) -> dict[str, Any]:
    code = fields.code.strip()
    if not _BRANCH_CODE.match(code):
        raise ValidationError("code", N_("Branch codes are 1-32 letters, digits, '_' or '-'."))
    name = fields.name.strip()
    if not name or len(name) > 100:
        raise ValidationError("name", N_("Give the branch a name of 1-100 characters."))
    phone = unicodedata.normalize("NFKC", fields.phone).strip()
    if phone and not (_BRANCH_PHONE.fullmatch(phone) and sum(c.isdigit() for c in phone) >= 5):
        raise ValidationError("phone", N_("A phone number is digits, maybe with + - ( ) and an extension."))
    return {
        "code": code,
        "name": name,
        "address": fields.address.strip(),
        "phone": phone,
        "active": fields.active,
    }
