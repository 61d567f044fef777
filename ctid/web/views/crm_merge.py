"""Merging two customers in the records API: the preview of what moves, and the merge (crm.manage).

``/api/v1/customers/{id}/merge`` is the customer kept; ``other_id`` (in the query, or the body) the
one merged into it and deleted. The customer page's merge card (static/crm_merge.js) asks for the preview,
shows it and, on the user's yes, posts the merge.
"""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.merge_plan import FILLED
from ctid.merging.service import MergePreview
from ctid.web import forms
from ctid.web.auth import actor, current, requires
from ctid.web.crm_json import Json
from ctid.web.feature import Feature
from ctid.web.json import read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("crm_merge", routes)

MERGE = "/api/v1/customers/{id:\\d+}/merge"


@routes.get(MERGE)
@requires(Permission.CRM_MANAGE)
async def merge_preview(request: web.Request) -> web.Response:
    kept_id = forms.integer(request.match_info, "id", 1, forms.MAX_ID)
    other_id = forms.integer(request.query, "other_id", 1, forms.MAX_ID)
    found = await request.app[SERVICES].merges.preview(current(request).user, kept_id, other_id)
    return web.json_response(preview_json(found))


@routes.post(MERGE)
@requires(Permission.CRM_MANAGE)
async def merge(request: web.Request) -> web.Response:
    kept_id = forms.integer(request.match_info, "id", 1, forms.MAX_ID)
    body = await read_object(request)
    forms.known(body, ("other_id",))
    other_id = forms.integer(body, "other_id", 1, forms.MAX_ID)
    done = await request.app[SERVICES].merges.merge(actor(request), current(request).user, kept_id, other_id)
    return web.json_response(preview_json(done))


def preview_json(found: MergePreview) -> Json:
    what, changes = found.belongings, found.plan
    return {
        "kept": {"id": found.kept.customer.id, "name": found.kept.customer.name},
        "other": {
            "id": found.merged.customer.id,
            "name": found.merged.customer.name,
            "phones": [p.number for p in found.merged.phones],
        },
        "moves": {
            "phones": [p.number for p in changes.new_phones],
            "vehicles": [{"plate": plate, "role": role.value} for _id, plate, role in what.vehicles],
            "visits": what.visits,
            "follow_ups": what.follow_ups,
            "complaints": what.complaints,
            "prospects": what.prospects,
            "calls": found.calls,
            "opt_outs": [kind.value for kind in changes.new_opt_outs],
            "tags": list(changes.new_tags),
            "fields": [name for name in FILLED if name in changes.fields],
            "notes": "notes" in changes.fields,
        },
    }
