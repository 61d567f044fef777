"""A test site: the daemon's services over a real database (the test's SQLite file or PostgreSQL), with
a cheap password hasher and a throttle clock moved by hand. Used by the accounts, CRM and core tests and,
under the web app, by the web and screen-pop tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role, User
from ctid.accounts.passwords import Passwords
from ctid.accounts.service import AccountService
from ctid.accounts.users import NewUser
from ctid.app import Overrides, build_services
from ctid.audit.models import Actor
from ctid.core.config import Config, parse
from ctid.services import Services
from ctid.storage.db import BUSY_TIMEOUT_MS

PASSWORD = "correct horse battery"
TEST_ACTOR = Actor.system("test-setup")


def fast_passwords() -> Passwords:
    """argon2id at its cheapest: the tests exercise the logic, not the work factor."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


class Clock:
    """A monotonic clock the test moves by hand (for the login throttle)."""

    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Site:
    services: Services
    clock: Clock
    admin_password: str

    @property
    def accounts(self) -> AccountService:
        return self.services.accounts

    async def user(
        self,
        username: str,
        role: Role = Role.OPERATOR,
        password: str = PASSWORD,
        must_change_password: bool = False,
        branch_id: int | None = None,
    ) -> User:
        branch = branch_id or (await self.accounts.branches.default_branch()).id
        new = NewUser(username, role, branch, username.title(), password, must_change_password)
        user, _password = await self.accounts.users.create_user(TEST_ACTOR, new)
        return user

    async def branch(self, code: str, name: str) -> int:
        return (await self.accounts.branches.create_branch(TEST_ACTOR, BranchFields(code, name))).id

    async def token(self, user: User, name: str = "test") -> tuple[str, int]:
        secret, token = await self.accounts.tokens.create_token(Actor.of(user), user.id, name)
        return secret, token.id


def make_config(data_dir: str, database_url: str = "", **sections: Mapping[str, Any]) -> Config:
    """English by default, so that the default is distinguishable from a negotiated Chinese page.
    ``database_url``: the test's database (the ``database_url`` fixture); the data dir's SQLite file
    without one."""
    data: dict[str, Any] = {
        "storage": {"dir": data_dir},
        "site": {"default_locale": "en", "name": "Test Motors"},
        "database": {"url": database_url},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return parse(data, "test")


@asynccontextmanager
async def build_site(config: Config, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> AsyncIterator[Site]:
    """The daemon's services over a fresh database, with the cheap hasher and a hand-moved throttle clock;
    ``busy_timeout_ms`` for a test that holds the write lock and would otherwise sit out the 10 s."""
    clock = Clock()
    # built as the daemon builds it, but for the hasher (the production one takes ~0.2 s per hash, which
    # would dominate the suite) and the throttle's clock
    overrides = Overrides(passwords=fast_passwords(), login_clock=clock, busy_timeout_ms=busy_timeout_ms)
    services = build_services(config, overrides=overrides)
    config.data_dir.mkdir(parents=True, exist_ok=True)  # as the daemon's PID file makes it
    await services.db.start()
    try:
        admin_password = await services.accounts.users.bootstrap()
        assert admin_password
        yield Site(services, clock, admin_password)
    finally:
        await services.accounts.tokens.token_use.close()
        await services.db.stop()
