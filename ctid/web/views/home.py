"""The start page after logging in: the user's day (birthdays, vehicles due, today's calls, open complaints,
announcements), computed by ctid.home.service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.core.paging import PageRequest
from ctid.reminders.item_models import ReminderFilter
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render
from ctid.web.views.form_errors import form_error

routes = web.RouteTableDef()
FEATURE = Feature(
    "home",
    routes,
    nav=(NavEntry(N_("Home"), "/", Permission.USE_CONSOLE, order=10),),
)


@routes.get("/")
@requires(Permission.USE_CONSOLE)
async def home(request: web.Request) -> web.Response:
    return await render_home(request)


async def render_home(
    request: web.Request,
    form: Mapping[str, Any] | None = None,
    error: ValidationError | None = None,
    status: int = 200,
) -> web.Response:
    """The page; with the announcement form as it was sent and its error when posting it failed."""
    services = request.app[SERVICES]
    who = current(request)
    branches = {b.id: b for b in await services.accounts.branches.list_branches()}
    context = {
        **await _my_day(request),
        "branch": branches.get(who.user.branch_id),
        "branches": branches,
        "lines": services.config.lines,
        "day": await services.home.day(who.user),
        "form": form or {},
        **(form_error(request, error) if error else {}),
    }
    return render(request, "home.html", context, status=status)


async def _my_day(request: web.Request) -> dict[str, Any]:
    """Today's appointments (a service advisor's own, else the branch's) and, for an advisor, how many of
    their reminder items wait: an advisor's day starts from their worklist and their cars."""
    services, user = request.app[SERVICES], current(request).user
    advisor = user.role == Role.ADVISOR
    today = services.appointments.today()
    booked = await services.appointments.between(user, today, today, user.id if advisor else None)
    waiting = None
    if advisor:
        where = ReminderFilter(assignee_id=user.id, page=PageRequest(1, 1))
        waiting = (await services.reminders.worklist.page(user, where)).total
    return {"appointments_today": booked, "advisor": advisor, "worklist_waiting": waiting}
