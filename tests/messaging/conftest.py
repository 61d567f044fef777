"""Fixtures for the messaging tests: a migrated database (SQLite, then PostgreSQL) with one branch."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ctid.storage.db import Database
from tests.support.queries import execute


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, keep_in_memory=False)
    await database.start()
    await execute(
        database,
        "INSERT INTO branches (id, code, name, created_at) VALUES (1, 'main', '总店', '2026-12-01 00:00:00')",
    )
    yield database
    await database.stop()
