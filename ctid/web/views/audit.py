"""Browsing the audit log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.web import forms
from ctid.web.auth import requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render, translator
from ctid.web.views.audit_words import Names, audit_words, ids_named, read_entry

routes = web.RouteTableDef()
FEATURE = Feature(
    "audit",
    routes,
    nav=(NavEntry(N_("Audit log"), "/admin/audit", Permission.VIEW_AUDIT, order=140),),
)


@routes.get("/admin/audit")
@requires(Permission.VIEW_AUDIT)
async def audit_log(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    zone = ZoneInfo(services.config.site.timezone)
    where = forms.audit_filter(request.query, zone)
    page = await services.audit.search(where)
    choices = await services.audit.choices()
    codes = [*choices.get("action", []), *choices.get("entity_type", [])]
    ids = ids_named(page.items)
    users = await services.accounts.users.users_by_ids(ids.users) if ids.users else {}
    branches = await services.accounts.branches.list_branches() if ids.branches else []
    customers = await services.crm.names(ids.customers)
    names = Names({i: u.label for i, u in users.items()}, {b.id: b.name for b in branches}, customers)
    gettext = translator(request).gettext
    context = {
        "page": page,
        "entries": [read_entry(entry, gettext, names, zone) for entry in page.items],
        "choices": choices,
        "query": request.query,
        "words": audit_words(request, codes),
    }
    return render(request, "admin/audit.html", context)
