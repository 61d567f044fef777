"""The accounts' own permission check: services check what the pages check, so the CLI and the API cannot
bypass it. The actor's user is read again, as they are now (a role taken away an instant ago counts)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit.models import Actor
from ctid.core.errors import N_, NotFound, PermissionDenied
from ctid.storage.db import Database


class Guard:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def require(self, actor: Actor, permission: Permission) -> None:
        """The system (no user) may do anything; a user what their role allows."""
        if actor.user_id is None:
            return
        async with self._db.connect() as conn:
            user = await existing_user(conn, actor.user_id)
        if not allows(user, permission):
            raise PermissionDenied(N_("You are not allowed to do this."))

    async def require_self_or(self, actor: Actor, user_id: int, permission: Permission) -> None:
        """A user acting on their own account, or one with ``permission``."""
        if actor.user_id is not None and actor.user_id != user_id:
            await self.require(actor, permission)


async def existing_user(conn: AsyncConnection, user_id: int) -> User:
    user = await store.get_user(conn, user_id)
    if user is None:
        raise NotFound(N_("No such user."))
    return user
