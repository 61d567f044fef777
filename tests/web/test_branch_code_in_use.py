"""A branch code that a configured line names cannot be renamed on the page: the next start would stop."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctid.core.config import Config, parse
from tests.support.site import Site
from tests.web.support import Browser


@pytest.fixture
def config(tmp_path: Path) -> Config:
    lines = [{"name": "desk", "driver": "sim", "branch": "main"}, {"name": "front", "driver": "sim"}]
    site = {"default_locale": "en", "name": "Test Motors"}
    return parse({"storage": {"dir": str(tmp_path / "var")}, "site": site, "lines": lines}, "test")


async def test_renaming_a_code_a_line_uses_is_refused_and_nothing_changes(
    as_admin: Browser, site: Site
) -> None:
    main = await site.accounts.branches.default_branch()
    form = {"code": "hq", "name": main.name, "active": "on"}
    response = await as_admin.post(f"/admin/branches/{main.id}", form)
    assert response.status == 422
    assert "Line desk uses code main in the config file: change the config first." in await response.text()
    assert (await site.accounts.branches.default_branch()).code == "main"


async def test_the_other_fields_of_that_branch_still_change(as_admin: Browser, site: Site) -> None:
    main = await site.accounts.branches.default_branch()
    response = await as_admin.post(
        f"/admin/branches/{main.id}", {"code": "main", "name": "总部", "active": "on"}
    )
    assert response.status == 303
    assert (await site.accounts.branches.default_branch()).name == "总部"
