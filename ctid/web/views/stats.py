"""Statistics: the page (a period form and the charts as images), each chart as SVG, CSV and JSON.

Thin: the period and the counts come from ctid.stats.service; this module translates the chart's words and
draws or writes them. The SVG is a document of its own (no script, presentation attributes only), so the
site's strict CSP, set on every response by ctid.web.security, holds for it as for the pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.core.text import spreadsheet_safe
from ctid.stats.models import Chart, ChartName
from ctid.stats.periods import Bucket, Period
from ctid.stats.service import TITLES
from ctid.stats.svg import SIZES, WIDE, Series, bar_chart, line_chart
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.csv_download import csv_response
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import _, render

routes = web.RouteTableDef()
FEATURE = Feature(
    "stats",
    routes,
    nav=(NavEntry(N_("Statistics"), "/stats", Permission.STATS_VIEW, order=70),),
)

NAME = "{name:[^/.]+}"
LABEL_HEADERS = {
    ChartName.NEW_CUSTOMERS: "Period",
    ChartName.LOST_CUSTOMERS: "Period",
    ChartName.FOLLOW_UPS: "Status",
    ChartName.COMPLAINTS: "Category",
    ChartName.PROSPECT_INDUSTRIES: "Industry",
    ChartName.PROSPECT_FOCUS: "Focus point",
    ChartName.CALLS_BY_HOUR: "Hour",
}


@routes.get("/stats")
@requires(Permission.STATS_VIEW)
async def stats_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    period = services.stats.period(request.query)
    branch = _branch(request)
    query = _query(period, branch)
    context = {
        "sizes": SIZES,
        "period": period,
        "buckets": [b.value for b in Bucket],
        "charts": [(name.value, _(request, TITLES[name])) for name in ChartName],
        "query": urlencode(query),
        "branch": branch,
        "branches": await services.accounts.branches.list_branches() if _is_admin(request) else [],
    }
    return render(request, "stats.html", context)


@routes.get(f"/stats/{NAME}.svg")
@requires(Permission.STATS_VIEW)
async def chart_svg(request: web.Request) -> web.Response:
    chart = await _chart(request)
    labels, series = _words(request, chart)
    draw = line_chart if chart.kind == "line" else bar_chart
    size = SIZES.get(request.query.get("size", ""), WIDE)  # the page asks for "narrow" on a phone
    text = draw(_(request, chart.title), labels, series, _(request, "No data for this period."), size)
    response = web.Response(text=text, content_type="image/svg+xml", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get(f"/stats/{NAME}.csv")
@requires(Permission.STATS_VIEW)
async def chart_csv(request: web.Request) -> web.Response:
    chart = await _chart(request)
    labels, series = _words(request, chart)
    header = [_(request, LABEL_HEADERS[chart.name]), *(spreadsheet_safe(s.name) for s in series)]
    rows = [
        [spreadsheet_safe(label), *(_count(s.values[i]) for s in series)] for i, label in enumerate(labels)
    ]
    period = chart.period
    return csv_response(header, rows, f"{chart.name.value}-{period.first:%Y%m%d}-{period.end:%Y%m%d}.csv")


@routes.get(f"/api/v1/stats/{NAME}")
@requires(Permission.STATS_VIEW)
async def chart_json(request: web.Request) -> web.Response:
    chart = await _chart(request)
    labels, series = _words(request, chart)
    period = chart.period
    body: dict[str, Any] = {
        "name": chart.name.value,
        "title": _(request, chart.title),
        "from": period.first.isoformat(),
        "to": period.end.isoformat(),
        "bucket": period.bucket.value,
        "months": period.lost_months,
        "labels": labels,
        "series": [{"name": s.name, "values": [_count(v) for v in s.values]} for s in series],
    }
    return web.json_response(body)


async def _chart(request: web.Request) -> Chart:
    stats = request.app[SERVICES].stats
    period = stats.period(request.query)
    return await stats.chart(current(request).user, request.match_info["name"], period, _branch(request))


def _words(request: web.Request, chart: Chart) -> tuple[list[str], list[Series]]:
    """The chart's labels and series names in the request's language (labels that are the dealer's own
    words, such as complaint categories, stay as they are)."""
    labels = [_(request, label) if label in chart.translated else label for label in chart.labels]
    series = [Series(_(request, s.name), s.values) for s in chart.series]
    return labels, series


def _branch(request: web.Request) -> int | None:
    return forms.optional_integer(request.query, "branch", 1, forms.MAX_ID) if _is_admin(request) else None


def _is_admin(request: web.Request) -> bool:
    return current(request).user.role == Role.ADMIN


def _query(period: Period, branch: int | None) -> dict[str, str]:
    query = {
        "from": period.first.isoformat(),
        "to": period.end.isoformat(),
        "bucket": period.bucket.value,
        "months": str(period.lost_months),
    }
    if branch is not None:
        query["branch"] = str(branch)
    return query


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
