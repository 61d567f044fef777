"""Fixtures for the CRM tests: a migrated SQLite file in tmp_path, a branch, the directory, the demo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.core.phone import PhoneNormaliser
from ctid.crm.service import CustomerDirectory
from ctid.sampledata.demo import seed_demo
from ctid.storage.db import Database
from tests.crm.support import NOW, TODAY
from tests.support.site import fast_passwords


@pytest.fixture
def normaliser() -> PhoneNormaliser:
    return PhoneNormaliser("CN", "020")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The SQLite file of the sqlite run (tests that read the file itself are SQLite's alone)."""
    return tmp_path / "ctid.sqlite3"


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


@pytest.fixture
def directory(db: Database, normaliser: PhoneNormaliser) -> CustomerDirectory:
    return CustomerDirectory(db, normaliser, clock=lambda: NOW)


@pytest.fixture
async def demo(db: Database, normaliser: PhoneNormaliser, branch_id: int) -> int:
    """The demo data set (60 customers: the known ones and random ones) in the default branch."""
    return await seed_demo(db, normaliser, branch_id, count=60, today=TODAY)
