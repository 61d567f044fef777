"""Liveness for monitors and load balancers: public, says nothing private."""

from __future__ import annotations

import time

from aiohttp import web

from ctid import __version__
from ctid.web.auth import PUBLIC, requires
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()


@routes.get("/healthz")
@requires(PUBLIC)
async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    database = await services.db.ping()
    writes = services.db.write_problem  # reads (pages, pops) work, writes are being retried
    body = {
        "status": "ok" if database and not writes else "degraded",
        "version": __version__,
        "database": "error" if not database else f"cannot write: {writes}" if writes else "ok",
        "uptime_s": round(time.monotonic() - services.started_monotonic, 1),
        "recording": services.recorder.alert() or "ok",
        "lines": {line.name: line.status for line in services.lines.infos()},  # an unplugged modem shows
    }
    return web.json_response(body, status=200 if database else 503)
