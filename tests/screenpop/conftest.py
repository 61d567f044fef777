"""Fixtures of the screen-pop tests: a site with sim lines started, and its web app on a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from ctid.core.config import Config, parse
from ctid.web.app import make_app
from tests.screenpop.support import LINES
from tests.support.site import Site, build_site, make_config


@pytest.fixture
def config(tmp_path: Any, database_url: str, request: pytest.FixtureRequest) -> Config:
    """The screen-pop site's config; a test parametrizes it indirectly with ``[database]`` keys of its own."""
    database: dict[str, Any] = getattr(request, "param", {})
    base = make_config(str(tmp_path / "var"), database_url, database=database)
    return replace(base, lines=parse({"lines": LINES}, "test").lines)


@pytest.fixture
async def site(config: Config) -> AsyncIterator[Site]:
    async with build_site(config) as built:
        await built.branch("east", "东区店")
        services = built.services
        for component in (
            services.agents,
            services.handlers,
            services.calls,
            services.pops,
            services.lines,
            services.scheduler,
        ):
            await component.start()
        yield built
        for component in (
            services.scheduler,
            services.lines,
            services.pops,
            services.calls,
            services.handlers,
            services.agents,
        ):
            await component.stop()


@pytest.fixture
async def server(site: Site, aiohttp_server: Any) -> Any:
    return await aiohttp_server(make_app(site.services))
