"""Vehicles in the CRM records API: list, read, create, change, mileage history, change history."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.vehicles import NewVehicleRecord
from ctid.web import crm_forms, forms
from ctid.web.auth import actor, current, requires
from ctid.web.crm_json import history_json, reading_json, vehicle_json
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("crm_vehicles", routes)

VEHICLE = "/api/v1/vehicles/{id:\\d+}"


def _id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


@routes.get("/api/v1/vehicles")
@requires(Permission.CRM_VIEW)
async def list_vehicles(request: web.Request) -> web.Response:
    where = crm_forms.vehicle_filter(request.query)
    page = await request.app[SERVICES].records.vehicles.page(current(request).user, where)
    return web.json_response(page_json(page, [vehicle_json(v) for v in page.items]))


@routes.post("/api/v1/vehicles")
@requires(Permission.CRM_EDIT)
async def create_vehicle(request: web.Request) -> web.Response:
    fields, links, km, branch_id = crm_forms.vehicle(await read_object(request))
    new = NewVehicleRecord(fields, links or (), km, branch_id)
    vehicle = await request.app[SERVICES].records.vehicles.create(actor(request), current(request).user, new)
    return web.json_response(vehicle_json(vehicle), status=201)


@routes.get(VEHICLE)
@requires(Permission.CRM_VIEW)
async def get_vehicle(request: web.Request) -> web.Response:
    vehicle = await request.app[SERVICES].records.vehicles.get(current(request).user, _id(request))
    return web.json_response(vehicle_json(vehicle))


@routes.patch(VEHICLE)
@requires(Permission.CRM_EDIT)
async def update_vehicle(request: web.Request) -> web.Response:
    changes, links = crm_forms.vehicle_changes(await read_object(request))
    vehicles = request.app[SERVICES].records.vehicles
    vehicle = await vehicles.update(actor(request), current(request).user, _id(request), changes, links)
    return web.json_response(vehicle_json(vehicle))


@routes.get(VEHICLE + "/mileage")
@requires(Permission.CRM_VIEW)
async def list_readings(request: web.Request) -> web.Response:
    readings = await request.app[SERVICES].records.vehicles.readings(current(request).user, _id(request))
    return web.json_response({"items": [reading_json(r) for r in readings]})


@routes.post(VEHICLE + "/mileage")
@requires(Permission.CRM_EDIT)
async def add_reading(request: web.Request) -> web.Response:
    """A correction (lower than an earlier reading) takes CRM_MANAGE; the service checks."""
    km, read_on, correction = crm_forms.reading(await read_object(request))
    vehicles = request.app[SERVICES].records.vehicles
    reading = await vehicles.add_reading(
        actor(request), current(request).user, _id(request), km, read_on, correction
    )
    return web.json_response(reading_json(reading), status=201)


@routes.get(VEHICLE + "/history")
@requires(Permission.CRM_VIEW)
async def vehicle_history(request: web.Request) -> web.Response:
    vehicles = request.app[SERVICES].records.vehicles
    return web.json_response(history_json(await vehicles.history(current(request).user, _id(request))))
