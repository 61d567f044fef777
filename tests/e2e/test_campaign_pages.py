"""The campaign pages in a real browser against the real daemon: a supervisor makes a campaign from a
customer search in the editor, sees it in the list, starts it there, and its live page says why each
contact is or is not dialled now (a number on the do-not-call list: "do not call"), and for a number looked
up; the list, the editor and the live page stay usable on a phone's 390 px (nothing off the page's side).
A preview campaign dials nobody by itself, so the contacts stay as the test made them."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import api, log_in, new_page
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid

pytestmark = pytest.mark.browser

PASSWORD = "campaign-pages-2026"


@pytest.fixture
def daemon_config() -> str:
    return '[site]\nname = "Test Motors"\n[[lines]]\nname = "desk"\nlabel = "服务台"\ndriver = "sim"\n'


OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# the next contacts' "why not" cells drawn past the window's right edge (the column that matters)
WHY_CUT_OFF = """() => [...document.querySelectorAll('#live-next td.why-not')]
  .filter(td => td.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length"""


def _fill_editor(page: Page) -> None:
    page.fill("#campaign-form input[name=name]", "A 级客户关怀")
    page.select_option("#campaign-form select[name=mode]", "preview")
    page.check('#campaign-form input[name=lines][value="desk"]')
    for day in range(7):  # every day, all day: the test holds whenever it runs
        page.check(f'#campaign-form input[name=weekdays][value="{day}"]')
    page.fill("#campaign-form input[name=windows]", "00:00-23:59")
    page.uncheck("#campaign-form input[name=statutory]")
    page.check('#campaign-form input[name=source_kind][value="search"]')
    expect(page.locator("#campaign-form input[name=search_level]")).to_be_visible()
    expect(page.locator("#campaign-form input[name=types]").first).to_be_hidden()
    page.fill("#campaign-form input[name=search_level]", "A")


def test_a_campaign_made_listed_started_and_watched(
    daemon: Daemon, chromium: Browser, tmp_path: Path
) -> None:
    ctid(daemon, "user", "add", "sue", "--role", "supervisor", stdin=PASSWORD + "\n")
    token = ctid(daemon, "token", "create", "sue").strip().splitlines()[-1]
    api(daemon, token, "POST", "/api/v1/customers", {"name": "王伟", "phones": ["13800138000"], "level": "A"})
    api(daemon, token, "POST", "/api/v1/customers", {"name": "李娜", "phones": ["13900139000"], "level": "A"})
    api(daemon, token, "POST", "/api/v1/customers", {"name": "赵六", "phones": ["13700137000"], "level": "C"})
    api(daemon, token, "POST", "/api/v1/dnc", {"number": "13900139000", "reason": "投诉"})
    problems: list[str] = []
    _context, page = new_page(chromium, "en-US", problems)
    log_in(page, daemon.url, "sue", PASSWORD)

    with page.expect_navigation():
        page.locator('.mainnav a[href="/campaigns"]').click()
    with page.expect_navigation():
        page.locator("#new-campaign").click()
    # a bad value first: refused in words, naming the field, nothing made
    _fill_editor(page)
    page.fill("#campaign-form input[name=windows]", "09:00-25:00")
    page.locator("#save-campaign").click()
    expect(page.locator("#campaign-status")).to_contain_text("hours.windows[0]")
    page.fill("#campaign-form input[name=windows]", "00:00-23:59")
    with page.expect_navigation():
        page.locator("#save-campaign").click()
    live = page.locator("#campaign-live")
    expect(live).to_be_visible()
    campaign = live.get_attribute("data-id")
    rows = page.locator("#live-next tr[data-contact]")
    expect(rows).to_have_count(2)  # the level-A customers only
    expect(page.locator("#live-next")).to_contain_text("the campaign is not running")

    page.goto(daemon.url + "/campaigns")
    row = page.locator(f'tr[data-campaign="{campaign}"]')
    expect(row).to_contain_text("A 级客户关怀")
    expect(row).to_have_attribute("data-state", "draft")
    with page.expect_navigation():
        row.locator('button[data-move="start"]').click()
    expect(page.locator(f'tr[data-campaign="{campaign}"]')).to_have_attribute("data-state", "running")

    with page.expect_navigation():
        page.locator(f'tr[data-campaign="{campaign}"] a[href="/campaigns/{campaign}"]').click()
    expect(page.locator("#live-state")).to_have_attribute("data-state", "running")
    listed = page.locator('#live-next tr[data-why="do_not_call"]')
    expect(listed).to_contain_text("李娜")
    expect(listed).to_contain_text("do not call")
    expect(listed).to_contain_text("139 0013 9000")  # written locally
    expect(page.locator('#live-next tr[data-why="due"]')).to_contain_text("王伟")
    expect(page.locator('#live-lines li[data-line="desk"]')).to_contain_text("服务台")

    page.fill("#why-not-number", "138 0013 8000")
    page.locator("#why-not-form button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#live-next")).to_contain_text("王伟")
    page.locator("#why-not-clear").click()
    expect(rows).to_have_count(2)

    page.locator('#campaign-live button[data-move="pause"]').click()
    expect(page.locator("#live-state")).to_have_attribute("data-state", "paused")
    page.screenshot(path=str(tmp_path / "campaign-live.png"), full_page=True)
    assert [p for p in problems if "status of 422" not in p] == []  # the refusal asked for above

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone.set_default_timeout(15_000)
    small = phone.new_page()
    log_in(small, daemon.url, "sue", PASSWORD)
    for path in ("/campaigns", "/campaigns/new", f"/campaigns/{campaign}/edit", f"/campaigns/{campaign}"):
        small.goto(daemon.url + path)
        if path == f"/campaigns/{campaign}":
            expect(small.locator("#live-next tr[data-contact]")).to_have_count(2)
            expect(small.locator('#campaign-live button[data-move="start"]')).to_be_visible()
            assert small.evaluate(WHY_CUT_OFF) == 0
        assert small.evaluate(OVERFLOW) == 0, path
    small.screenshot(path=str(tmp_path / "campaign-live-390.png"), full_page=True)
    phone.close()
