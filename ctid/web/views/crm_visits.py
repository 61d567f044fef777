"""Visits / repair orders and the service-item catalogue in the CRM records API."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.catalogue import NewCatalogueItem
from ctid.crm.visits import NewVisit
from ctid.web import crm_forms, forms
from ctid.web.auth import actor, current, requires
from ctid.web.crm_json import catalogue_json, visit_json
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("crm_visits", routes)

VISIT = "/api/v1/visits/{id:\\d+}"


def _id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


@routes.get("/api/v1/visits")
@requires(Permission.CRM_VIEW)
async def list_visits(request: web.Request) -> web.Response:
    where = crm_forms.visit_filter(request.query)
    page = await request.app[SERVICES].records.visits.page(current(request).user, where)
    return web.json_response(page_json(page, [visit_json(v) for v in page.items]))


@routes.post("/api/v1/visits")
@requires(Permission.CRM_EDIT)
async def create_visit(request: web.Request) -> web.Response:
    new = NewVisit(**crm_forms.new_visit(await read_object(request)))
    visit = await request.app[SERVICES].records.visits.create(actor(request), current(request).user, new)
    return web.json_response(visit_json(visit), status=201)


@routes.get(VISIT)
@requires(Permission.CRM_VIEW)
async def get_visit(request: web.Request) -> web.Response:
    visit = await request.app[SERVICES].records.visits.get(current(request).user, _id(request))
    return web.json_response(visit_json(visit))


@routes.patch(VISIT)
@requires(Permission.CRM_EDIT)
async def update_visit(request: web.Request) -> web.Response:
    """Only while open: a closed visit answers 409 (corrections are new visits)."""
    changes = crm_forms.visit_changes(await read_object(request))
    visits = request.app[SERVICES].records.visits
    visit = await visits.update(actor(request), current(request).user, _id(request), changes)
    return web.json_response(visit_json(visit))


@routes.post(VISIT + "/close")
@requires(Permission.CRM_EDIT)
async def close_visit(request: web.Request) -> web.Response:
    visits = request.app[SERVICES].records.visits
    visit = await visits.close(actor(request), current(request).user, _id(request))
    return web.json_response(visit_json(visit))


@routes.get("/api/v1/catalogue")
@requires(Permission.CRM_VIEW)
async def list_catalogue(request: web.Request) -> web.Response:
    where = crm_forms.catalogue_filter(request.query)
    page = await request.app[SERVICES].records.catalogue.page(current(request).user, where)
    return web.json_response(page_json(page, [catalogue_json(i) for i in page.items]))


@routes.post("/api/v1/catalogue")
@requires(Permission.MANAGE_CATALOGUE)
async def create_catalogue_item(request: web.Request) -> web.Response:
    new = NewCatalogueItem(**crm_forms.catalogue_item(await read_object(request), new=True))
    catalogue = request.app[SERVICES].records.catalogue
    item = await catalogue.create(actor(request), current(request).user, new)
    return web.json_response(catalogue_json(item), status=201)


@routes.patch("/api/v1/catalogue/{id:\\d+}")
@requires(Permission.MANAGE_CATALOGUE)
async def update_catalogue_item(request: web.Request) -> web.Response:
    changes = crm_forms.catalogue_item(await read_object(request))
    catalogue = request.app[SERVICES].records.catalogue
    item = await catalogue.update(actor(request), current(request).user, _id(request), changes)
    return web.json_response(catalogue_json(item))
