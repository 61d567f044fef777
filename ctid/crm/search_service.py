"""The CRM's search box as a service: a query to the best customers of the user's branch (or, for admins,
of every branch). Parsing is ctid.crm.search's, the SQL ctid.crm.search_store's."""

from __future__ import annotations

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.crm import scope, search_store
from ctid.crm.search import parse
from ctid.crm.search_store import SearchHit
from ctid.storage.db import Database

MAX_LIMIT = 50
DEFAULT_LIMIT = 20
MAX_QUERY_LENGTH = 200


class CustomerSearch:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(self, user: User, text: str, limit: int = DEFAULT_LIMIT) -> list[SearchHit]:
        """Customers whose name, pinyin, phone, plate or VIN holds ``text``; best first, at most ``limit``.
        A query with nothing searchable in it (blank, punctuation) finds nobody."""
        scope.require(user, Permission.CRM_VIEW)
        if not 1 <= limit <= MAX_LIMIT:
            message = N_("%(what)s must be between %(low)d and %(high)d.")
            raise ValidationError("limit", message, what="limit", low=1, high=MAX_LIMIT)
        if len(text) > MAX_QUERY_LENGTH:
            raise ValidationError("q", N_("At most %(count)d characters."), count=MAX_QUERY_LENGTH)
        query = parse(text)
        if query is None:
            return []
        # Not Database.read: its reader thread serves the screen pops, and a search may take a few tens of
        # milliseconds; an ordinary connection has a thread of its own.
        async with self._db.connect() as conn:
            return await conn.run_sync(search_store.search, query, scope.branch_scope(user), limit)
