"""Fixtures for the web tests: a real app over a real database, and browsers on it.

Each test gets its own data dir, database (SQLite, then PostgreSQL: the ``database_url`` fixture) and
app. Passwords are hashed with a cheap argon2 setting passed to the AccountService constructor, never by
changing the production defaults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from ctid.accounts.models import Role, User
from ctid.core.config import Config
from ctid.web.app import make_app
from tests.support.site import Site, build_site, make_config
from tests.web.support import Api, Browser, BrowserFactory, client_for


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return make_config(str(tmp_path / "var"), database_url)


@pytest.fixture
async def site(config: Config) -> AsyncIterator[Site]:
    async with build_site(config) as built:
        yield built


@pytest.fixture
def app(site: Site) -> web.Application:
    return make_app(site.services)


@pytest.fixture
async def new_browser(aiohttp_client: Any, app: web.Application) -> BrowserFactory:
    """Browsers on one server, each with its own cookies (two people at two desks)."""
    server: list[Any] = []

    async def make() -> Browser:
        client = await aiohttp_client(server[0] if server else app)
        server[:] = [client.server]
        return Browser(client)

    return make


@pytest.fixture
async def anon(new_browser: BrowserFactory) -> Browser:
    return await new_browser()


@pytest.fixture
async def boss(site: Site) -> User:
    return await site.user("boss", Role.ADMIN)


@pytest.fixture
async def operator(site: Site) -> User:
    return await site.user("olga", Role.OPERATOR)


@pytest.fixture
async def as_admin(new_browser: BrowserFactory, boss: User) -> Browser:
    browser = await new_browser()
    assert (await browser.login(boss.username)).status == 303
    return browser


@pytest.fixture
async def as_operator(new_browser: BrowserFactory, operator: User) -> Browser:
    browser = await new_browser()
    assert (await browser.login(operator.username)).status == 303
    return browser


@pytest.fixture
async def people(site: Site, anon: Browser) -> dict[str, Api]:
    """olga (operator) and sam (supervisor) in the default branch, erin (operator) in "east", the admin."""
    east = await site.branch("east", "东区店")
    users = {
        "olga": await site.user("olga", Role.OPERATOR),
        "sam": await site.user("sam", Role.SUPERVISOR),
        "erin": await site.user("erin", Role.OPERATOR, branch_id=east),
        "boss": await site.user("boss", Role.ADMIN),
    }
    return {name: client_for(anon, (await site.token(user))[0]) for name, user in users.items()}
