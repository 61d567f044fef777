"""The System page and its API: the daemon's health with the reasons, for supervisors and admins."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.system.status import StatusReport
from ctid.web.auth import requires
from ctid.web.durations import duration_words
from ctid.web.feature import Feature, NavEntry
from ctid.web.json import jsonable
from ctid.web.keys import SERVICES
from ctid.web.render import render, translator
from ctid.web.views.recordings import file_size

routes = web.RouteTableDef()
FEATURE = Feature(
    "system",
    routes,
    nav=(NavEntry(N_("System"), "/system", Permission.VIEW_SYSTEM, order=90),),
)


@routes.get("/system")
@requires(Permission.VIEW_SYSTEM)
async def system_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    report = await services.status.report()
    context = {
        "report": report,
        "uptime": duration_words(report.uptime_s, translator(request).gettext),
        "timezone": services.config.site.timezone,
        "file_size": file_size,
        "sms_senders": list(services.outbox.health.values()),
        "sms_counts": await services.outbox.counts(),
    }
    return render(request, "system.html", context)


@routes.get("/api/v1/system")
@requires(Permission.VIEW_SYSTEM)
async def system_api(request: web.Request) -> web.Response:
    return web.json_response(report_json(await request.app[SERVICES].status.report()))


def report_json(report: StatusReport) -> dict[str, Any]:
    return dict(jsonable(asdict(report)))
