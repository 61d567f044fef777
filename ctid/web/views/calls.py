"""The call log and the lines: pages and JSON."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.models import Branch, Role
from ctid.accounts.permissions import Permission
from ctid.calls.models import Call
from ctid.core.errors import N_
from ctid.core.paging import Page
from ctid.voicecard.driver import LineInfo
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.json import jsonable, page_json
from ctid.web.keys import SERVICES
from ctid.web.render import render
from ctid.web.results import wrap_up_context
from ctid.web.views.recordings import clock

routes = web.RouteTableDef()
FEATURE = Feature(
    "calls",
    routes,
    nav=(
        NavEntry(N_("Calls"), "/calls", Permission.VIEW_CALLS, order=50),
        NavEntry(N_("Lines"), "/lines", Permission.VIEW_LINES, order=80),
    ),
)

OUTCOMES = (
    "answered",
    "missed",
    "connected",
    "busy",
    "no answer",
    "no carrier",
    "no dial tone",
    "error",
    "unknown",
)


def call_json(call: Call) -> dict[str, Any]:
    return dict(jsonable(asdict(call)))


def line_labels(lines: list[LineInfo]) -> dict[str, str]:
    """What the pages call each line: the label the installer gave it (演示线路), not its config key; a
    line since removed from the config keeps its key."""
    return {info.name: info.label for info in lines}


def line_json(info: LineInfo) -> dict[str, Any]:
    return dict(jsonable(asdict(info)))


async def _search(request: web.Request) -> Page[Call]:
    """The calls this user may see (their branch's; admins every branch's, or the one asked for)."""
    services, user = request.app[SERVICES], current(request).user
    where = forms.call_filter(request.query, ZoneInfo(services.config.site.timezone))
    if where.customer_id is not None:  # another branch's customer is 404, as its page
        record = await services.records.customers.get(user, where.customer_id)
        numbers = tuple(sorted({p.e164 for p in record.phones if p.e164}))
        where = replace(where, customer_numbers=numbers)
    return await services.calls.search(user, where)


async def _lines(request: web.Request) -> list[LineInfo]:
    """The lines this user may see: their branch's; admins every line, or one branch's (``?branch=``)."""
    branch = forms.optional_integer(request.query, "branch", 1, forms.MAX_ID)
    return await request.app[SERVICES].console.visible_lines(current(request).user, branch)


async def _branches(request: web.Request) -> list[Branch]:
    """The branches an admin may filter by (nobody else chooses one)."""
    if current(request).user.role != Role.ADMIN:
        return []
    return await request.app[SERVICES].accounts.branches.list_branches()


@routes.get("/calls")
@requires(Permission.VIEW_CALLS)
async def calls_page(request: web.Request) -> web.Response:
    page = await _search(request)
    lines = await _lines(request)
    context = {
        "page": page,
        "query": request.query,
        "lines": lines,
        "line_labels": line_labels(lines),
        "branches": await _branches(request),
        "outcomes": OUTCOMES,
        "clock": clock,
        **await wrap_up_context(request),
    }
    user, calls = current(request).user, [c.id for c in page.items]
    context["recordings"] = await request.app[SERVICES].recordings.links(user, calls)
    matched = {c.customer_id for c in page.items if c.customer_id is not None}
    customer = forms.optional_integer(request.query, "customer", 1, forms.MAX_ID)
    names = await request.app[SERVICES].crm.names(matched | ({customer} if customer else set()))
    context["customers"] = names
    context["customer_filter"] = (customer, names.get(customer, "")) if customer else None
    return render(request, "calls.html", context)


@routes.get("/api/v1/calls")
@requires(Permission.VIEW_CALLS)
async def calls_api(request: web.Request) -> web.Response:
    page = await _search(request)
    return web.json_response(page_json(page, [call_json(c) for c in page.items]))


@routes.get("/lines")
@requires(Permission.VIEW_LINES)
async def lines_page(request: web.Request) -> web.Response:
    context = {"lines": await _lines(request), "branches": await _branches(request), "query": request.query}
    return render(request, "lines.html", context)


@routes.get("/api/v1/lines")
@requires(Permission.VIEW_LINES)
async def lines_api(request: web.Request) -> web.Response:
    return web.json_response({"items": [line_json(i) for i in await _lines(request)]})
