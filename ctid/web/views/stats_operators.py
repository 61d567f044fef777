"""Statistics per operator: answered, missed, missed calls returned and how fast, ring and talk time, over a
period by operator, by day or by line (ctid.stats.operator_stats), as a page and as CSV with the page's
own column labels (days in site time)."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.core.text import spreadsheet_safe
from ctid.stats.operator_stats import GROUPINGS, OperatorRow
from ctid.stats.periods import Period
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.csv_download import csv_response
from ctid.web.feature import Feature
from ctid.web.keys import SERVICES
from ctid.web.render import _, render

routes = web.RouteTableDef()
FEATURE = Feature("stats_operators", routes)

GROUP_LABELS = {"operator": N_("Whole period"), "day": N_("Day"), "line": N_("Line")}
COLUMNS = (
    N_("Calls handled"),
    N_("Answered"),
    N_("Outbound"),
    N_("Missed"),
    N_("Missed calls returned"),
    N_("Median time to return"),
    N_("Mean ring time before answer"),
    N_("Talk time"),
)


def duration(seconds: float | None) -> str:
    """h:mm:ss, or m:ss under an hour; empty for no value."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def cells(row: OperatorRow) -> list[str]:
    f = row.figures
    times = (f.median_return_s, f.ring_s, f.talk_s)
    counts = (f.calls, f.answered, f.outbound, f.missed, f.returned)
    return [str(n) for n in counts] + [duration(t) for t in times]


async def _rows(request: web.Request) -> tuple[Period, str, int | None, list[OperatorRow]]:
    services = request.app[SERVICES]
    period = services.stats.period(request.query)
    by = request.query.get("by", "operator") or "operator"
    branch = _branch(request)
    rows = await services.operator_stats.table(current(request).user, period, by, branch)
    return period, by, branch, rows


@routes.get("/stats/operators")
@requires(Permission.STATS_VIEW)
async def operators_page(request: web.Request) -> web.Response:
    period, by, branch, rows = await _rows(request)
    query = {"from": period.first.isoformat(), "to": period.end.isoformat(), "by": by}
    if branch is not None:
        query["branch"] = str(branch)
    context = {
        "period": period,
        "by": by,
        "groupings": [(g, _(request, GROUP_LABELS[g])) for g in GROUPINGS],
        "group_label": _(request, GROUP_LABELS[by]) if by != "operator" else "",
        "columns": [_(request, c) for c in COLUMNS],
        "rows": [(row, cells(row)) for row in rows],
        "query": urlencode(query),
        "branch": branch,
        "branches": await request.app[SERVICES].accounts.branches.list_branches()
        if _is_admin(request)
        else [],
    }
    return render(request, "stats_operators.html", context)


@routes.get("/stats/operators/export.csv")
@requires(Permission.STATS_VIEW)
async def operators_csv(request: web.Request) -> web.Response:
    period, by, _branch_id, rows = await _rows(request)
    group = [_(request, GROUP_LABELS[by])] if by != "operator" else []
    header = [_(request, "Operator"), *group, *(_(request, c) for c in COLUMNS)]
    lines = [
        [spreadsheet_safe(row.label), *([spreadsheet_safe(row.group)] if group else []), *cells(row)]
        for row in rows
    ]
    return csv_response(header, lines, f"operators-{by}-{period.first:%Y%m%d}-{period.end:%Y%m%d}.csv")


def _branch(request: web.Request) -> int | None:
    return forms.optional_integer(request.query, "branch", 1, forms.MAX_ID) if _is_admin(request) else None


def _is_admin(request: web.Request) -> bool:
    return current(request).user.role == Role.ADMIN
