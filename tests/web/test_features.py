"""Each feature declares its routes and menu entries beside its views; the app and the menu collect them.

Before, web/app.py listed the views modules and base.html the menu links by hand, each with its own copy of
the permission. These tests hold the declarations to what the pages do: every route of the app belongs to a
feature, every menu entry opens a page that asks for the entry's permission, and a feature added to the
app shows in the menu of those its permission allows with no other edit.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource

from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.web import views
from ctid.web.app import make_app
from ctid.web.auth import requires
from ctid.web.feature import Feature, NavEntry, collect
from tests.support.site import Site
from tests.web.support import Browser

LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]*)</a>')
NAV = re.compile(r'<nav class="mainnav">(.*?)</nav>', re.S)


def test_every_views_module_with_routes_declares_its_feature() -> None:
    missing = []
    for info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"{views.__name__}.{info.name}")
        if hasattr(module, "routes") and not isinstance(getattr(module, "FEATURE", None), Feature):
            missing.append(info.name)
    assert missing == []


def test_the_app_serves_exactly_the_features_routes(app: web.Application) -> None:
    """Nothing is added to the router beside the features (but the static files)."""
    served = {
        (r.method, r.handler)
        for r in app.router.routes()
        if r.method != "HEAD" and not isinstance(r.resource, StaticResource)
    }
    declared: set[tuple[str, Any]] = set()
    for feature in collect(views):
        for definition in feature.routes:
            assert isinstance(definition, web.RouteDef)
            declared.add((definition.method, definition.handler))
    assert served == declared
    assert len(declared) > 100


def test_every_menu_entry_opens_a_page_that_asks_for_its_permission(app: web.Application) -> None:
    """A link the menu shows is a page the user may open, and one it hides is one they may not."""
    get_routes = {
        r.resource.canonical: getattr(r.handler, "__ctid_permission__", None)
        for r in app.router.routes()
        if r.method == "GET" and r.resource is not None
    }
    entries = [e for f in collect(views) for e in f.nav]
    assert len(entries) == 21
    assert [(e.path, get_routes.get(e.path)) for e in entries] == [(e.path, e.permission) for e in entries]
    assert len({e.order for e in entries}) == len(entries), "two entries in the same place"


async def test_a_new_feature_shows_in_the_menu_of_those_it_allows(
    site: Site, aiohttp_client: Callable[[web.Application], Awaitable[Any]]
) -> None:
    routes = web.RouteTableDef()

    @routes.get("/letters")
    @requires(Permission.STATS_VIEW)
    async def letters(request: web.Request) -> web.Response:
        return web.Response(text="due")

    extra = Feature(
        "letters", routes, nav=(NavEntry(N_("Letters"), "/letters", Permission.STATS_VIEW, order=75),)
    )
    app = make_app(site.services, (*collect(views), extra))
    client = await aiohttp_client(app)
    await site.user("sue", Role.SUPERVISOR)
    await site.user("olga", Role.OPERATOR)
    menus = {}
    for name in ("sue", "olga"):
        browser = Browser(client)
        client.session.cookie_jar.clear()
        await browser.login(name)
        page = await (await browser.get("/")).text()
        nav = NAV.search(page)
        assert nav
        menus[name] = [href for href, _text in LINK.findall(nav.group(1))]
        assert (await browser.get("/letters")).status == (200 if name == "sue" else 403)
    assert menus["sue"][11:14] == ["/stats", "/letters", "/lines"]
    assert "/letters" not in menus["olga"]


def test_a_module_with_routes_but_no_feature_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forgotten declaration is a start-up error, not pages that silently do not exist."""
    package = tmp_path / "forgetful_views"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fine.py").write_text(
        "from aiohttp import web\nfrom ctid.web.feature import Feature\n"
        "routes = web.RouteTableDef()\nFEATURE = Feature('fine', routes)\n"
    )
    (package / "forgot.py").write_text("from aiohttp import web\nroutes = web.RouteTableDef()\n")
    (package / "helpers.py").write_text("WORDS = {}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TypeError, match=r"forgetful_views\.forgot has routes but no FEATURE"):
        collect(importlib.import_module("forgetful_views"))
    (package / "forgot.py").unlink()
    importlib.invalidate_caches()
    assert [f.name for f in collect(importlib.import_module("forgetful_views"))] == ["fine"]
