"""The service catalogue's admin page: the items (code, name, category, price, position), active or retired.

Rendered from the catalogue service the JSON API uses; what the page changes it changes through that API
(POST and PATCH /api/v1/catalogue, from the page's forms with the session's CSRF token), so the checks,
the 409 of a taken code and the audit entries are the API's. An item is retired, never deleted: old visits
name it, and a retired item is no longer offered on the customer page's visit form.
"""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.web import crm_forms
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render

routes = web.RouteTableDef()
FEATURE = Feature(
    "crm_catalogue_pages",
    routes,
    nav=(NavEntry(N_("Service catalogue"), "/admin/catalogue", Permission.MANAGE_CATALOGUE, order=135),),
)


@routes.get("/admin/catalogue")
@requires(Permission.MANAGE_CATALOGUE)
async def catalogue_page(request: web.Request) -> web.Response:
    """Every item, active ones first (by position, then code), then the retired."""
    found = await request.app[SERVICES].records.catalogue.page(
        current(request).user, crm_forms.catalogue_filter({})
    )
    items = sorted(found.items, key=lambda i: not i.active)  # stable: the service's order within each
    categories = sorted({i.category for i in items if i.category})
    next_position = max((i.position for i in items), default=0) + 10
    context = {"items": items, "categories": categories, "next_position": next_position, "total": found.total}
    return render(request, "crm/catalogue.html", context)
