"""When each API token was last used: recorded on the side, never on the way of the request.

A token's last use is for its owner's information (*My tokens*), not for letting anyone in. Written inside
authentication, it made every token request a write transaction (once a minute per token): while the
database was locked past the busy timeout (an import, a backup, an admin's ``sqlite3`` shell) or the disk
was full, token users could not read and their consoles could not connect (503), though reads work then.

So authentication only reads; uses are noted here and written by one task, all pending tokens in one
transaction, through ``Database.write``: a write that fails for a passing reason (locked, full) is retried
until it works, logged once and shown on /healthz as any other; uses seen meanwhile wait for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store
from ctid.accounts.models import ApiToken
from ctid.storage.db import Database

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=1)  # a use within a minute of the last recorded one is not written again


class TokenUse:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: dict[int, datetime] = {}  # token id -> its latest use not yet written
        self._writer: asyncio.Task[None] | None = None

    def seen(self, token: ApiToken, now: datetime) -> None:
        """``token`` let a request in at ``now``: written soon, unless its last use is recent."""
        if token.last_used_at is not None and now - token.last_used_at <= EVERY:
            return
        self._pending[token.id] = now
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="token-last-use")

    async def written(self) -> None:
        """Until what was seen so far is written."""
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def close(self) -> None:
        """At shutdown, before the database closes: a write still waiting for a lock is given up."""
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    async def _write(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, {}
                await self._db.write(functools.partial(_store, uses=batch), "API tokens' last use")
        except Exception:
            log.exception("recording API tokens' last use failed")
        finally:
            self._writer = None


async def _store(conn: AsyncConnection, uses: dict[int, datetime]) -> None:
    for token_id, at in uses.items():
        await store.set_token_times(conn, token_id, last_used_at=at)
