"""A new customer with a phone another customer of the branch has, in a real browser against the real
daemon: the CRM page's form and the pop's form each say so before saving, link to that customer, and save
only once the user confirms that they share the number. Selectors are ids, classes and data attributes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import DESK_SITE, add_user, api, log_in, new_page, ring
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
CALLER = "13700000001"


@pytest.fixture
def daemon_config() -> str:
    return DESK_SITE


def test_a_shared_phone_is_saved_once_the_user_confirms(daemon: Daemon, chromium: Browser) -> None:
    base = daemon.url
    add_user(daemon.config, "sam", "supervisor", PASSWORD)
    token = ctid(daemon, "token", "create", "sam").strip().splitlines()[-1]
    zhang = api(daemon, token, "POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, base, "sam", PASSWORD)

    # --- the CRM page: the same number as written on a card, "138 0013 8000" -----------------------------
    page.goto(base + "/customers")
    page.click("#new-customer")
    form = page.locator("#customer-form")
    form.locator("input[name=name]").fill("张小伟")
    form.locator(".phone-row input[name=phone_number]").first.fill("138 0013 8000")
    form.locator("button[type=submit]").click()
    warning = form.locator("[data-field=phones] .shared-phone")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("13800138000 已是本店客户张伟的电话")
    link = warning.locator("a.shared-phone-customer")
    expect(link).to_have_text("张伟")
    expect(link).to_have_attribute("href", f"/customers/{zhang['id']}")
    assert api(daemon, token, "GET", "/api/v1/customers")["total"] == 1, "nothing saved before the yes"
    with page.expect_navigation(url=re.compile(r"/customers/\d+$")):
        warning.locator("button.confirm-shared-phone").click()
    assert page.url != f"{base}/customers/{zhang['id']}"
    expect(page.locator("h1")).to_contain_text("张小伟")

    # --- the pop's form: an unknown caller gives the family's number ---------------------------------------
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    ring(daemon, CALLER)
    pop_form = page.locator(".pop form.new-customer")
    expect(pop_form.locator("input[name=phone]")).to_have_value(CALLER)
    pop_form.locator("input[name=name]").fill("张伟的太太")
    pop_form.locator("input[name=phone]").fill("+86 138-0013-8000")
    pop_form.locator("button[type=submit]").click()
    problem = pop_form.locator(".form-error")
    expect(problem).to_contain_text("13800138000 已是本店客户张伟, 张小伟的电话")
    expect(problem.locator("a.shared-phone-customer")).to_have_count(2)
    expect(problem.locator("a.shared-phone-customer").first).to_have_attribute(
        "href", f"/customers/{zhang['id']}"
    )
    expect(pop_form.locator("[data-field=phones]")).to_have_class(re.compile("invalid"))
    assert api(daemon, token, "GET", "/api/v1/customers")["total"] == 2
    problem.locator("button.confirm-shared-phone").click()
    expect(page.locator(".pop .customer-name").first).to_contain_text("张伟的太太")
    assert api(daemon, token, "GET", "/api/v1/customers")["total"] == 3
    refused = [p for p in problems if "status of 409 (Conflict)" in p]
    assert len(refused) == 2 and [p for p in problems if p not in refused] == [], problems
