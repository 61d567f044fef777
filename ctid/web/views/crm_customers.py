"""Customers in the CRM records API: list, read (the card and the record), create, change, opt-outs, history.

``GET /api/v1/customers/{id}`` is also the console's card (a candidate picked on a pop) and ``POST
/api/v1/customers`` its new-customer form: one answer for a customer, the card's fields plus the record's.
"""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.record_models import CustomerRecord
from ctid.screenpop import messages
from ctid.web import crm_forms, forms
from ctid.web.auth import actor, current, requires
from ctid.web.crm_json import Json, customer_json, history_json
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("crm_customers", routes)

CUSTOMER = "/api/v1/customers/{id:\\d+}"


def _id(request: web.Request) -> int:
    return forms.integer(request.match_info, "id", 1, forms.MAX_ID)


async def _full_json(request: web.Request, record: CustomerRecord) -> Json:
    """The card (vehicles, last visits, open follow-ups, due reminders, recent calls) and the record."""
    services = request.app[SERVICES]
    card = await services.crm.card(record.customer.id, services.crm.today())
    booked = await services.appointments.next_for(current(request).user, card.id)
    recent = await services.console.recent_calls(card)
    booking = {"next_appointment": messages.appointment_json(booked)}  # the pop's card asks for it itself
    return {**messages.card_json(card, recent), **booking, **customer_json(record)}


@routes.get("/api/v1/customers")
@requires(Permission.CRM_VIEW)
async def list_customers(request: web.Request) -> web.Response:
    where = crm_forms.customer_filter(request.query)
    page = await request.app[SERVICES].records.customers.page(current(request).user, where)
    return web.json_response(page_json(page, [customer_json(c) for c in page.items]))


@routes.post("/api/v1/customers")
@requires(Permission.CRM_EDIT)
async def create_customer(request: web.Request) -> web.Response:
    """With ``call_id`` (the pop's form) the call is linked to the new customer."""
    new, call_id = crm_forms.new_customer(await read_object(request))
    services, user = request.app[SERVICES], current(request).user
    if call_id:
        card = await services.console.create_customer(actor(request), user, new, call_id)
        record = await services.records.customers.get(user, card.id)
    else:
        record = await services.records.customers.create(actor(request), user, new)
    return web.json_response(await _full_json(request, record), status=201)


@routes.get(CUSTOMER)
@requires(Permission.CRM_VIEW)
async def get_customer(request: web.Request) -> web.Response:
    record = await request.app[SERVICES].records.customers.get(current(request).user, _id(request))
    return web.json_response(await _full_json(request, record))


@routes.patch(CUSTOMER)
@requires(Permission.CRM_EDIT)
async def update_customer(request: web.Request) -> web.Response:
    changes = crm_forms.customer_changes(await read_object(request))
    customers = request.app[SERVICES].records.customers
    record = await customers.update(actor(request), current(request).user, _id(request), changes)
    return web.json_response(await _full_json(request, record))


@routes.put(CUSTOMER + "/opt-outs")
@requires(Permission.CRM_EDIT)
async def set_opt_outs(request: web.Request) -> web.Response:
    wanted = crm_forms.opt_outs(await read_object(request))
    customers = request.app[SERVICES].records.customers
    record = await customers.set_opt_outs(actor(request), current(request).user, _id(request), wanted)
    return web.json_response(customer_json(record))


@routes.get(CUSTOMER + "/history")
@requires(Permission.CRM_VIEW)
async def customer_history(request: web.Request) -> web.Response:
    customers = request.app[SERVICES].records.customers
    return web.json_response(history_json(await customers.history(current(request).user, _id(request))))
