"""Nothing but the static files may be kept by a browser's cache or a proxy: walked over every route.

Before, JSON answers (customers, calls, the system's report) and the customer export carried no
Cache-Control, so a browser's disk cache or a caching proxy on the shop's LAN kept them after a logout.
"""

from __future__ import annotations

import re

from aiohttp import ClientResponse, web

from ctid.accounts.models import User
from tests.support.site import Site
from tests.web.routes_support import app_routes
from tests.web.support import Browser

EXPORTS = [
    "/api/v1/customers/export?format=csv",
    "/api/v1/customers/export?format=xlsx",
    "/stats/calls-by-hour.csv",
    "/api/v1/stats/calls-by-hour",
]


def assert_not_stored(response: ClientResponse, what: str) -> None:
    assert response.headers.get("Cache-Control") in ("no-store", "private, no-store"), (what, response.status)


async def test_every_route_answers_no_store(
    app: web.Application, anon: Browser, as_admin: Browser, site: Site, boss: User
) -> None:
    secret, _ = await site.token(boss)
    bearer = {"Authorization": f"Bearer {secret}"}
    routes = app_routes(app)
    gets = [path for method, path, _need in routes if method == "GET"] + EXPORTS
    for path in gets:
        for who, headers in ((anon, {}), (as_admin, {}), (anon, bearer)):
            response = await who.client.get(path, headers=headers, allow_redirects=False)
            assert_not_stored(response, f"GET {path}")
    exported = await anon.client.get(EXPORTS[0], headers=bearer)
    assert exported.status == 200 and exported.content_type == "text/csv"
    others = [(method, path) for method, path, _need in routes if method != "GET"]
    assert len(others) > 20
    for method, path in others:  # refused or done: either way not kept (the token may be revoked on the way)
        for headers in ({}, bearer):
            response = await anon.client.request(
                method, path, json={}, headers=headers, allow_redirects=False
            )
            assert_not_stored(response, f"{method} {path}")


async def test_static_files_stay_cacheable(anon: Browser) -> None:
    page = await (await anon.get("/login")).text()
    href = re.search(r'href="(/static/ctid\.css[^"]*)"', page)
    assert href
    response = await anon.get(href.group(1))
    assert response.status == 200 and response.headers.get("Cache-Control") != "no-store"
