"""What every response carries (security headers), language negotiation, health, static files, errors."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import ctid
from ctid.accounts.models import Role, User
from ctid.core.config import Config
from ctid.storage.db import sqlite_file
from ctid.web.app import make_app
from ctid.web.security import HEADERS
from tests.support.site import Site, build_site
from tests.web.support import Browser

HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def html_lang(text: str) -> str:
    found = HTML_LANG.search(text)
    assert found, "every page starts with <html lang=...>"
    return found.group(1)


def assert_security_headers(response: Any) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


async def test_security_headers_on_every_kind_of_response(as_operator: Browser, anon: Browser) -> None:
    responses = [
        await anon.get("/login"),  # page
        await anon.get("/"),  # redirect to login
        await anon.get("/no/such/page"),  # 404
        await anon.client.get("/api/v1/me"),  # 401 JSON
        await anon.get("/healthz"),  # JSON
        await as_operator.get("/"),
        await as_operator.get("/admin/users"),  # 403
        await as_operator.post("/admin/branches/new", csrf=False),  # CSRF refusal
    ]
    static = re.search(r'href="(/static/ctid\.css[^"]*)"', await responses[0].text())
    assert static
    responses.append(await anon.get(static.group(1)))
    for response in responses:
        assert_security_headers(response)
    assert [r.status for r in responses] == [200, 303, 404, 401, 200, 200, 403, 403, 200]


async def test_pages_are_not_cached(as_operator: Browser) -> None:
    response = await as_operator.get("/account/tokens")
    assert response.headers["Cache-Control"] == "no-store"


DETAIL = {"status", "version", "database", "uptime_s", "recording", "lines", "backup"}


async def test_healthz_says_status_and_version_to_anyone(anon: Browser, as_operator: Browser) -> None:
    """Before, anyone who reached the port read the line names and the database's error text."""
    for who in (anon, as_operator):
        response = await who.get("/healthz")
        assert response.status == 200 and response.content_type == "application/json"
        assert await response.json() == {"status": "ok", "version": ctid.__version__}


async def test_healthz_gives_staff_the_detail(
    as_admin: Browser, site: Site, boss: User, database_backend: str
) -> None:
    secret, _ = await site.token(boss)
    for body in (
        await (await as_admin.get("/healthz")).json(),
        await (await as_admin.client.get("/healthz", headers={"Authorization": f"Bearer {secret}"})).json(),
    ):
        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["version"] == ctid.__version__
        assert isinstance(body["uptime_s"], int | float) and body["uptime_s"] >= 0
        assert body["recording"] == "ok"
        assert body["lines"] == {line.name: "up" for line in site.services.lines.infos()}
        assert body["backup"] == ("pg_dump" if database_backend == "postgresql" else "none yet")
        assert set(body) == DETAIL


@pytest.mark.sqlite_only  # the nightly copy is SQLite's
async def test_healthz_tells_whether_the_last_nightly_backup_worked_and_not_why(
    as_admin: Browser, anon: Browser, site: Site, tmp_path: Path
) -> None:
    backup = site.services.backup
    assert backup is not None, "on by default"
    assert (await backup.run()).problem is None
    assert re.fullmatch(
        r"ok, \d{4}-\d\d-\d\d \d\d:\d\d UTC", (await (await as_admin.get("/healthz")).json())["backup"]
    )
    backup.directory = tmp_path / "not-a-dir"
    backup.directory.write_text("a file where the backups should go")
    assert (await backup.run()).problem is not None
    body = await (await as_admin.get("/healthz")).json()
    assert body["backup"].startswith("failed (see the log), ") and "not-a-dir" not in body["backup"]
    assert body["status"] == "ok", "a failed backup does not make the daemon unhealthy"
    assert "backup" not in await (await anon.get("/healthz")).json()


async def test_healthz_reports_a_broken_database(anon: Browser, site: Site, boss: User) -> None:
    secret, _ = await site.token(boss)
    await site.services.db.stop()  # as good as a database that cannot be reached
    for headers in ({}, {"Authorization": f"Bearer {secret}"}):
        response = await anon.client.get("/healthz", headers=headers)
        assert response.status == 503, "a monitor's token cannot be checked now: still the status"
        assert await response.json() == {"status": "degraded", "version": ctid.__version__}


async def test_static_files_are_public_and_versioned(anon: Browser) -> None:
    page = await (await anon.get("/login")).text()
    href = re.search(r'href="(/static/ctid\.css\?v=[^"]+)"', page)
    assert href, "static URLs carry a version (cache busting)"
    response = await anon.get(href.group(1))
    assert response.status == 200
    assert "text/css" in response.headers["Content-Type"]


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.9", "zh-CN"),
        ("fr-FR, de", "en"),  # neither offered: the site default (en in these tests)
        ("", "en"),
    ],
)
async def test_language_follows_accept_language(anon: Browser, accept: str, lang: str) -> None:
    response = await anon.get("/login", headers={"Accept-Language": accept})
    assert html_lang(await response.text()) == lang


