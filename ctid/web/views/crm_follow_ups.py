"""Follow-ups (回访) and complaints (投诉) in the CRM records API: the work queue and its changes."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.follow_ups import NewFollowUp
from ctid.web import crm_forms, forms
from ctid.web.auth import actor, current, requires
from ctid.web.crm_json import follow_up_json
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("crm_follow_ups", routes)

FOLLOW_UP = "/api/v1/follow-ups/{id:\\d+}"


def _id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


@routes.get("/api/v1/follow-ups")
@requires(Permission.CRM_VIEW)
async def list_follow_ups(request: web.Request) -> web.Response:
    where = crm_forms.follow_up_filter(request.query)
    page = await request.app[SERVICES].records.follow_ups.page(current(request).user, where)
    return web.json_response(page_json(page, [follow_up_json(f) for f in page.items]))


@routes.post("/api/v1/follow-ups")
@requires(Permission.CRM_EDIT)
async def create_follow_up(request: web.Request) -> web.Response:
    new = NewFollowUp(**crm_forms.new_follow_up(await read_object(request)))
    follow_ups = request.app[SERVICES].records.follow_ups
    follow_up = await follow_ups.create(actor(request), current(request).user, new)
    return web.json_response(follow_up_json(follow_up), status=201)


@routes.get(FOLLOW_UP)
@requires(Permission.CRM_VIEW)
async def get_follow_up(request: web.Request) -> web.Response:
    follow_up = await request.app[SERVICES].records.follow_ups.get(current(request).user, _id(request))
    return web.json_response(follow_up_json(follow_up))


@routes.patch(FOLLOW_UP)
@requires(Permission.CRM_EDIT)
async def update_follow_up(request: web.Request) -> web.Response:
    """Status moves along ``next_statuses`` only (409 otherwise); resolving needs a ``result``."""
    changes = crm_forms.follow_up_changes(await read_object(request))
    follow_ups = request.app[SERVICES].records.follow_ups
    follow_up = await follow_ups.update(actor(request), current(request).user, _id(request), changes)
    return web.json_response(follow_up_json(follow_up))
