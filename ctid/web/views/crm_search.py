"""The CRM's search box: ``GET /api/v1/search?q=&limit=`` (see docs/api.md, "CRM records")."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.crm.search_service import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_LENGTH
from ctid.crm.search_store import SearchHit
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.crm_json import Json
from ctid.web.feature import Feature
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("crm_search", routes)


def hit_json(hit: SearchHit) -> Json:
    return {
        "id": hit.id,
        "name": hit.name,
        "kind": hit.kind,
        "phones": list(hit.phones),
        "plates": list(hit.plates),
        "matched": hit.matched.value,
    }


@routes.get("/api/v1/search")
@requires(Permission.CRM_VIEW)
async def search(request: web.Request) -> web.Response:
    """Customers by name, pinyin, phone, plate or VIN fragment, best first."""
    q = forms.text(request.query, "q", max_length=MAX_QUERY_LENGTH)
    limit = forms.integer(request.query, "limit", 1, MAX_LIMIT, default=DEFAULT_LIMIT)
    hits = await request.app[SERVICES].records.search.search(current(request).user, q, limit)
    return web.json_response({"items": [hit_json(hit) for hit in hits]})
