"""The JSON API: Bearer tokens (made, used, revoked) and JSON errors for bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ctid.accounts.models import User
from ctid.accounts.users import UserChanges
from tests.support.site import TEST_ACTOR, Site
from tests.web.support import Browser

NEW_TOKEN = re.compile(r'<code class="secret" id="new-token">([^<]+)</code>')


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def make_token_on_the_page(browser: Browser, name: str) -> str:
    response = await browser.post("/account/tokens", {"name": name})
    assert response.status == 200
    found = NEW_TOKEN.search(await response.text())
    assert found, "the new token is shown once on the page"
    return found.group(1)


async def test_an_api_token_works_and_a_revoked_one_does_not(
    as_operator: Browser, anon: Browser, site: Site
) -> None:
    secret = await make_token_on_the_page(as_operator, "desk script")
    assert secret.startswith("ctid_")

    me = await anon.client.get("/api/v1/me", headers=bearer(secret))
    assert me.status == 200
    body = await me.json()
    assert body["user"]["username"] == "olga"
    assert "console.use" in body["permissions"] and "users.manage" not in body["permissions"]

    await site.accounts.tokens.token_use.written()  # recorded on the side
    listed = await (await anon.client.get("/api/v1/tokens", headers=bearer(secret))).json()
    [token] = listed["items"]
    assert token["active"] is True and token["last_used_at"] is not None
    assert secret not in str(listed)  # only the prefix is ever shown again
    page = await as_operator.get("/account/tokens")
    assert secret not in await page.text()

    revoked = await as_operator.post(f"/account/tokens/{token['id']}/revoke")
    assert revoked.status == 303
    refused = await anon.client.get("/api/v1/me", headers=bearer(secret))
    assert refused.status == 401
    assert (await refused.json())["error"]["code"] == "not_authenticated"


async def test_revoking_through_the_api(anon: Browser, site: Site, operator: User) -> None:
    secret, token_id = await site.token(operator)
    response = await anon.client.post(f"/api/v1/tokens/{token_id}/revoke", headers=bearer(secret))
    assert response.status == 200
    assert (await response.json())["token"]["active"] is False
    assert (await anon.client.get("/api/v1/me", headers=bearer(secret))).status == 401


async def test_an_admin_revokes_anyones_token(as_admin: Browser, site: Site, operator: User) -> None:
    secret, token_id = await site.token(operator)
    page = await as_admin.get("/admin/tokens")
    assert page.status == 200
    assert f"/admin/tokens/{token_id}/revoke" in await page.text()
    assert (await as_admin.post(f"/admin/tokens/{token_id}/revoke")).status == 303
    assert (await as_admin.client.get("/api/v1/me", headers=bearer(secret))).status == 401


async def test_an_operator_cannot_revoke_someone_elses_token(
    anon: Browser, site: Site, operator: User, boss: User
) -> None:
    boss_secret, boss_token = await site.token(boss)
    own, _id = await site.token(operator)
    response = await anon.client.post(f"/api/v1/tokens/{boss_token}/revoke", headers=bearer(own))
    assert response.status == 403
    assert (await anon.client.get("/api/v1/me", headers=bearer(boss_secret))).status == 200


@pytest.mark.parametrize(
    "authorization",
    ["Bearer ", "Bearer ctid_wrong", "Bearer not-even-prefixed", "Basic dXNlcjpwYXNz", "Bearer"],
)
async def test_bad_credentials_are_401_even_with_a_good_cookie(
    as_operator: Browser, authorization: str
) -> None:
    """A program that sends a header means it: a bad token is an error, not a fallback to the cookie."""
    response = await as_operator.client.get("/api/v1/me", headers={"Authorization": authorization})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "not_authenticated"


async def test_a_token_of_a_disabled_user_stops_working(anon: Browser, site: Site, operator: User) -> None:
    secret, _id = await site.token(operator)
    await site.accounts.users.update_user(TEST_ACTOR, operator.id, UserChanges(active=False))
    assert (await anon.client.get("/api/v1/me", headers=bearer(secret))).status == 401


@pytest.fixture
async def admin_api(anon: Browser, site: Site, boss: User) -> Any:
    secret, _id = await site.token(boss)

    async def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = await anon.client.request(method, path, headers=bearer(secret), **kwargs)
        return response.status, await response.json()

    return call


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"", "body"),
        (b"[1, 2]", "body"),
        (b'"a string"', "body"),
        (b"null", "body"),
        (b'{"name": "No code"}', "code"),
        (b'{"code": 5, "name": "Five"}', "code"),
        (b'{"code": "ok", "name": ["a"]}', "name"),
        (b'{"code": "has space", "name": "Bad code"}', "code"),
        (b'{"code": "ok", "name": ""}', "name"),
        (b'{"code": "ok", "name": "' + b"x" * 101 + b'"}', "name"),
    ],
)
async def test_bad_json_bodies_are_422_with_the_field(admin_api: Any, body: bytes, field: str) -> None:
    status, payload = await admin_api("POST", "/api/v1/branches", data=body)
    assert status == 422, payload
    error = payload["error"]
    assert error["code"] == "invalid"
    assert error["field"] == field
    assert error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "operator", "branch_id": 1}, "username"),
        ({"username": "ok", "role": "king", "branch_id": 1}, "role"),
        ({"username": "ok", "role": "operator", "branch_id": "one"}, "branch_id"),
        ({"username": "ok", "role": "operator", "branch_id": 0}, "branch_id"),
        ({"username": "ok", "role": "operator", "branch_id": 999}, "branch_id"),
        ({"username": "ok", "role": "operator", "branch_id": True}, "branch_id"),
        ({"username": "ok", "role": "operator", "branch_id": 1, "password": "short"}, "password"),
        ({"username": "-bad", "role": "operator", "branch_id": 1}, "username"),
        ({"username": "ok", "role": "operator", "branch_id": 1, "password": 12345678}, "password"),
    ],
)
async def test_bad_user_fields_are_422_with_the_field(
    admin_api: Any, body: dict[str, Any], field: str
) -> None:
    status, payload = await admin_api("POST", "/api/v1/users", json=body)
    assert status == 422, payload
    assert payload["error"]["field"] == field


async def test_a_body_that_is_too_large_is_refused(admin_api: Any) -> None:
    status, payload = await admin_api("POST", "/api/v1/branches", data=b'{"code": "' + b"x" * 70_000 + b'"}')
    assert status == 422
    assert payload["error"]["field"] == "body"


async def test_bad_query_parameters_are_422(admin_api: Any) -> None:
    for query, field in [("page=0", "page"), ("per_page=1000", "per_page"), ("role=king", "role")]:
        status, payload = await admin_api("GET", f"/api/v1/users?{query}")
        assert status == 422, query
        assert payload["error"]["field"] == field
    status, payload = await admin_api("GET", "/api/v1/audit?from=2026-02-30")
    assert (status, payload["error"]["field"]) == (422, "from")


async def test_create_and_list_users_through_the_api(admin_api: Any) -> None:
    status, created = await admin_api(
        "POST", "/api/v1/users", json={"username": "vera", "role": "supervisor", "branch_id": 1}
    )
    assert status == 201
    assert created["user"]["role"] == "supervisor"
    assert len(created["password"]) >= 12  # generated, shown once
    assert "password_hash" not in created["user"]
    status, again = await admin_api(
        "POST", "/api/v1/users", json={"username": "VERA", "role": "operator", "branch_id": 1}
    )
    assert (status, again["error"]["code"]) == (409, "conflict")
    status, listed = await admin_api("GET", "/api/v1/users?role=supervisor")
    assert status == 200
    assert [u["username"] for u in listed["items"]] == ["vera"]
    assert listed["total"] == 1


async def test_unknown_api_path_is_json_404(admin_api: Any) -> None:
    status, payload = await admin_api("GET", "/api/v1/nothing-here")
    assert status == 404
    assert payload["error"]["code"] == "not_found"


async def test_wrong_method_is_json_405(admin_api: Any) -> None:
    status, payload = await admin_api("DELETE", "/api/v1/me")
    assert status == 405
    assert set(payload["error"]) >= {"code", "message"}
