"""Fixtures for the call log tests: a migrated database (SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ctid.storage.db import Database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, keep_in_memory=False)
    await database.start()
    yield database
    await database.stop()
