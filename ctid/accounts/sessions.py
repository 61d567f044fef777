"""Sessions: logging in and out, the session behind a cookie, and who is still signed in.

Sessions are server-side rows keyed by the SHA-256 of a random cookie value (``ctid.accounts.digests``):
logout, a password change and deactivation end them at once, and a copied database logs no one in.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store
from ctid.accounts.digests import digest
from ctid.accounts.models import Session, SignedIn, User
from ctid.accounts.password_check import PasswordCheck
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.errors import N_, NotAuthenticated
from ctid.storage.db import Database

log = logging.getLogger(__name__)


class Sessions:
    def __init__(
        self,
        db: Database,
        checker: PasswordCheck,
        clock: Callable[[], datetime],
        session_hours: float = 12.0,
    ) -> None:
        self._db = db
        self._passwords = checker
        self._clock = clock
        self._session_length = timedelta(hours=session_hours)

    async def login(self, username: str, password: str, address: str) -> tuple[str, Session, User]:
        """Check a password (throttled per user and per address) and open a new session."""
        self._passwords.refuse_if_throttled(username, address)
        async with self._db.connect() as conn:
            found = await store.user_with_hash(conn, username)
        user, stored_hash = found if found else (None, None)
        usable = user is not None and user.active
        if not await self._passwords.verify(username, address, stored_hash, password, usable) or user is None:
            log.info("failed login for %r from %s", username[:64], address)
            raise NotAuthenticated(N_("Wrong user name or password."))
        rehashed = None
        if stored_hash and self._passwords.needs_rehash(stored_hash):
            rehashed = await self._passwords.hash(password)
        async with self._db.begin() as conn:
            if rehashed:
                await store.update_user(conn, user.id, {"password_hash": rehashed})
            secret, session = await self._open_session(conn, user, address)
            await audit.record(conn, Actor.of(user, address), "user.login", ("user", user.id), self._clock())
        return secret, session, user

    async def _open_session(self, conn: AsyncConnection, user: User, address: str) -> tuple[str, Session]:
        now = self._clock()
        secret = secrets.token_urlsafe(32)
        session = Session(user.id, secrets.token_urlsafe(32), now, now + self._session_length)
        await store.insert_session(conn, digest(secret), session, address)
        return secret, session

    async def session(self, secret: str) -> tuple[Session, User] | None:
        """The live session and its (active) user for a cookie value, or None."""
        async with self._db.connect() as conn:
            session = await store.session_by_hash(conn, digest(secret), self._clock())
            if session is None:
                return None
            user = await store.get_user(conn, session.user_id)
        return (session, user) if user and user.active else None

    async def logout(self, secret: str, user: User, address: str) -> None:
        async with self._db.begin() as conn:
            await store.delete_session(conn, digest(secret))
            await audit.record(conn, Actor.of(user, address), "user.logout", ("user", user.id), self._clock())

    async def purge_sessions(self) -> int:
        async with self._db.begin() as conn:
            return await store.purge_expired_sessions(conn, self._clock())

    async def still_signed_in(
        self, sessions: Collection[str], tokens: Collection[str]
    ) -> dict[str, SignedIn]:
        """Of these session cookies and API tokens (as sent), those that still let an active user in, with
        that user as they are now (role, branch, bound lines): one read for every open console at once,
        however many (the hub asks every few seconds)."""
        session_hashes = {digest(secret): secret for secret in sessions}
        token_hashes = {digest(secret): secret for secret in tokens}
        async with self._db.connect() as conn:
            live = await store.live_credentials(conn, session_hashes, token_hashes, self._clock())
            lines = await store.bound_lines_of(conn, {user.id for user in live.values()})
        secrets_by_digest = session_hashes | token_hashes
        return {secrets_by_digest[d]: SignedIn(user, lines[user.id]) for d, user in live.items()}
