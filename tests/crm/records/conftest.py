"""Fixtures for the CRM records tests: two branches, their staff, and the record services over a real
SQLite file (the directory and database fixtures are tests/crm/conftest.py's)."""

from __future__ import annotations

import pytest

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role, User
from ctid.accounts.service import AccountService
from ctid.accounts.users import NewUser
from ctid.core.phone import PhoneNormaliser
from ctid.crm.records import CrmRecords
from ctid.crm.service import CustomerDirectory
from ctid.storage.db import Database
from tests.crm.records.support import World
from tests.support.site import TEST_ACTOR


async def _user(accounts: AccountService, name: str, role: Role, branch: int) -> User:
    user, _password = await accounts.users.create_user(TEST_ACTOR, NewUser(name, role, branch, name.title()))
    return user


@pytest.fixture
def follow_up_after_days() -> int:
    return 3


@pytest.fixture
async def world(
    db: Database,
    accounts: AccountService,
    directory: CustomerDirectory,
    normaliser: PhoneNormaliser,
    branch_id: int,
    follow_up_after_days: int,
) -> World:
    east = (await accounts.branches.create_branch(TEST_ACTOR, BranchFields("east", "东区店"))).id
    return World(
        db=db,
        records=CrmRecords.build(db, directory, normaliser, follow_up_after_days=follow_up_after_days),
        branch_a=branch_id,
        branch_b=east,
        admin=await _user(accounts, "ada", Role.ADMIN, branch_id),
        supervisor=await _user(accounts, "sam", Role.SUPERVISOR, branch_id),
        olga=await _user(accounts, "olga", Role.OPERATOR, branch_id),
        erin=await _user(accounts, "erin", Role.OPERATOR, east),
    )
