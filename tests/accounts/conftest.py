"""Fixtures for the accounts tests: the services over a fresh database (SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.site import Site, build_site, make_config


@pytest.fixture
async def site(tmp_path: Path, database_url: str) -> AsyncIterator[Site]:
    async with build_site(make_config(str(tmp_path / "var"), database_url)) as built:
        yield built
