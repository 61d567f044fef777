"""Two customers merged from the customer page in a real browser against the real daemon: the same person
added twice pops two candidates; a supervisor finds the other on the kept one's page, sees what moves,
confirms; the other's old page leads to the kept one, and the next call from either number pops one card.
Selectors are ids, classes and data attributes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import DESK_SITE, add_user, api, log_in, new_page, ring
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid
from tests.support.waiting import wait

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
SHARED, SECOND = "13800138000", "13900139000"


@pytest.fixture
def daemon_config() -> str:
    return DESK_SITE


def line_free(page: Page, daemon: Daemon) -> None:
    """The desk line holds no call and every call in the log has ended (a ring on a busy line is refused)."""

    def free() -> bool:
        lines = page.request.get(daemon.url + "/api/v1/lines").json()["items"]
        if any(line["name"] == "desk" and line["call_id"] for line in lines):
            return False
        return all(c["ended_at"] for c in page.request.get(daemon.url + "/api/v1/calls").json()["items"])

    wait(free, 20, "the desk line free and every call ended")


def test_two_customers_merged_from_the_page_pop_one_card(daemon: Daemon, chromium: Browser) -> None:
    base = daemon.url
    add_user(daemon.config, "sam", "supervisor", PASSWORD)
    token = ctid(daemon, "token", "create", "sam").strip().splitlines()[-1]
    kept = api(daemon, token, "POST", "/api/v1/customers", {"name": "张伟", "phones": [SHARED]})
    twice = {"name": "张伟", "phones": [SHARED, SECOND], "plate": "粤A12345", "confirm_shared_phone": True}
    other = api(daemon, token, "POST", "/api/v1/customers", twice)
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, base, "sam", PASSWORD)

    # --- before: the same person twice, so their number pops two candidates -------------------------------
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    ring(daemon, SHARED)
    expect(page.locator(".pop").first.locator(".candidates li")).to_have_count(2)
    line_free(page, daemon)

    # --- the merge, from the kept customer's page ----------------------------------------------------------
    page.goto(f"{base}/customers/{kept['id']}")
    page.click("#merge-customer")
    card = page.locator("#merge-card")
    expect(card).to_be_visible()
    card.locator("#merge-q").fill(SECOND)
    pick = card.locator(f"#merge-results li[data-customer='{other['id']}'] .merge-pick")
    expect(pick).to_have_text("张伟")
    expect(card.locator("#merge-results li")).to_have_count(1)
    pick.click()
    moves = card.locator("#merge-moves")
    expect(moves.locator("[data-moves=phones]")).to_have_text("电话 139 0013 9000")  # as written locally
    expect(moves.locator("[data-moves=vehicles]")).to_contain_text("粤A12345")
    expect(card.locator("#merge-removed")).to_contain_text("张伟")
    assert api(daemon, token, "GET", "/api/v1/customers")["total"] == 2, "nothing merged before the yes"
    with page.expect_navigation(url=re.compile(rf"/customers/{kept['id']}$")):
        card.locator("#merge-confirm").click()
    expect(page.locator("#details")).to_contain_text("139 0013 9000")  # numbers as written locally
    expect(page.locator("#details")).to_contain_text("138 0013 8000")
    assert api(daemon, token, "GET", "/api/v1/customers")["total"] == 1

    # the other's old page leads to the kept one
    page.goto(f"{base}/customers/{other['id']}")
    assert page.url == f"{base}/customers/{kept['id']}"
    expect(page.locator("h1")).to_contain_text("张伟")

    # --- after: a call from either number pops one card -----------------------------------------------------
    for number in (SHARED, SECOND):
        page.goto(base + "/console")
        expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
        ring(daemon, number)
        pop = page.locator(".pop").first
        expect(pop.locator(".customer-name")).to_contain_text("张伟")
        expect(pop).to_contain_text("粤A12345")
        expect(pop.locator(".candidates")).to_have_count(0)
        line_free(page, daemon)
    assert problems == [], problems
