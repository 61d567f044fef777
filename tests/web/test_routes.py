"""Every route declares a permission, and the declarations are enforced: walked over the real router."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ctid.accounts.models import Role, User
from ctid.accounts.permissions import ROLE_PERMISSIONS, Permission
from ctid.web.auth import PUBLIC, requires
from tests.support.site import Site
from tests.web.routes_support import app_routes
from tests.web.support import Browser


def restricted_for(role: Role, app: web.Application) -> list[tuple[str, str]]:
    allowed = ROLE_PERMISSIONS[role]
    return [(m, p) for m, p, need in app_routes(app) if need != PUBLIC and need not in allowed]


def test_every_route_declares_a_known_permission(app: web.Application) -> None:
    routes = app_routes(app)
    assert len(routes) >= 25, "the walk found too few routes: is it looking at the right router?"
    undeclared = [(m, p) for m, p, need in routes if need is None]
    assert undeclared == []
    unknown = [(m, p, need) for m, p, need in routes if need != PUBLIC and not isinstance(need, Permission)]
    assert unknown == []


def test_only_login_language_and_health_are_public(app: web.Application) -> None:
    """Opening a route to anonymous users is a decision: make it here, on purpose."""
    public = {(m, p) for m, p, need in app_routes(app) if need == PUBLIC}
    assert public == {("GET", "/login"), ("POST", "/login"), ("POST", "/language"), ("GET", "/healthz")}


def test_admin_routes_need_more_than_an_operator_has(app: web.Application) -> None:
    restricted = set(restricted_for(Role.OPERATOR, app))
    admin_paths = {(m, p) for m, p, _need in app_routes(app) if p.startswith("/admin")}
    assert admin_paths, "no /admin routes found"
    assert admin_paths <= restricted
    assert ("GET", "/api/v1/users") in restricted
    assert ("POST", "/api/v1/branches") in restricted


async def test_a_route_without_a_declaration_is_refused(site: Site, aiohttp_client: Any) -> None:
    """Fail closed: forgetting @requires must not leave a page open, even to an admin."""
    from ctid.web.app import make_app

    async def forgotten(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    @requires(PUBLIC)
    async def open_page(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = make_app(site.services)
    app.router.add_get("/forgotten", forgotten)
    app.router.add_get("/open", open_page)
    client = await aiohttp_client(app)
    browser = Browser(client)
    await site.user("root", Role.ADMIN)
    await browser.login("root")
    response = await browser.get("/forgotten")
    assert response.status == 403
    assert "secret" not in await response.text()
    assert (await browser.get("/open")).status == 200


async def test_operator_is_refused_every_admin_page_and_api(
    app: web.Application, as_operator: Browser, site: Site, operator: User
) -> None:
    secret, _id = await site.token(operator)
    restricted = restricted_for(Role.OPERATOR, app)
    for method, path in restricted:
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {secret}"}
            response = await as_operator.client.request(method, path, headers=headers, json={})
            assert response.status == 403, (method, path)
            body = await response.json()
            assert body["error"]["code"] == "forbidden", (method, path)
        else:
            if method == "GET":
                response = await as_operator.get(path)
            else:
                response = await as_operator.post(path, {"code": "x", "name": "x", "username": "x"})
            assert response.status == 403, (method, path)
            assert response.content_type == "text/html"
    # ...and nothing was changed by all those refused posts.
    assert [b.code for b in await site.accounts.branches.list_branches()] == ["main"]


async def test_operator_may_use_what_operators_are_for(as_operator: Browser) -> None:
    for path in ("/", "/account/password", "/account/tokens"):
        assert (await as_operator.get(path)).status == 200, path
    me = await as_operator.client.get("/api/v1/me")
    assert me.status == 200
    assert (await me.json())["user"]["role"] == "operator"


async def test_unauthenticated_pages_redirect_to_login_with_next(app: web.Application, anon: Browser) -> None:
    for method, path, need in app_routes(app):
        if need == PUBLIC or path.startswith("/api/") or path == "/ws":
            continue
        if method == "GET":
            response = await anon.get(path + "?x=1")
            expected = f"/login?next={path}?x=1"
        else:
            response = await anon.post(path)
            expected = f"/login?next={path}"
        assert response.status == 303, (method, path)
        assert response.headers["Location"] == expected, (method, path)


async def test_unauthenticated_api_is_401_json(app: web.Application, anon: Browser) -> None:
    for method, path, need in app_routes(app):
        if need == PUBLIC or not (path.startswith("/api/") or path == "/ws"):
            continue
        response = await anon.client.request(method, path, allow_redirects=False)
        assert response.status == 401, (method, path)
        assert response.content_type == "application/json"
        error = (await response.json())["error"]
        assert error["code"] == "not_authenticated"
        assert isinstance(error["message"], str) and error["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_login_page_itself_is_reachable_anonymously(anon: Browser) -> None:
    response = await anon.get("/login")
    assert response.status == 200
    assert 'name="password"' in await response.text()
