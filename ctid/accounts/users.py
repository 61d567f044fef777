"""Users: who may log in, with which role, in which branch, in which language; their passwords.

Every change is checked against the actor's permissions and written to the audit log in the same
transaction. Passwords are checked and hashed in a worker thread, before the transaction (see
``ctid.accounts.password_check``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import passwords, store
from ctid.accounts.branches import Branches
from ctid.accounts.digests import digest
from ctid.accounts.guard import Guard, existing_user
from ctid.accounts.models import Role, User
from ctid.accounts.password_check import PasswordCheck
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor, changes
from ctid.core.config import LOCALES
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.core.paging import Page, PageRequest
from ctid.storage.db import Database

log = logging.getLogger(__name__)

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class NewUser:
    username: str
    role: Role
    branch_id: int
    display_name: str = ""
    password: str = ""
    must_change_password: bool = True


@dataclass(frozen=True)
class UserChanges:
    display_name: str | None = None
    role: Role | None = None
    branch_id: int | None = None
    active: bool | None = None
    locale: str | None = None
    new_password: str | None = None


class Users:
    def __init__(
        self,
        db: Database,
        guard: Guard,
        checker: PasswordCheck,
        branches: Branches,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._guard = guard
        self._passwords = checker
        self._branches = branches
        self._clock = clock

    async def bootstrap(self) -> str | None:
        """On a database with no users: a default branch and an admin. Returns its one-time password."""
        async with self._db.connect() as conn:
            if await store.count_users(conn):
                return None
        password = passwords.generate()
        password_hash = await self._passwords.hash(password)
        async with self._db.begin() as conn:
            if await store.count_users(conn):
                return None
            branch = await self._branches.default_branch_in(conn)
            new = NewUser("admin", Role.ADMIN, branch.id, "管理员", must_change_password=True)
            await self._insert_user(conn, Actor.system(), new, password_hash)
        log.warning("created the first admin user 'admin'; its one-time password is printed on the console")
        return password

    async def create_user(self, actor: Actor, new: NewUser) -> tuple[User, str]:
        """Create a user; returns it and its initial password (generated when none was given)."""
        await self._guard.require(actor, Permission.MANAGE_USERS)
        password = new.password or passwords.generate()
        if not _USERNAME.match(new.username.strip()):
            raise ValidationError(
                "username",
                N_("User names are 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
            )
        self._passwords.check_rule(password, new.username.strip())
        password_hash = await self._passwords.hash(password)
        async with self._db.begin() as conn:
            user = await self._insert_user(conn, actor, new, password_hash)
        return user, password

    async def _insert_user(
        self, conn: AsyncConnection, actor: Actor, new: NewUser, password_hash: str
    ) -> User:
        """Insert a user whose name and password were checked (and the password hashed) beforehand."""
        username = new.username.strip()
        if await store.get_branch(conn, new.branch_id) is None:
            raise ValidationError("branch_id", N_("No such branch."))
        if await store.user_with_hash(conn, username):
            raise Conflict(N_("The user name %(name)s is taken."), name=username)
        now = self._clock()
        values = {
            "username": username,
            "display_name": new.display_name.strip(),
            "role": Role(new.role).value,
            "branch_id": new.branch_id,
            "password_hash": password_hash,
            "must_change_password": new.must_change_password,
            "created_at": now,
        }
        try:
            user = await store.insert_user(conn, values)
        except IntegrityError:  # the same name created at the same moment (a double-clicked Save)
            raise Conflict(N_("The user name %(name)s is taken."), name=username) from None
        await audit.record(conn, actor, "user.create", ("user", user.id), now, after=_public(user))
        return user

    async def update_user(self, actor: Actor, user_id: int, edit: UserChanges) -> User:
        await self._guard.require(actor, Permission.MANAGE_USERS)
        password_values: dict[str, Any] = {}
        if edit.new_password:
            # user names never change, so the rule can be checked (and the hash made) before the transaction
            self._passwords.check_rule(edit.new_password, (await self.get_user(user_id)).username)
            password_values = await self._password_values(edit.new_password, must_change=True)
        async with self._db.begin() as conn:
            user = await existing_user(conn, user_id)
            if edit.branch_id is not None and await store.get_branch(conn, edit.branch_id) is None:
                raise ValidationError("branch_id", N_("No such branch."))  # not the database's refusal: a 500
            values = {**self._user_values(edit), **password_values}
            if actor.user_id == user.id and (edit.active is False or edit.role not in (None, Role.ADMIN)):
                raise ValidationError("role", N_("You cannot demote or deactivate your own account."))
            updated = await store.update_user(conn, user.id, values) if values else user
            if edit.new_password or edit.active is False:
                await store.delete_user_sessions(conn, user.id)
            before, after = changes(_public(user), _public(updated))
            if edit.new_password:
                before["password"], after["password"] = "********", "(reset)"
            await audit.record(conn, actor, "user.update", ("user", user.id), self._clock(), before, after)
        return updated

    def _user_values(self, edit: UserChanges) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if edit.display_name is not None:
            values["display_name"] = edit.display_name.strip()
        if edit.role is not None:
            values["role"] = Role(edit.role).value
        if edit.branch_id is not None:
            values["branch_id"] = edit.branch_id
        if edit.active is not None:
            values["active"] = edit.active
        if edit.locale is not None:
            if edit.locale not in ("", *LOCALES):
                raise ValidationError("locale", N_("Unknown language."))
            values["locale"] = edit.locale or None
        return values

    async def change_password(self, user: User, old: str, new: str, keep_session: str, address: str) -> User:
        """A user changes their own password; every other session of theirs is closed."""
        async with self._db.connect() as conn:
            current_hash = await store.password_hash(conn, user.id)
        if not await self._passwords.verify(user.username, address, current_hash, old):
            raise ValidationError("old_password", N_("The current password is wrong."))
        if old == new:
            raise ValidationError("new_password", N_("The new password must differ from the current one."))
        self._passwords.check_rule(new, user.username)
        values = await self._password_values(new, must_change=False)
        async with self._db.begin() as conn:
            updated = await store.update_user(conn, user.id, values)
            await store.delete_user_sessions(conn, user.id, keep=digest(keep_session))
            await audit.record(
                conn, Actor.of(user, address), "user.password", ("user", user.id), self._clock()
            )
        return updated

    async def set_locale(self, user: User, locale: str) -> User:
        if locale not in ("", *LOCALES):
            raise ValidationError("locale", N_("Unknown language."))
        async with self._db.begin() as conn:
            return await store.update_user(conn, user.id, {"locale": locale or None})

    async def _password_values(self, password: str, must_change: bool) -> dict[str, Any]:
        return {
            "password_hash": await self._passwords.hash(password),
            "must_change_password": must_change,
            "password_changed_at": self._clock(),
        }

    async def get_user(self, user_id: int) -> User:
        async with self._db.connect() as conn:
            return await existing_user(conn, user_id)

    async def users_by_ids(self, ids: set[int]) -> dict[int, User]:
        async with self._db.connect() as conn:
            return await store.users_by_ids(conn, ids)

    async def user_by_name(self, username: str) -> User:
        async with self._db.connect() as conn:
            found = await store.user_with_hash(conn, username)
        if found is None:
            raise NotFound(N_("No user named %(name)s."), name=username)
        return found[0]

    async def list_users(
        self, page: PageRequest, branch_id: int | None = None, role: Role | None = None, text: str = ""
    ) -> Page[User]:
        async with self._db.connect() as conn:
            return await store.list_users(conn, page, branch_id, role, text.strip())


def _public(user: User) -> dict[str, Any]:
    """What the audit log may show of a user: everything but secrets."""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "branch_id": user.branch_id,
        "active": user.active,
        "locale": user.locale,
    }
