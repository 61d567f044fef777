"""Liveness for monitors and load balancers: public, says nothing private.

Anyone gets the status and the version; the rest (the database's error text, line names and states, the
recordings' alert, the last backup) only a logged-in user who may see the System page, or a monitor with
such a user's API token: an unplugged modem's line name or an error quoting a path is for the shop's
staff, not for whoever can reach the port.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from ctid import __version__
from ctid.accounts.permissions import Permission, allows
from ctid.storage.nightly_backup import NightlyBackup
from ctid.web.auth import PUBLIC, identity, requires
from ctid.web.feature import Feature
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("health", routes)


@routes.get("/healthz")
@requires(PUBLIC)
async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    database = await services.db.ping()
    writes = services.db.write_problem  # reads (pages, pops) work, writes are being retried
    body: dict[str, Any] = {"status": "ok" if database and not writes else "degraded", "version": __version__}
    if (who := identity(request)) is not None and allows(who.user, Permission.VIEW_SYSTEM):
        body |= {
            "database": "error" if not database else f"cannot write: {writes}" if writes else "ok",
            "uptime_s": round(time.monotonic() - services.started_monotonic, 1),
            "recording": services.recorder.alert() or "ok",
            "backup": "pg_dump" if services.db.backend == "postgresql" else _backup(services.backup),
            "lines": {line.name: line.status for line in services.lines.infos()},  # an unplugged modem shows
        }
    return web.json_response(body, status=200 if database else 503)


def _backup(backup: NightlyBackup | None) -> str:
    if backup is None:
        return "off"
    if backup.last is None:
        return "none yet"
    state = "failed (see the log)" if backup.last.problem else "ok"  # the System page has the path and why
    return f"{state}, {backup.last.at:%Y-%m-%d %H:%M} UTC"
