"""Prospects (潜客) and the CRM's base data in the JSON API: register, review, visits, won, lost."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.prospect_models import Prospect
from ctid.web import forms, prospect_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES
from ctid.web.prospect_json import option_json, prospect_json, visit_json

routes = web.RouteTableDef()
FEATURE = Feature("crm_prospects", routes)

PROSPECT = "/api/v1/prospects/{id:\\d+}"
OPTION = "/api/v1/crm-options/{id:\\d+}"


def _id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


def _answer(request: web.Request, prospect: Prospect, status: int = 200) -> web.Response:
    return web.json_response(prospect_json(prospect, current(request).user), status=status)


@routes.get("/api/v1/prospects")
@requires(Permission.CRM_VIEW)
async def list_prospects(request: web.Request) -> web.Response:
    where = prospect_forms.prospect_filter(request.query)
    user = current(request).user
    page = await request.app[SERVICES].prospects.page(user, where)
    return web.json_response(page_json(page, [prospect_json(p, user) for p in page.items]))


@routes.post("/api/v1/prospects")
@requires(Permission.CRM_EDIT)
async def create_prospect(request: web.Request) -> web.Response:
    fields, branch_id = prospect_forms.new_prospect(await read_object(request))
    prospects = request.app[SERVICES].prospects
    prospect = await prospects.create(actor(request), current(request).user, fields, branch_id)
    return _answer(request, prospect, 201)


@routes.get(PROSPECT)
@requires(Permission.CRM_VIEW)
async def get_prospect(request: web.Request) -> web.Response:
    return _answer(request, await request.app[SERVICES].prospects.get(current(request).user, _id(request)))


@routes.patch(PROSPECT)
@requires(Permission.CRM_EDIT)
async def update_prospect(request: web.Request) -> web.Response:
    changes = prospect_forms.prospect_changes(await read_object(request))
    prospects = request.app[SERVICES].prospects
    prospect = await prospects.update(actor(request), current(request).user, _id(request), changes)
    return _answer(request, prospect)


@routes.post(PROSPECT + "/review")
@requires(Permission.CRM_MANAGE)
async def review_prospect(request: web.Request) -> web.Response:
    prospects = request.app[SERVICES].prospects
    return _answer(request, await prospects.review(actor(request), current(request).user, _id(request)))


@routes.get(PROSPECT + "/visits")
@requires(Permission.CRM_VIEW)
async def list_visits(request: web.Request) -> web.Response:
    visits = await request.app[SERVICES].prospects.visits(current(request).user, _id(request))
    return web.json_response({"items": [visit_json(v) for v in visits]})


@routes.post(PROSPECT + "/visits")
@requires(Permission.CRM_EDIT)
async def add_visit(request: web.Request) -> web.Response:
    new = prospect_forms.new_visit(await read_object(request))
    prospects = request.app[SERVICES].prospects
    visit = await prospects.add_visit(actor(request), current(request).user, _id(request), new)
    return web.json_response(visit_json(visit), status=201)


@routes.post(PROSPECT + "/won")
@requires(Permission.CRM_EDIT)
async def won(request: web.Request) -> web.Response:
    """The prospect becomes a customer (or is linked to ``customer_id``)."""
    customer_id = prospect_forms.won(await read_object(request))
    prospects = request.app[SERVICES].prospects
    prospect = await prospects.win(actor(request), current(request).user, _id(request), customer_id)
    return _answer(request, prospect)


@routes.post(PROSPECT + "/lost")
@requires(Permission.CRM_EDIT)
async def lost(request: web.Request) -> web.Response:
    reason = prospect_forms.lost_reason(await read_object(request))
    prospects = request.app[SERVICES].prospects
    prospect = await prospects.lose(actor(request), current(request).user, _id(request), reason)
    return _answer(request, prospect)


@routes.get("/api/v1/crm-options")
@requires(Permission.CRM_VIEW)
async def list_options(request: web.Request) -> web.Response:
    kind = prospect_forms.option_kind(request.query)
    active = forms.optional_boolean(request.query, "active")
    options = await request.app[SERVICES].crm_options.list(current(request).user, kind, active)
    return web.json_response({"items": [option_json(o) for o in options]})


@routes.post("/api/v1/crm-options")
@requires(Permission.CRM_OPTIONS)
async def create_option(request: web.Request) -> web.Response:
    fields = prospect_forms.new_option(await read_object(request))
    options = request.app[SERVICES].crm_options
    option = await options.create(actor(request), current(request).user, **fields)
    return web.json_response(option_json(option), status=201)


@routes.patch(OPTION)
@requires(Permission.CRM_OPTIONS)
async def update_option(request: web.Request) -> web.Response:
    changes = prospect_forms.option_changes(await read_object(request))
    options = request.app[SERVICES].crm_options
    option = await options.update(actor(request), current(request).user, _id(request), changes)
    return web.json_response(option_json(option))
