"""Accounts: who may log in, with which role, in which branch; sessions and API tokens.

Every change goes through here, is checked against the actor's permissions, and is written to the audit
log in the same transaction. Secrets (session cookies, API tokens) are random and stored only as SHA-256
hashes: a stolen database copy does not log anyone in.

Passwords are hashed and checked in a worker thread, never inside a transaction: argon2 takes a large
fraction of a second by design, which would otherwise stall every call and screen pop on the event loop
(and hold SQLite's write lock).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import passwords, store
from ctid.accounts.models import ApiToken, Branch, Role, Session, SignedIn, User
from ctid.accounts.passwords import Passwords
from ctid.accounts.permissions import Permission, allows
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.token_use import TokenUse
from ctid.audit import store as audit
from ctid.audit.models import Actor, changes
from ctid.core.clock import utcnow
from ctid.core.config import LOCALES
from ctid.core.errors import (
    N_,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from ctid.core.paging import Page, PageRequest
from ctid.storage.db import Database

log = logging.getLogger(__name__)

TOKEN_PREFIX = "ctid_"  # noqa: S105 - a marker, not a secret
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
_BRANCH_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# a number as a shop writes its own: digits with + - ( ) and spaces, maybe an extension (转 801, ext 801)
_BRANCH_PHONE = re.compile(r"\+?[0-9() -]{5,30}(?: *(?:转|ext\.?|x) *[0-9]{1,6})?", re.ASCII | re.IGNORECASE)
DEFAULT_BRANCH = ("main", "总店")


def _digest(secret: str) -> str:
    """A secret as sent may hold bytes that are not UTF-8 (aiohttp hands a header's over as surrogates):
    it then matches nothing, as a wrong secret should, instead of failing to encode (a 500 on every page)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


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


@dataclass(frozen=True)
class BranchFields:
    code: str
    name: str
    address: str = ""
    phone: str = ""
    active: bool = True


class AccountService:
    def __init__(
        self,
        db: Database,
        throttle: LoginThrottle,
        hasher: Passwords | None = None,
        session_hours: float = 12.0,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        line_codes: Mapping[str, str] | None = None,
    ) -> None:
        """``line_codes``: each configured line's ``branch`` code (line name -> code), so that renaming a
        code a line still uses is refused (the next start would stop on it)."""
        self._db = db
        self._line_codes = dict(line_codes or {})
        self._throttle = throttle
        self._passwords = hasher or Passwords()
        self._session_length = timedelta(hours=session_hours)
        self._clock = clock
        self._monotonic = monotonic
        # one login password check at a time, see login()
        self._password_checks = asyncio.Semaphore(1)
        self.token_use = TokenUse(db)

    # --- first start --------------------------------------------------------------------------------------

    async def bootstrap(self) -> str | None:
        """On a database with no users: a default branch and an admin. Returns its one-time password."""
        async with self._db.connect() as conn:
            if await store.count_users(conn):
                return None
        password = passwords.generate()
        password_hash = await self._hash(password)
        async with self._db.begin() as conn:
            if await store.count_users(conn):
                return None
            branch = await self._default_branch(conn)
            new = NewUser("admin", Role.ADMIN, branch.id, "管理员", must_change_password=True)
            await self._insert_user(conn, Actor.system(), new, password_hash)
        log.warning("created the first admin user 'admin'; its one-time password is printed on the console")
        return password

    async def default_branch(self) -> Branch:
        """The first branch, created as 总店 (main) on an empty database."""
        async with self._db.begin() as conn:
            return await self._default_branch(conn)

    async def _default_branch(self, conn: AsyncConnection) -> Branch:
        """The first branch ever created (the head shop), whatever codes later branches get."""
        first = await store.first_branch(conn)
        if first is not None:
            return first
        return await self._insert_branch(conn, Actor.system(), BranchFields(*DEFAULT_BRANCH))

    # --- logging in ---------------------------------------------------------------------------------------

    async def login(self, username: str, password: str, address: str) -> tuple[str, Session, User]:
        """Check a password (throttled per user and per address) and open a new session."""
        self._refuse_if_throttled(username, address)
        async with self._db.connect() as conn:
            found = await store.user_with_hash(conn, username)
        user, stored_hash = found if found else (None, None)
        usable = user is not None and user.active
        if not await self._verify_throttled(username, address, stored_hash, password, usable) or user is None:
            log.info("failed login for %r from %s", username[:64], address)
            raise NotAuthenticated(N_("Wrong user name or password."))
        rehashed = None
        if stored_hash and self._passwords.needs_rehash(stored_hash):
            rehashed = await self._hash(password)
        async with self._db.begin() as conn:
            if rehashed:
                await store.update_user(conn, user.id, {"password_hash": rehashed})
            secret, session = await self._open_session(conn, user, address)
            await audit.record(conn, Actor.of(user, address), "user.login", ("user", user.id), self._clock())
        return secret, session, user

    async def _verify_throttled(
        self, username: str, address: str, stored_hash: str | None, password: str, usable: bool = True
    ) -> bool:
        """Check a password under the login throttle; a wrong one counts as a failed login.

        Checks queue one at a time and ask the throttle again at the head of the queue, so each guess sees
        the failures of the guesses before it: fifty sent at once cannot all be checked.
        """
        async with self._password_checks:
            self._refuse_if_throttled(username, address)
            if await asyncio.to_thread(self._passwords.verify, stored_hash, password) and usable:
                self._throttle.succeeded(username, address)
                return True
            self._throttle.failed(username, address, self._monotonic())
            return False

    def _refuse_if_throttled(self, username: str, address: str) -> None:
        if (wait := self._throttle.retry_after(username, address, self._monotonic())) is not None:
            raise Throttled(
                N_("Too many failed logins. Try again in %(seconds)d seconds."), wait, seconds=wait
            )

    async def _open_session(self, conn: AsyncConnection, user: User, address: str) -> tuple[str, Session]:
        now = self._clock()
        secret = secrets.token_urlsafe(32)
        session = Session(user.id, secrets.token_urlsafe(32), now, now + self._session_length)
        await store.insert_session(conn, _digest(secret), session, address)
        return secret, session

    async def session(self, secret: str) -> tuple[Session, User] | None:
        """The live session and its (active) user for a cookie value, or None."""
        async with self._db.connect() as conn:
            session = await store.session_by_hash(conn, _digest(secret), self._clock())
            if session is None:
                return None
            user = await store.get_user(conn, session.user_id)
        return (session, user) if user and user.active else None

    async def logout(self, secret: str, user: User, address: str) -> None:
        async with self._db.begin() as conn:
            await store.delete_session(conn, _digest(secret))
            await audit.record(conn, Actor.of(user, address), "user.logout", ("user", user.id), self._clock())

    async def purge_sessions(self) -> int:
        async with self._db.begin() as conn:
            return await store.purge_expired_sessions(conn, self._clock())

    # --- users --------------------------------------------------------------------------------------------

    async def create_user(self, actor: Actor, new: NewUser) -> tuple[User, str]:
        """Create a user; returns it and its initial password (generated when none was given)."""
        await self._require(actor, Permission.MANAGE_USERS)
        password = new.password or passwords.generate()
        if not _USERNAME.match(new.username.strip()):
            raise ValidationError(
                "username",
                N_("User names are 2-64 letters, digits, '.', '_' or '-', starting with a letter or digit."),
            )
        self._check_password(password, new.username.strip())
        password_hash = await self._hash(password)
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
        await self._require(actor, Permission.MANAGE_USERS)
        password_values: dict[str, Any] = {}
        if edit.new_password:
            # user names never change, so the rule can be checked (and the hash made) before the transaction
            self._check_password(edit.new_password, (await self.get_user(user_id)).username)
            password_values = await self._password_values(edit.new_password, must_change=True)
        async with self._db.begin() as conn:
            user = await self._existing_user(conn, user_id)
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
        if not await self._verify_throttled(user.username, address, current_hash, old):
            raise ValidationError("old_password", N_("The current password is wrong."))
        if old == new:
            raise ValidationError("new_password", N_("The new password must differ from the current one."))
        self._check_password(new, user.username)
        values = await self._password_values(new, must_change=False)
        async with self._db.begin() as conn:
            updated = await store.update_user(conn, user.id, values)
            await store.delete_user_sessions(conn, user.id, keep=_digest(keep_session))
            await audit.record(
                conn, Actor.of(user, address), "user.password", ("user", user.id), self._clock()
            )
        return updated

    async def set_locale(self, user: User, locale: str) -> User:
        if locale not in ("", *LOCALES):
            raise ValidationError("locale", N_("Unknown language."))
        async with self._db.begin() as conn:
            return await store.update_user(conn, user.id, {"locale": locale or None})

    async def _hash(self, password: str) -> str:
        return await asyncio.to_thread(self._passwords.hash, password)

    async def _password_values(self, password: str, must_change: bool) -> dict[str, Any]:
        return {
            "password_hash": await self._hash(password),
            "must_change_password": must_change,
            "password_changed_at": self._clock(),
        }

    def _check_password(self, password: str, username: str) -> None:
        if problem := passwords.problem_with(password, username):
            message, params = problem
            raise ValidationError("password", message, **params)

    async def get_user(self, user_id: int) -> User:
        async with self._db.connect() as conn:
            return await self._existing_user(conn, user_id)

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

    async def _existing_user(self, conn: AsyncConnection, user_id: int) -> User:
        user = await store.get_user(conn, user_id)
        if user is None:
            raise NotFound(N_("No such user."))
        return user

    async def _require(self, actor: Actor, permission: Permission) -> None:
        """Services check too, so the CLI and the API cannot bypass what the pages enforce."""
        if actor.user_id is None:
            return
        user = await self.get_user(actor.user_id)
        if not allows(user, permission):
            raise PermissionDenied(N_("You are not allowed to do this."))

    # --- branches -----------------------------------------------------------------------------------------

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
        await self._require(actor, Permission.MANAGE_BRANCHES)
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
        await self._require(actor, Permission.MANAGE_BRANCHES)
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

    # --- the lines a user's console follows ---------------------------------------------------------------

    async def bound_lines(self, user_id: int) -> list[str]:
        async with self._db.connect() as conn:
            return await store.bound_lines(conn, user_id)

    async def operators_on(self, line: str) -> list[int]:
        """Active operators bound to this line: a recording's operator is the one when there is one."""
        async with self._db.connect() as conn:
            return await store.operators_on(conn, line)

    async def bind_lines(self, actor: Actor, user_id: int, lines: list[str], known: set[str]) -> list[str]:
        """Set the lines whose calls pop on this user's console (their own choice, or an admin's)."""
        await self._require_self_or(actor, user_id, Permission.MANAGE_USERS)
        unknown = sorted(set(lines) - known)
        if unknown:
            raise ValidationError("lines", N_("No line named %(name)s."), name=", ".join(unknown))
        chosen = sorted(set(lines))
        async with self._db.begin() as conn:
            user = await self._existing_user(conn, user_id)
            before = await store.bound_lines(conn, user.id)
            await store.set_bound_lines(conn, user.id, chosen)
            if before != chosen:
                after = {"lines": chosen}
                await audit.record(
                    conn, actor, "user.lines", ("user", user.id), self._clock(), {"lines": before}, after
                )
        return chosen

    # --- API tokens ---------------------------------------------------------------------------------------

    async def create_token(self, actor: Actor, user_id: int, name: str) -> tuple[str, ApiToken]:
        """A new API token for a user; the secret is returned once and never stored."""
        await self._require_self_or(actor, user_id, Permission.MANAGE_ALL_TOKENS)
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError("name", N_("Give the token a name of 1-100 characters."))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        async with self._db.begin() as conn:
            user = await self._existing_user(conn, user_id)
            values = {"user_id": user.id, "name": name, "prefix": secret[:12], "created_at": now}
            token = await store.insert_token(conn, {**values, "token_hash": _digest(secret)})
            after = {"user": user.username, "name": name, "prefix": token.prefix}
            await audit.record(conn, actor, "token.create", ("api_token", token.id), now, after=after)
        return secret, token

    async def revoke_token(self, actor: Actor, token_id: int) -> ApiToken:
        async with self._db.begin() as conn:
            token = await store.get_token(conn, token_id)
            if token is None:
                raise NotFound(N_("No such token."))
            await self._require_self_or(actor, token.user_id, Permission.MANAGE_ALL_TOKENS)
            now = self._clock()
            if token.revoked_at is None:
                await store.set_token_times(conn, token.id, revoked_at=now)
                after = {"name": token.name, "prefix": token.prefix}
                await audit.record(conn, actor, "token.revoke", ("api_token", token.id), now, after=after)
            return await store.get_token(conn, token.id) or token

    async def list_tokens(self, user_id: int | None = None) -> list[ApiToken]:
        async with self._db.connect() as conn:
            return await store.list_tokens(conn, user_id)

    async def still_signed_in(
        self, sessions: Collection[str], tokens: Collection[str]
    ) -> dict[str, SignedIn]:
        """Of these session cookies and API tokens (as sent), those that still let an active user in, with
        that user as they are now (role, branch, bound lines): one read for every open console at once,
        however many (the hub asks every few seconds)."""
        session_hashes = {_digest(secret): secret for secret in sessions}
        token_hashes = {_digest(secret): secret for secret in tokens}
        async with self._db.connect() as conn:
            live = await store.live_credentials(conn, session_hashes, token_hashes, self._clock())
            lines = await store.bound_lines_of(conn, {user.id for user in live.values()})
        secrets_by_digest = session_hashes | token_hashes
        return {secrets_by_digest[d]: SignedIn(user, lines[user.id]) for d, user in live.items()}

    async def token_user(self, secret: str) -> User | None:
        """The active user behind an unrevoked token, or None. Only reads: the token's last use is
        recorded on the side (see ctid.accounts.token_use), so a locked or full database refuses no one."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        async with self._db.connect() as conn:
            token = await store.token_by_hash(conn, _digest(secret))
            if token is None or token.revoked_at is not None:
                return None
            user = await store.get_user(conn, token.user_id)
        if user is None or not user.active:
            return None
        self.token_use.seen(token, self._clock())
        return user

    async def _require_self_or(self, actor: Actor, user_id: int, permission: Permission) -> None:
        if actor.user_id is not None and actor.user_id != user_id:
            await self._require(actor, permission)


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
