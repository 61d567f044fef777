"""The aiohttp application factory: ``make_app(services)``."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ctid.services import Services
from ctid.web import views
from ctid.web.auth import auth_middleware
from ctid.web.campaign_pops import CampaignPops
from ctid.web.csrf import csrf_middleware
from ctid.web.errors import error_middleware
from ctid.web.feature import Feature, collect, menu
from ctid.web.hub import SESSION_CHECK_S, Hub
from ctid.web.i18n import Catalogs
from ctid.web.keys import CATALOGS, HUB, NAV, SERVICES
from ctid.web.security import security_headers
from ctid.web.views import ws

HERE = Path(__file__).parent
MAX_REQUEST_BYTES = 2 * 1024 * 1024


class TestableUndefined(jinja2.StrictUndefined):
    """Strict when printed (a typo fails loudly), but ``{% if missing %}`` is simply false."""

    def __bool__(self) -> bool:  # type: ignore[override]
        return False


def make_app(services: Services, features: Sequence[Feature] | None = None) -> web.Application:
    """The app with every feature of ``ctid/web/views`` (or those given: a test of one feature's menu)."""
    features = collect(views) if features is None else features
    app = web.Application(
        middlewares=[security_headers, error_middleware, auth_middleware, csrf_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SERVICES] = services
    app[CATALOGS] = Catalogs()
    app[HUB] = Hub(services.bus, services.console.scopes, greet=functools.partial(ws.greet, services))
    app.cleanup_ctx.append(_hub_lifetime)
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=TestableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # {{ number|phone }} or {{ number|phone(e164) }}: a number as written locally (020-3888-6666)
    aiohttp_jinja2.get_env(app).filters["phone"] = services.normaliser.shown
    aiohttp_jinja2.get_env(app).globals["phone_region"] = services.normaliser.region
    for feature in features:
        app.router.add_routes(feature.routes)
    app[NAV] = menu(features)
    app.router.add_static("/static/", HERE / "static", name="static", append_version=True)
    return app


async def _hub_lifetime(app: web.Application) -> AsyncIterator[None]:
    """The hub follows the bus while the app runs, and checks its consoles' sessions on the scheduler
    (the one job the wiring in ctid.app does not register: a hub lives as long as its app); at shutdown
    it closes every console politely. Campaign calls pop on their operators' consoles through it
    (ctid.web.campaign_pops) for as long."""
    hub = app[HUB]
    hub.start()
    campaign_pops = CampaignPops(app[SERVICES])
    campaign_pops.start()
    stop_checking = app[SERVICES].scheduler.every(
        hub.check_sessions, SESSION_CHECK_S, "checking the consoles' sessions", failure_level=logging.WARNING
    )
    yield
    await stop_checking()
    await campaign_pops.stop()
    await hub.stop()
