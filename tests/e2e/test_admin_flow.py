"""The foundation end to end, in a real browser against the real daemon.

The admin logs in with the password the daemon printed, is made to change it, creates a branch and an
operator; the operator logs in, is refused the admin pages, changes the one-time password and logs out.
Pages are driven by form field names and ids, not by their words, so the test holds in either language.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.support import log_in, new_page, path_of, submit
from tests.support.daemon import Daemon

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "dealer-admin-2026"
OPERATOR_PASSWORD = "front-desk-2026"


def change_password(page: Page, base: str, old: str, new: str) -> None:
    page.goto(base + "/account/password")
    page.fill("input[name=old_password]", old)
    page.fill("input[name=new_password]", new)
    page.fill("input[name=confirm_password]", new)
    submit(page, 'form[action="/account/password"]')
    assert path_of(page, base) == "/account/password?done"
    assert page.locator("p.ok[role=status]").is_visible()


def test_admin_creates_an_operator_who_is_kept_out_of_admin_pages(
    daemon: Daemon, chromium: Browser, tmp_path: Path
) -> None:
    base = daemon.url
    problems: list[str] = []

    # --- the admin, in Chinese (the dealership default) --------------------------------------------------
    admin_context, admin = new_page(chromium, "zh-CN", problems)
    admin.goto(base + "/")
    assert path_of(admin, base) == "/login?next=/"
    assert admin.locator("html").get_attribute("lang") == "zh-CN"

    log_in(admin, base, "admin", daemon.admin_password())
    assert path_of(admin, base) == "/account/password", "the one-time password must be changed first"
    admin.goto(base + "/admin/users")
    assert path_of(admin, base) == "/account/password"
    change_password(admin, base, daemon.admin_password(), ADMIN_PASSWORD)

    admin.goto(base + "/admin/branches")
    with admin.expect_navigation():
        admin.click("#new-branch")
    admin.fill("input[name=code]", "east")
    admin.fill("input[name=name]", "东区店")
    admin.fill("input[name=address]", "浦东新区张江路 88 号")
    admin.fill("input[name=phone]", "021-5080 1234")
    submit(admin, "main form")
    assert path_of(admin, base) == "/admin/branches"
    assert admin.locator("table.list", has_text="东区店").is_visible()

    admin.goto(base + "/admin/users")
    with admin.expect_navigation():
        admin.click("#new-user")
    admin.fill("input[name=username]", "olga")
    admin.fill("input[name=display_name]", "王小丽")
    admin.select_option("select[name=role]", "operator")
    admin.select_option("select[name=branch_id]", label="东区店 (east)")
    assert admin.locator("input[name=must_change_password]").is_checked()
    submit(admin, "main form")
    one_time = admin.locator("#generated-password").inner_text().strip()
    assert len(one_time) >= 12

    admin.goto(base + "/admin/users")
    row = admin.locator("table.list tbody tr", has_text="olga")
    assert row.count() == 1
    assert "东区店" in row.inner_text()
    admin.screenshot(path=str(tmp_path / "admin-users.png"))

    admin.goto(base + "/admin/audit?action=user.create")
    created = admin.locator("table.audit tbody tr", has_text="olga")
    assert created.count() == 1
    cells = created.locator("td").all_inner_texts()
    assert cells[1] == "管理员" and created.locator("td.action").get_attribute("title") == "user.create"
    assert one_time not in admin.content()
    admin.screenshot(path=str(tmp_path / "admin-audit.png"))

    # --- the operator, in English, at another desk ------------------------------------------------------
    operator_context, operator = new_page(chromium, "en-US", problems)
    log_in(operator, base, "olga", one_time)
    assert path_of(operator, base) == "/account/password"
    assert operator.locator("html").get_attribute("lang") == "en"
    for path in ("/admin/users", "/admin/users/new", "/admin/branches", "/admin/audit", "/admin/tokens"):
        response = operator.goto(base + path)
        assert response is not None and response.status == 403, path
    api = operator_context.request.get(base + "/api/v1/users")
    assert api.status == 403 and api.json()["error"]["code"] == "forbidden"
    assert operator.locator(".mainnav a[href^='/admin']").count() == 0

    change_password(operator, base, one_time, OPERATOR_PASSWORD)
    operator.goto(base + "/")
    assert path_of(operator, base) == "/"
    assert "王小丽" in operator.locator(".usermenu").inner_text()
    response = operator.goto(base + "/admin/users")
    assert response is not None and response.status == 403, "a new password grants no new rights"

    with operator.expect_navigation():
        operator.click("#logout")
    assert path_of(operator, base) == "/login"
    operator.goto(base + "/")
    assert path_of(operator, base) == "/login?next=/"

    log_in(operator, base, "olga", OPERATOR_PASSWORD)
    assert path_of(operator, base) == "/"

    operator_context.close()
    admin_context.close()
    assert problems == []
