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
from ctid.web.render import render
from ctid.web.views.audit_words import audit_words

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
    where = forms.audit_filter(request.query, ZoneInfo(services.config.site.timezone))
    page = await services.audit.search(where)
    choices = await services.audit.choices()
    codes = [*choices.get("action", []), *choices.get("entity_type", [])]
    for entry in page.items:
        codes += [entry.action, entry.entity_type, *(entry.before or {}), *(entry.after or {})]
    context = {"page": page, "choices": choices, "query": request.query, "words": audit_words(request, codes)}
    return render(request, "admin/audit.html", context)
