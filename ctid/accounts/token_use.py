"""When each API token was last used: recorded on the side, never on the way of the request.

A token's last use is for its owner's information (*My tokens*), not for letting anyone in. Written inside
authentication, it made every token request a write transaction (once a minute per token): while the
database was locked past the busy timeout (an import, a backup, an admin's ``sqlite3`` shell) or the disk
was full, token users could not read and their consoles could not connect (503), though reads work then.

So authentication only reads; uses are noted here and written by one task, all pending tokens in one
transaction. A write that fails for a passing reason (locked, full) keeps the uses for a later try, a
minute on, and is logged once until one works again; nothing is logged per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from ctid.accounts import store
from ctid.accounts.models import ApiToken
from ctid.db import Database, transient

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=1)  # a use within a minute of the last recorded one is not written again
RETRY_AFTER_S = 60.0


class TokenUse:
    def __init__(self, db: Database, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._monotonic = monotonic
        self._pending: dict[int, datetime] = {}  # token id -> its latest use not yet written
        self._writer: asyncio.Task[None] | None = None
        self._quiet_until = 0.0  # after a failed write, no new try before this (monotonic)
        self._failing = False

    def seen(self, token: ApiToken, now: datetime) -> None:
        """``token`` let a request in at ``now``: written soon, unless its last use is recent."""
        if token.last_used_at is not None and now - token.last_used_at <= EVERY:
            return
        self._pending[token.id] = now
        if self._writer is None and self._monotonic() >= self._quiet_until:
            self._writer = asyncio.create_task(self._write(), name="token-last-use")

    async def written(self) -> None:
        """Until what was seen so far is written (or put off by a failure)."""
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
                try:
                    async with self._db.begin() as conn:
                        for token_id, at in batch.items():
                            await store.set_token_times(conn, token_id, last_used_at=at)
                except DBAPIError as error:
                    if not transient(error):
                        raise
                    self._put_off(batch, error)
                    return
                if self._failing:
                    self._failing = False
                    log.info("API tokens' last use is recorded again")
        except Exception:
            log.exception("recording API tokens' last use failed")
        finally:
            self._writer = None

    def _put_off(self, batch: dict[int, datetime], error: DBAPIError) -> None:
        self._pending = batch | self._pending  # a use seen meanwhile is newer
        self._quiet_until = self._monotonic() + RETRY_AFTER_S
        if not self._failing:
            self._failing = True
            problem = str(error.orig or error).splitlines()[0][:200]
            log.warning(
                "cannot record API tokens' last use (%s): tokens still work; tried again in a minute",
                problem,
            )
