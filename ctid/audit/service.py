"""Reading the audit log (writing happens inside each service's own transaction)."""

from __future__ import annotations

from ctid.audit import store
from ctid.audit.models import AuditEntry, AuditFilter
from ctid.core.paging import Page
from ctid.storage.db import Database


class AuditService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(self, where: AuditFilter) -> Page[AuditEntry]:
        async with self._db.connect() as conn:
            return await store.search(conn, where)

    async def choices(self) -> dict[str, list[str]]:
        async with self._db.connect() as conn:
            return await store.distinct_values(conn)
