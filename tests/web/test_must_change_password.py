"""A user who must change their password can do nothing else first: pages go to the form (test_login.py),
the API answers 403 ``password_change_required`` and the websocket is refused, with a session cookie or
an API token alike; changing it (the page, or ``POST /api/v1/me/password``) and logging out still work.

Before, only the pages were held back: the API and the websocket served such a user everything."""

from __future__ import annotations

import pytest

from ctid.accounts.models import Role, User
from tests.support.site import PASSWORD, Site
from tests.web.support import Browser

NEW = "a much better passphrase"


@pytest.fixture
async def newbie(site: Site) -> User:
    return await site.user("newbie", Role.SUPERVISOR, must_change_password=True)


async def refused(browser: Browser, path: str, **headers: str) -> None:
    response = await browser.client.get(path, headers=headers)
    body = await response.json()
    assert (response.status, body["error"]["code"]) == (403, "password_change_required"), path
    assert "/account/password" in body["error"]["message"]


async def test_a_token_does_nothing_but_change_the_password(site: Site, anon: Browser, newbie: User) -> None:
    secret, _ = await site.token(newbie)
    bearer = {"Authorization": f"Bearer {secret}"}
    for path in ("/api/v1/me", "/api/v1/calls", "/api/v1/lines", "/api/v1/customers", "/api/v1/recordings"):
        await refused(anon, path, **bearer)
    await refused(anon, "/ws", **bearer, Connection="Upgrade", Upgrade="websocket")
    wrong = await anon.client.post(
        "/api/v1/me/password", json={"old_password": "nope", "new_password": NEW}, headers=bearer
    )
    assert (wrong.status, (await wrong.json())["error"]["field"]) == (422, "old_password")
    changed = await anon.client.post(
        "/api/v1/me/password", json={"old_password": PASSWORD, "new_password": NEW}, headers=bearer
    )
    assert changed.status == 200 and (await changed.json())["user"]["must_change_password"] is False
    assert (await anon.client.get("/api/v1/calls", headers=bearer)).status == 200
    assert (await anon.login("newbie", NEW)).status == 303


async def test_a_browser_session_is_held_back_but_may_change_it_or_log_out(
    site: Site, anon: Browser, newbie: User
) -> None:
    assert (await anon.login("newbie")).status == 303
    await refused(anon, "/api/v1/me")
    await refused(anon, "/api/v1/me/missed")
    origin = str(anon.client.make_url("/")).rstrip("/")
    await refused(anon, "/ws", Origin=origin, Connection="Upgrade", Upgrade="websocket")
    await anon.get("/account/password")
    headers = {"X-CSRF-Token": anon.token}
    unknown = await anon.client.post("/api/v1/me/password", json={"password": NEW}, headers=headers)
    assert (unknown.status, (await unknown.json())["error"]["field"]) == (422, "password")
    body = {"old_password": PASSWORD, "new_password": NEW}
    assert (await anon.client.post("/api/v1/me/password", json=body, headers=headers)).status == 200
    assert (await anon.client.get("/api/v1/me")).status == 200, "this session goes on"
    assert (await anon.post("/logout")).status == 303


async def test_logging_out_stays_possible(site: Site, anon: Browser, newbie: User) -> None:
    assert (await anon.login("newbie")).status == 303
    out = await anon.post("/logout")
    assert (out.status, out.headers["Location"]) == (303, "/login")
    assert (await anon.client.get("/api/v1/me")).status == 401
