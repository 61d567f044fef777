"""The do-not-call list's API (``/api/v1/dnc``): read by everyone who dials, kept by supervisors and admins
(docs/api.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.calls.models import DncEntry
from ctid.core.phone import written_locally
from ctid.web import forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("dnc", routes)


def dnc_json(entry: DncEntry) -> dict[str, Any]:
    return {
        "number": entry.number_e164,
        "shown": written_locally(entry.number_e164),
        "reason": entry.reason,
        "created_at": entry.created_at.isoformat(),
        "created_by": entry.created_by,
    }


@routes.get("/api/v1/dnc")
@requires(Permission.USE_CONSOLE)
async def list_dnc(request: web.Request) -> web.Response:
    page = await request.app[SERVICES].dnc.page(current(request).user, forms.page_request(request.query))
    return web.json_response(page_json(page, [dnc_json(e) for e in page.items]))


@routes.post("/api/v1/dnc")
@requires(Permission.CAMPAIGNS_MANAGE)
async def add_dnc(request: web.Request) -> web.Response:
    """``{"number", "reason"?}``: 201; 409 when it is on the list already; 422 naming ``number``."""
    body = await read_object(request, ("number", "reason"))
    number = forms.text(body, "number", 40, required=True)
    reason = forms.text(body, "reason", 200)
    entry = await request.app[SERVICES].dnc.add(actor(request), current(request).user, number, reason)
    return web.json_response(dnc_json(entry), status=201)


@routes.delete("/api/v1/dnc/{number}")
@requires(Permission.CAMPAIGNS_MANAGE)
async def remove_dnc(request: web.Request) -> web.Response:
    await request.app[SERVICES].dnc.remove(
        actor(request), current(request).user, request.match_info["number"]
    )
    return web.json_response({"removed": request.match_info["number"]})
