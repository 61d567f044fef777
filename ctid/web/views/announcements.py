"""Announcements: the JSON API (admins post and delete; everyone reads) and the start page's form."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import ValidationError
from ctid.web import forms, prospect_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import read_object
from ctid.web.keys import SERVICES
from ctid.web.prospect_json import announcement_json
from ctid.web.views.home import render_home

routes = web.RouteTableDef()
FEATURE = Feature("announcements", routes)

ANNOUNCEMENT = "/api/v1/announcements/{id:\\d+}"


def _id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


@routes.get("/api/v1/announcements")
@requires(Permission.USE_CONSOLE)
async def list_announcements(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].home.announcements(current(request).user)
    return web.json_response({"items": [announcement_json(a) for a in found]})


@routes.post("/api/v1/announcements")
@requires(Permission.MANAGE_ANNOUNCEMENTS)
async def create_announcement(request: web.Request) -> web.Response:
    new = prospect_forms.new_announcement(await read_object(request, prospect_forms.ANNOUNCEMENT_FIELDS))
    home = request.app[SERVICES].home
    return web.json_response(
        announcement_json(await home.announce(actor(request), current(request).user, new)), status=201
    )


@routes.delete(ANNOUNCEMENT)
@requires(Permission.MANAGE_ANNOUNCEMENTS)
async def delete_announcement(request: web.Request) -> web.Response:
    await request.app[SERVICES].home.withdraw(actor(request), current(request).user, _id(request))
    return web.json_response({}, status=200)


@routes.post("/announcements")
@requires(Permission.MANAGE_ANNOUNCEMENTS)
async def post_announcement(request: web.Request) -> web.Response:
    """The start page's form: back to the start page, or the page again with the error."""
    form = await request.post()
    try:
        new = prospect_forms.new_announcement(form)
        await request.app[SERVICES].home.announce(actor(request), current(request).user, new)
    except ValidationError as exc:
        return await render_home(request, form, exc, status=422)
    raise web.HTTPSeeOther("/")


@routes.post("/announcements/{id:\\d+}/delete")
@requires(Permission.MANAGE_ANNOUNCEMENTS)
async def withdraw_announcement(request: web.Request) -> web.Response:
    await request.app[SERVICES].home.withdraw(actor(request), current(request).user, _id(request))
    raise web.HTTPSeeOther("/")
