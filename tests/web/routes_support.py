"""The routes of the web app and the permission each declares (the route and no-store tests read them)."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute, StaticResource

from ctid.accounts.permissions import Permission

_ATTRIBUTE = "__ctid_permission__"
_PLACEHOLDER = re.compile(r"\{[^}]+\}")


def declared(route: AbstractRoute) -> Permission | str | None:
    return getattr(route.handler, _ATTRIBUTE, None)


def app_routes(app: web.Application) -> list[tuple[str, str, Permission | str | None]]:
    """(method, concrete path, declaration) of every non-static route; path parameters become 1."""
    found = []
    for route in app.router.routes():
        if isinstance(route.resource, StaticResource) or route.method == "HEAD":
            continue
        assert route.resource is not None
        template = route.resource.canonical
        found.append((route.method, _PLACEHOLDER.sub("1", template), declared(route)))
    return found
