"""API tokens: a user's keys for the API and the console's websocket, made, listed and revoked.

A token's secret is shown once and stored only as its SHA-256 (``ctid.accounts.digests``). Checking one
only reads: its last use is written on the side (``ctid.accounts.token_use``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from ctid.accounts import store
from ctid.accounts.digests import digest
from ctid.accounts.guard import Guard, existing_user
from ctid.accounts.models import ApiToken, User
from ctid.accounts.permissions import Permission
from ctid.accounts.token_use import TokenUse
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.storage.db import Database

TOKEN_PREFIX = "ctid_"  # noqa: S105 - a marker, not a secret


class Tokens:
    def __init__(
        self, db: Database, guard: Guard, clock: Callable[[], datetime], token_use: TokenUse
    ) -> None:
        self._db = db
        self._guard = guard
        self._clock = clock
        self.token_use = token_use

    async def create_token(self, actor: Actor, user_id: int, name: str) -> tuple[str, ApiToken]:
        """A new API token for a user; the secret is returned once and never stored."""
        await self._guard.require_self_or(actor, user_id, Permission.MANAGE_ALL_TOKENS)
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationError("name", N_("Give the token a name of 1-100 characters."))
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        async with self._db.begin() as conn:
            user = await existing_user(conn, user_id)
            values = {"user_id": user.id, "name": name, "prefix": secret[:12], "created_at": now}
            token = await store.insert_token(conn, {**values, "token_hash": digest(secret)})
            after = {"user": user.username, "name": name, "prefix": token.prefix}
            await audit.record(conn, actor, "token.create", ("api_token", token.id), now, after=after)
        return secret, token

    async def revoke_token(self, actor: Actor, token_id: int) -> ApiToken:
        async with self._db.begin() as conn:
            token = await store.get_token(conn, token_id)
            if token is None:
                raise NotFound(N_("No such token."))
            await self._guard.require_self_or(actor, token.user_id, Permission.MANAGE_ALL_TOKENS)
            now = self._clock()
            if token.revoked_at is None:
                await store.set_token_times(conn, token.id, revoked_at=now)
                after = {"name": token.name, "prefix": token.prefix}
                await audit.record(conn, actor, "token.revoke", ("api_token", token.id), now, after=after)
            return await store.get_token(conn, token.id) or token

    async def list_tokens(self, user_id: int | None = None) -> list[ApiToken]:
        async with self._db.connect() as conn:
            return await store.list_tokens(conn, user_id)

    async def token_user(self, secret: str) -> User | None:
        """The active user behind an unrevoked token, or None. Only reads: the token's last use is
        recorded on the side (see ctid.accounts.token_use), so a locked or full database refuses no one."""
        if not secret.startswith(TOKEN_PREFIX):
            return None
        async with self._db.connect() as conn:
            token = await store.token_by_hash(conn, digest(secret))
            if token is None or token.revoked_at is not None:
                return None
            user = await store.get_user(conn, token.user_id)
        if user is None or not user.active:
            return None
        self.token_use.seen(token, self._clock())
        return user
