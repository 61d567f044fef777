"""The web server as a component of the daemon."""

from __future__ import annotations

import errno
import logging

from aiohttp import web

from ctid.services import Services, StartupError
from ctid.web.app import make_app

log = logging.getLogger(__name__)


class WebServer:
    name = "web"

    def __init__(self, services: Services) -> None:
        self._services = services
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        config = self._services.config.web
        self._runner = web.AppRunner(make_app(self._services), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, config.host, config.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"port {config.port} on {config.host} is already in use "
                    "(another ctid, or another program): stop it or set [web] port"
                ) from None
            raise StartupError(f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from None
        log.info("web listening on http://%s:%d/", config.host, config.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._services.accounts.tokens.token_use.close()  # before the database closes
