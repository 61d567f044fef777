"""Prospects (潜客) and the CRM's base data in the browser, and what the customer page needs to edit.

Rendered from the services the JSON API uses; every change goes through the JSON API from the pages'
script (static/crm_edit.js), which reloads or follows the answer. The actions offered on a prospect are the
API's (``allowed_actions``), so a page never offers a move the API would refuse.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.core.errors import N_
from ctid.core.paging import PageRequest
from ctid.crm.models import ContactType, FollowUpKind, Transmission, VehicleStatus
from ctid.crm.prospect_models import OptionKind, ProspectStatus, allowed_actions
from ctid.web import forms, prospect_forms
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render

routes = web.RouteTableDef()
FEATURE = Feature(
    "crm_prospect_pages",
    routes,
    nav=(
        NavEntry(N_("Prospects"), "/prospects", Permission.CRM_VIEW, order=40),
        NavEntry(N_("Base data"), "/admin/crm-options", Permission.CRM_OPTIONS, order=130),
    ),
)

OPTION_KIND_LABELS = {
    OptionKind.LEVEL: N_("Levels"),
    OptionKind.SOURCE: N_("Sources"),
    OptionKind.INDUSTRY: N_("Industries"),
    OptionKind.DESIRED_MODEL: N_("Desired models"),
    OptionKind.COMPETITOR_MODEL: N_("Competitor models"),
    OptionKind.FOCUS_POINT: N_("Focus points"),
    OptionKind.LOST_REASON: N_("Lost reasons"),
    OptionKind.FOLLOW_UP_CATEGORY: N_("Follow-up categories"),
}
# words for values shown on these pages that the shared labels do not have
EDIT_VALUE_LABELS = (
    N_("manual"),
    N_("automatic"),
    N_("amt"),
    N_("cvt"),
    N_("dct"),
    N_("single_speed"),
)


async def active_options(request: web.Request) -> dict[str, list[str]]:
    """The active values of every base-data kind, by kind, in position order."""
    found = await request.app[SERVICES].crm_options.list(current(request).user, None, True)
    values: dict[str, list[str]] = {kind.value: [] for kind in OptionKind}
    for option in found:
        values[option.kind.value].append(option.value)
    return values


async def branch_staff(request: web.Request, branch_id: int | None = None) -> list[User]:
    """The active users a record of the branch may be assigned to."""
    user = current(request).user
    accounts = request.app[SERVICES].accounts
    page = await accounts.users.list_users(PageRequest(1, 200), branch_id or user.branch_id)
    return [u for u in page.items if u.active]


async def customer_edit_context(request: web.Request, branch_id: int) -> dict[str, Any]:
    """What the customer page's edit forms choose from."""
    return {
        "options": await active_options(request),
        "staff": await branch_staff(request, branch_id),
        "contact_types": list(ContactType),
        "transmissions": list(Transmission),
        "vehicle_statuses": list(VehicleStatus),
        "follow_up_kinds": list(FollowUpKind),
    }


@routes.get("/prospects")
@requires(Permission.CRM_VIEW)
async def prospects_page(request: web.Request) -> web.Response:
    where = prospect_forms.prospect_filter(request.query)
    page = await request.app[SERVICES].prospects.page(current(request).user, where)
    staff = await branch_staff(request)
    context = {
        "page": page,
        "query": request.query,
        "statuses": list(ProspectStatus),
        "options": await active_options(request),
        "staff": staff,
        "staff_names": {u.id: u.label for u in staff},
    }
    return render(request, "crm/prospects.html", context)


@routes.get("/prospects/{id:\\d+}")
@requires(Permission.CRM_VIEW)
async def prospect_page(request: web.Request) -> web.Response:
    prospect_id = forms.integer(request.match_info, "id", 1, forms.MAX_ID)
    prospects, user = request.app[SERVICES].prospects, current(request).user
    prospect = await prospects.get(user, prospect_id)  # 404 for another branch's
    staff = await branch_staff(request, prospect.branch_id)
    actions = [a.value for a in allowed_actions(prospect.status, allows(user, Permission.CRM_MANAGE))]
    context = {
        "prospect": prospect,
        "visits": await prospects.visits(user, prospect_id),
        "actions": actions if allows(user, Permission.CRM_EDIT) else [],
        "options": await active_options(request),
        "staff_names": {u.id: u.label for u in staff},
    }
    return render(request, "crm/prospect.html", context)


@routes.get("/admin/crm-options")
@requires(Permission.CRM_OPTIONS)
async def options_page(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].crm_options.list(current(request).user, None, None)
    kinds = [
        (kind, label, [o for o in found if o.kind == kind]) for kind, label in OPTION_KIND_LABELS.items()
    ]
    return render(request, "crm/options.html", {"kinds": kinds})