async def test_chinese_page_is_translated_when_translations_exist(anon: Browser) -> None:
    """With the zh_CN catalogue present, a Chinese page must not read as the English one."""
    from ctid.web.i18n import Catalogs

    english = await (await anon.get("/login", headers={"Accept-Language": "en"})).text()
    chinese = await (await anon.get("/login", headers={"Accept-Language": "zh"})).text()
    if Catalogs().get("zh_CN").gettext("Log in") == "Log in":
        pytest.skip("no zh_CN translation of 'Log in' yet")
    assert chinese != english
    assert ">Log in<" in english and ">Log in<" not in chinese


async def test_language_cookie_beats_accept_language(anon: Browser) -> None:
    await anon.get("/login")
    response = await anon.post("/language", {"locale": "zh_CN", "next": "/login"})
    assert response.status == 303
    assert response.headers["Location"] == "/login"
    page = await anon.get("/login", headers={"Accept-Language": "en"})
    assert html_lang(await page.text()) == "zh-CN"


async def test_language_switch_keeps_next_on_site(anon: Browser) -> None:
    await anon.get("/login")
    response = await anon.post("/language", {"locale": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


async def test_a_refused_language_switch_changes_nothing(
    as_operator: Browser, site: Site, operator: User
) -> None:
    """``next`` is read before the locale is stored (found by test_fuzz_forms: a 422 that had stored it)."""
    await as_operator.get("/")
    response = await as_operator.post("/language", {"locale": "en", "next": "/" + "x" * 600})
    assert response.status == 422
    assert (await site.accounts.users.get_user(operator.id)).locale == operator.locale


async def test_unknown_language_falls_back(anon: Browser) -> None:
    await anon.get("/login")
    await anon.post("/language", {"locale": "klingon", "next": "/login"})
    page = await anon.get("/login", headers={"Accept-Language": "zh"})
    assert html_lang(await page.text()) == "zh-CN"


async def test_a_users_own_language_beats_the_browser(
    as_operator: Browser, site: Site, operator: User
) -> None:
    response = await as_operator.post("/language", {"locale": "zh_CN", "next": "/"})
    assert response.status == 303
    assert (await site.accounts.users.get_user(operator.id)).locale == "zh_CN"
    as_operator.client.session.cookie_jar.clear_domain("127.0.0.1")
    await as_operator.login(operator.username)
    page = await as_operator.get("/", headers={"Accept-Language": "en"})
    assert html_lang(await page.text()) == "zh-CN"


async def test_error_pages_are_pages_and_api_errors_are_json(as_operator: Browser) -> None:
    page = await as_operator.get("/nowhere")
    assert page.status == 404 and page.content_type == "text/html"
    assert "404" in await page.text()
    api = await as_operator.client.get("/api/v1/nowhere")
    assert api.status == 404 and api.content_type == "application/json"


async def test_a_crash_is_a_500_without_details(site: Site, aiohttp_client: Any) -> None:
    from aiohttp import web

    from ctid.web.auth import PUBLIC, requires

    @requires(PUBLIC)
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals")

    app = make_app(site.services)
    app.router.add_get("/boom", boom)
    app.router.add_get("/api/v1/boom", boom)
    client = await aiohttp_client(app)
    page = await client.get("/boom")
    assert page.status == 500
    assert "secret internals" not in await page.text()
    api = await client.get("/api/v1/boom")
    assert api.status == 500
    assert (await api.json())["error"]["code"] == "internal"


@asynccontextmanager
async def locked(url: str) -> AsyncIterator[None]:
    """Another program holds the write lock: an admin's sqlite3 shell in a transaction, or a PostgreSQL
    session that locked the customers table (LOCK TABLE, a long migration by hand)."""
    path = sqlite_file(url)
    if path is not None:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("LOCK TABLE customers IN EXCLUSIVE MODE"))
            yield
            await conn.rollback()
    finally:
        await engine.dispose()


async def test_a_locked_database_is_a_503_to_retry_and_nothing_is_stored(
    config: Config, aiohttp_client: Any
) -> None:
    """The lock is held past the busy timeout (SQLite's busy_timeout, PostgreSQL's lock_timeout): half a
    second on this site; the production 10 s would be 10 s of the suite sat out on each backend."""
    async with build_site(config, busy_timeout_ms=500) as site:
        anon = Browser(await aiohttp_client(make_app(site.services)))
        secret, _id = await site.token(await site.user("boss", Role.ADMIN))
        headers = {"Authorization": f"Bearer {secret}"}
        new = {"name": "张伟", "phones": ["13800138000"]}
        async with locked(site.services.config.database_url):
            started = time.monotonic()
            refused = await anon.client.post("/api/v1/customers", json=new, headers=headers)
            assert time.monotonic() - started < 5, "the site's busy timeout, not the production 10 s"
            assert refused.status == 503 and refused.headers["Retry-After"] == "5"
            assert (await refused.json())["error"]["code"] == "database_busy"
        again = await anon.client.post("/api/v1/customers", json=new, headers=headers)
        assert again.status == 201, "the same request works once the lock is gone"
        found = await (await anon.client.get("/api/v1/customers?q=13800138000", headers=headers)).json()
        assert found["total"] == 1, "the refused request stored nothing"
