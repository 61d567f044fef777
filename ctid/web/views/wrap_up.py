"""Wrap-up results: the admins' page that keeps the list, its JSON API, and the result a console gives a
call (``PUT /api/v1/calls/{id}/result``, on the model of the note). The call log and the recordings filter
by the result in their own views."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.calls.models import WrapUpCode
from ctid.web import forms, wrap_up_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import jsonable, read_object
from ctid.web.keys import SERVICES
from ctid.web.render import render
from ctid.web.views.calls import call_json

routes = web.RouteTableDef()
# no menu entry (the menu is full at 1366 px): the call log links the page for those who may keep the list
FEATURE = Feature("wrap_up", routes)


def code_json(code: WrapUpCode) -> dict[str, Any]:
    return dict(jsonable(asdict(code)))


@routes.get("/admin/wrap-up")
@requires(Permission.MANAGE_WRAP_UP)
async def wrap_up_page(request: web.Request) -> web.Response:
    codes = await request.app[SERVICES].wrap_up.list()
    return render(request, "admin/wrap_up.html", {"codes": codes})


@routes.get("/api/v1/wrap-up-codes")
@requires(Permission.VIEW_CALLS)
async def list_codes(request: web.Request) -> web.Response:
    """``?active=true``: only those a call may be given now (the console's choice)."""
    active = forms.optional_boolean(request.query, "active")
    codes = await request.app[SERVICES].wrap_up.list(active)
    return web.json_response({"items": [code_json(c) for c in codes]})


@routes.post("/api/v1/wrap-up-codes")
@requires(Permission.MANAGE_WRAP_UP)
async def create_code(request: web.Request) -> web.Response:
    fields = wrap_up_forms.new_code(await read_object(request))
    code = await request.app[SERVICES].wrap_up.create(actor(request), current(request).user, **fields)
    return web.json_response(code_json(code), status=201)


@routes.patch("/api/v1/wrap-up-codes/{id:\\d+}")
@requires(Permission.MANAGE_WRAP_UP)
async def change_code(request: web.Request) -> web.Response:
    changes = wrap_up_forms.code_changes(await read_object(request))
    code_id = forms.path_id(request.match_info)
    code = await request.app[SERVICES].wrap_up.update(actor(request), current(request).user, code_id, changes)
    return web.json_response(code_json(code))


@routes.put("/api/v1/calls/{id}/result")
@requires(Permission.USE_CONSOLE)
async def save_result(request: web.Request) -> web.Response:
    result = wrap_up_forms.call_result(await read_object(request))
    console, call_id = request.app[SERVICES].console, request.match_info["id"]
    call = await console.save_result(actor(request), current(request).user, call_id, result)
    return web.json_response(call_json(call))
