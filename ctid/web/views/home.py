"""The start page after logging in."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.web.auth import current, requires
from ctid.web.keys import SERVICES
from ctid.web.render import render

routes = web.RouteTableDef()


@routes.get("/")
@requires(Permission.USE_CONSOLE)
async def home(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    who = current(request)
    branches = {b.id: b for b in await services.accounts.list_branches()}
    return render(
        request,
        "home.html",
        {"branch": branches.get(who.user.branch_id), "lines": services.config.lines},
    )
