"""Fixtures for the reminders' tests: a migrated database (each backend in turn) and its default branch."""

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
def accounts(db: Database) -> AccountService:
    return AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: NOW)


@pytest.fixture
async def branch_id(accounts: AccountService) -> int:
    return (await accounts.branches.default_branch()).id
