"""Fixtures for the recording tests: a migrated SQLite file in tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ctid.db import Database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "rec.sqlite3"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{db_path}", keep_in_memory=False)
    await database.start()
    yield database
    await database.stop()
