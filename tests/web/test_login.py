"""Logging in and out: cookies, session rotation, throttling, forced password change, safe redirects."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import pytest

from ctid.accounts.models import Role, User
from ctid.accounts.users import UserChanges
from ctid.web.app import make_app
from ctid.web.auth import SESSION_COOKIE
from ctid.web.views.auth import safe_next
from tests.support.site import PASSWORD, TEST_ACTOR, Site, build_site, make_config
from tests.web.support import Browser


def set_cookie(response: Any, name: str) -> str:
    """The raw Set-Cookie header for one cookie."""
    headers = [h for h in response.headers.getall("Set-Cookie", []) if h.startswith(f"{name}=")]
    assert len(headers) == 1, headers
    return str(headers[0])


async def test_login_sets_a_httponly_samesite_lax_session_cookie(anon: Browser, operator: User) -> None:
    response = await anon.login(operator.username, next_path="/account/tokens")
    assert response.status == 303
    assert response.headers["Location"] == "/account/tokens"
    header = set_cookie(response, SESSION_COOKIE)
    attributes = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in header.lower()
    assert "secure" not in attributes  # plain HTTP on the LAN unless configured
    morsel = SimpleCookie(header)[SESSION_COOKIE]
    assert morsel["path"] == "/"
    assert int(morsel["max-age"]) == 12 * 3600
    assert len(morsel.value) >= 40  # a random secret, not a user id


async def test_secure_cookies_setting_marks_the_cookie_secure(aiohttp_client: Any, tmp_path: Any) -> None:
    config = make_config(str(tmp_path / "secure"), web={"secure_cookies": True})
    async with build_site(config) as site:
        browser = Browser(await aiohttp_client(make_app(site.services)))
        await site.user("sam")
        response = await browser.login("sam")
        assert "secure" in set_cookie(response, SESSION_COOKIE).lower()


async def test_wrong_password_is_refused_on_the_login_page(anon: Browser, operator: User) -> None:
    response = await anon.login(operator.username, "not the password")
    assert response.status == 401
    assert 'name="password"' in await response.text()
    assert anon.cookie(SESSION_COOKIE) is None
    assert (await anon.get("/")).status == 303


async def test_unknown_user_looks_like_a_wrong_password(anon: Browser, operator: User) -> None:
    wrong_password = await (await anon.login(operator.username, "nope nope nope")).text()
    unknown_user = await (await anon.login("nobody", "nope nope nope")).text()
    assert wrong_password.replace(operator.username, "X") == unknown_user.replace("nobody", "X")


async def test_session_rotates_on_login(new_browser: Any, site: Site, operator: User) -> None:
    browser = await new_browser()
    await browser.login(operator.username)
    first = browser.cookie(SESSION_COOKIE)
    assert first
    await browser.login(operator.username)
    second = browser.cookie(SESSION_COOKIE)
    assert second and second != first
    assert (await browser.get("/")).status == 200

    replay = await new_browser()
    replay.plant(SESSION_COOKIE, first)
    response = await replay.get("/")
    assert response.status == 303
    assert response.headers["Location"].startswith("/login")


async def test_a_planted_session_cookie_is_never_adopted(new_browser: Any, operator: User) -> None:
    """Session fixation: a value set before login (by an attacker) must not become a live session."""
    victim = await new_browser()
    planted = "attacker-chosen-value-0123456789abcdefghijklmnop"
    victim.plant(SESSION_COOKIE, planted)
    assert (await victim.login(operator.username)).status == 303
    assert victim.cookie(SESSION_COOKIE) != planted

    attacker = await new_browser()
    attacker.plant(SESSION_COOKIE, planted)
    assert (await attacker.get("/")).status == 303


async def test_logout_ends_the_session_on_the_server(new_browser: Any, operator: User) -> None:
    browser = await new_browser()
    await browser.login(operator.username)
    secret = browser.cookie(SESSION_COOKIE)
    response = await browser.post("/logout")
    assert response.status == 303
    assert response.headers["Location"] == "/login"
    assert (await browser.get("/")).status == 303

    replay = await new_browser()
    replay.plant(SESSION_COOKIE, secret or "")
    assert (await replay.get("/")).status == 303


async def test_logout_needs_a_post_with_csrf(as_operator: Browser) -> None:
    assert (await as_operator.get("/logout")).status == 405
    assert (await as_operator.post("/logout", csrf=False)).status == 403
    assert (await as_operator.get("/")).status == 200


async def test_repeated_wrong_passwords_are_throttled(anon: Browser, site: Site, operator: User) -> None:
    limit = site.services.config.security.login_max_failures
    for _attempt in range(limit):
        assert (await anon.login(operator.username, "wrong password")).status == 401
    locked = await anon.login(operator.username, PASSWORD)
    assert locked.status == 429
    assert anon.cookie(SESSION_COOKIE) is None
    assert int(locked.headers["Retry-After"]) > 0
    assert 'role="alert"' in await locked.text()

    site.clock.advance(site.services.config.security.login_lockout_s + 1)
    assert (await anon.login(operator.username, PASSWORD)).status == 303


async def test_throttle_is_per_user_name(anon: Browser, site: Site, operator: User) -> None:
    other = await site.user("oscar")
    for _attempt in range(site.services.config.security.login_max_failures):
        await anon.login(operator.username, "wrong password")
    assert (await anon.login(operator.username.upper(), PASSWORD)).status == 429
    assert (await anon.login(other.username, PASSWORD)).status == 303


async def test_a_success_does_not_forgive_a_lockout(anon: Browser, site: Site, operator: User) -> None:
    for _attempt in range(site.services.config.security.login_max_failures - 1):
        await anon.login(operator.username, "wrong password")
    assert (await anon.login(operator.username, PASSWORD)).status == 303
    # the count starts again after a success: four more failures do not lock
    for _attempt in range(site.services.config.security.login_max_failures - 1):
        assert (await anon.login(operator.username, "wrong password")).status == 401
    assert (await anon.login(operator.username, PASSWORD)).status == 303


async def test_a_disabled_user_cannot_log_in(anon: Browser, site: Site) -> None:
    user = await site.user("gone")
    await site.accounts.users.update_user(TEST_ACTOR, user.id, UserChanges(active=False))
    assert (await anon.login("gone")).status == 401


async def test_disabling_a_user_ends_their_sessions(new_browser: Any, site: Site, operator: User) -> None:
    browser = await new_browser()
    await browser.login(operator.username)
    assert (await browser.get("/")).status == 200
    await site.accounts.users.update_user(TEST_ACTOR, operator.id, UserChanges(active=False))
    assert (await browser.get("/")).status == 303


async def test_must_change_password_redirects_every_page(anon: Browser, site: Site) -> None:
    await site.user("newbie", Role.ADMIN, must_change_password=True)
    response = await anon.login("newbie", next_path="/account/tokens")
    assert response.status == 303
    for path in ("/", "/account/tokens", "/admin/users?page=2"):
        redirected = await anon.get(path)
        assert redirected.status == 303, path
        assert redirected.headers["Location"] == "/account/password", path
    page = await anon.get("/account/password")
    assert page.status == 200
    # the API does not redirect (a program cannot follow a password form): it refuses, by a code of its own
    refused = await anon.client.get("/api/v1/me")
    assert (refused.status, (await refused.json())["error"]["code"]) == (403, "password_change_required")


async def test_changing_the_password_lifts_the_redirect(anon: Browser, site: Site) -> None:
    await site.user("newbie", must_change_password=True)
    await anon.login("newbie")
    new = "a much better passphrase"
    changed = await anon.post(
        "/account/password", {"old_password": PASSWORD, "new_password": new, "confirm_password": new}
    )
    assert changed.status == 303
    assert changed.headers["Location"] == "/account/password?done"
    assert (await anon.get("/")).status == 200
    assert (await site.accounts.users.user_by_name("newbie")).must_change_password is False
    await anon.post("/logout")
    assert (await anon.login("newbie", PASSWORD)).status == 401
    assert (await anon.login("newbie", new)).status == 303


@pytest.mark.parametrize(
    ("old", "new", "confirm", "field"),
    [
        ("wrong old password", "a much better passphrase", "a much better passphrase", "old_password"),
        (PASSWORD, "a much better passphrase", "a different passphrase", "confirm_password"),
        (PASSWORD, "short", "short", "password"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password"),
    ],
)
async def test_password_change_errors_are_shown(
    as_operator: Browser, old: str, new: str, confirm: str, field: str
) -> None:
    response = await as_operator.post(
        "/account/password", {"old_password": old, "new_password": new, "confirm_password": confirm}
    )
    assert response.status == 422
    assert 'role="alert"' in await response.text()


async def test_password_change_closes_the_users_other_sessions(new_browser: Any, operator: User) -> None:
    desk, phone = await new_browser(), await new_browser()
    await desk.login(operator.username)
    await phone.login(operator.username)
    new = "a much better passphrase"
    await desk.post(
        "/account/password", {"old_password": PASSWORD, "new_password": new, "confirm_password": new}
    )
    assert (await desk.get("/")).status == 200
    assert (await phone.get("/")).status == 303


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example/",
        "/\r\n/evil.example/",
        "\\\\evil.example",
        "evil.example",
        "",
    ],
)
async def test_next_never_leaves_the_site(anon: Browser, operator: User, target: str) -> None:
    assert safe_next(target) == "/"
    await anon.get("/login")
    response = await anon.post(
        "/login", {"username": operator.username, "password": PASSWORD, "next": target}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/"
    # already logged in: GET /login?next=... redirects straight on, through the same check
    again = await anon.get("/login", params={"next": target})
    assert again.status == 303
    assert again.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/", "/admin/users?role=operator&page=2", "/account/tokens"])
def test_next_keeps_paths_on_this_site(target: str) -> None:
    assert safe_next(target) == target


async def test_login_form_carries_next_through(anon: Browser) -> None:
    redirected = await anon.get("/account/tokens")
    assert redirected.headers["Location"] == "/login?next=/account/tokens"
    page = await anon.get(redirected.headers["Location"])
    assert 'name="next" value="/account/tokens"' in await page.text()


async def test_admin_with_one_time_password_must_change_it_first(anon: Browser, site: Site) -> None:
    """The bootstrap admin: its printed password works once, then the app insists on a new one."""
    response = await anon.login("admin", site.admin_password)
    assert response.status == 303
    users_page = await anon.get("/admin/users")
    assert users_page.status == 303
    assert users_page.headers["Location"] == "/account/password"
    admin = await site.accounts.users.user_by_name("admin")
    assert admin.role is Role.ADMIN and admin.must_change_password


async def test_next_survives_a_query_with_several_parameters(anon: Browser, boss: User) -> None:
    """/admin/users?role=operator&page=2 must come back whole after logging in, not cut at the '&'."""
    wanted = "/admin/users?role=operator&page=2"
    redirected = await anon.get(wanted)
    assert redirected.status == 303
    login_page = await anon.get(redirected.headers["Location"])
    assert f'name="next" value="{wanted.replace("&", "&amp;")}"' in await login_page.text()
    response = await anon.post("/login", {"username": boss.username, "password": PASSWORD, "next": wanted})
    assert response.headers["Location"] == wanted
