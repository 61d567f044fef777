"""CSRF: a state-changing request made with a cookie needs the session's token (or, before login, the
double-submit cookie); a Bearer token needs none."""

from __future__ import annotations

from typing import Any

import pytest

from ctid.accounts.models import User
from ctid.core.paging import PageRequest
from ctid.web.auth import SESSION_COOKIE
from ctid.web.csrf import ANONYMOUS_COOKIE, HEADER
from tests.support.site import PASSWORD, Site
from tests.web.support import Browser

BRANCH = {"code": "east", "name": "East side", "active": "on"}


async def branch_codes(site: Site) -> list[str]:
    return [b.code for b in await site.accounts.branches.list_branches()]


async def test_a_form_without_a_token_is_refused(as_admin: Browser, site: Site) -> None:
    response = await as_admin.post("/admin/branches/new", BRANCH, csrf=False)
    assert response.status == 403
    assert "CSRF" in await response.text()
    assert await branch_codes(site) == ["main"]


async def test_the_same_form_with_the_token_is_accepted(as_admin: Browser, site: Site) -> None:
    response = await as_admin.post("/admin/branches/new", BRANCH)
    assert response.status == 303
    assert await branch_codes(site) == ["east", "main"]


@pytest.mark.parametrize("token", ["", "x", "not-the-token-" * 3])
async def test_a_wrong_token_is_refused(as_admin: Browser, site: Site, token: str) -> None:
    response = await as_admin.post("/admin/branches/new", {**BRANCH, "csrf_token": token})
    assert response.status == 403
    assert await branch_codes(site) == ["main"]


async def test_another_sessions_token_is_refused(
    new_browser: Any, as_admin: Browser, as_operator: Browser, site: Site
) -> None:
    """Tokens belong to a session: an operator's own token is no good in the admin's browser."""
    assert as_operator.token and as_operator.token != as_admin.token
    response = await as_admin.post("/admin/branches/new", {**BRANCH, "csrf_token": as_operator.token})
    assert response.status == 403
    assert await branch_codes(site) == ["main"]


async def test_a_cross_site_post_with_the_victims_cookie_is_refused(
    new_browser: Any, as_admin: Browser, site: Site
) -> None:
    """What an attacker's page can do: post with the victim's cookies, but without knowing the token."""
    attacker = await new_browser()
    attacker.plant(SESSION_COOKIE, as_admin.cookie(SESSION_COOKIE) or "")
    new_user = {"username": "mallory", "role": "admin", "branch_id": "1", "password": "pwned-pwned-pwned"}
    response = await attacker.post("/admin/users/new", new_user, csrf=False)
    assert response.status == 403
    assert [u.username for u in (await site.accounts.users.list_users(PageRequest())).items] == [
        "admin",
        "boss",
    ]


async def test_login_needs_the_double_submit_cookie(anon: Browser, operator: User) -> None:
    await anon.get("/login")
    cookie = anon.cookie(ANONYMOUS_COOKIE)
    assert cookie and cookie == anon.token
    form = {"username": operator.username, "password": PASSWORD}
    assert (await anon.post("/login", form, csrf=False)).status == 403
    assert (await anon.post("/login", {**form, "csrf_token": "forged"})).status == 403
    assert anon.cookie(SESSION_COOKIE) is None
    assert (await anon.post("/login", form)).status == 303


async def test_anonymous_cookie_is_httponly_and_strict(anon: Browser) -> None:
    response = await anon.get("/login")
    header = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(ANONYMOUS_COOKIE))
    assert "httponly" in header.lower()
    assert "samesite=strict" in header.lower()


async def test_language_switch_needs_a_token(anon: Browser) -> None:
    await anon.get("/login")
    assert (await anon.post("/language", {"locale": "zh_CN"}, csrf=False)).status == 403
    assert (await anon.post("/language", {"locale": "zh_CN", "next": "/login"})).status == 303


async def test_json_with_the_session_cookie_needs_the_header(as_admin: Browser, site: Site) -> None:
    client = as_admin.client
    refused = await client.post("/api/v1/branches", json={"code": "west", "name": "West"})
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "csrf"
    accepted = await client.post(
        "/api/v1/branches", json={"code": "west", "name": "West"}, headers={HEADER: as_admin.token}
    )
    assert accepted.status == 201
    assert await branch_codes(site) == ["main", "west"]


async def test_a_bearer_token_needs_no_csrf(anon: Browser, site: Site, boss: User) -> None:
    secret, _id = await site.token(boss)
    response = await anon.client.post(
        "/api/v1/branches",
        json={"code": "north", "name": "North"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status == 201
