"""Fixtures for the dialer's tests: a migrated database (each backend in turn) and its default branch."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.storage.db import Database
from tests.reminders.support import NOW
from tests.support.site import fast_passwords


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.start()
    yield database
    await database.stop()


@pytest.fixture
async def branch_id(db: Database) -> int:
    accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: NOW)
    return (await accounts.branches.default_branch()).id
