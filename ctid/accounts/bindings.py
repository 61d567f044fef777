"""Which lines' calls pop on a user's console: their own choice, or an admin's. The recorder asks who is
bound to a line to name a recording's operator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ctid.accounts import store
from ctid.accounts.guard import Guard, existing_user
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.errors import N_, ValidationError
from ctid.storage.db import Database


class Bindings:
    def __init__(self, db: Database, guard: Guard, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._guard = guard
        self._clock = clock

    async def bound_lines(self, user_id: int) -> list[str]:
        async with self._db.connect() as conn:
            return await store.bound_lines(conn, user_id)

    async def operators_on(self, line: str) -> list[int]:
        """Active operators bound to this line: a recording's operator is the one when there is one."""
        async with self._db.connect() as conn:
            return await store.operators_on(conn, line)

    async def bind_lines(self, actor: Actor, user_id: int, lines: list[str], known: set[str]) -> list[str]:
        """Set the lines whose calls pop on this user's console (their own choice, or an admin's)."""
        await self._guard.require_self_or(actor, user_id, Permission.MANAGE_USERS)
        unknown = sorted(set(lines) - known)
        if unknown:
            raise ValidationError("lines", N_("No line named %(name)s."), name=", ".join(unknown))
        chosen = sorted(set(lines))
        async with self._db.begin() as conn:
            user = await existing_user(conn, user_id)
            before = await store.bound_lines(conn, user.id)
            await store.set_bound_lines(conn, user.id, chosen)
            if before != chosen:
                after = {"lines": chosen}
                await audit.record(
                    conn, actor, "user.lines", ("user", user.id), self._clock(), {"lines": before}, after
                )
        return chosen
