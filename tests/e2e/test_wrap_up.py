"""Wrap-up results in a real browser against the real daemon with a simulated line.

An admin adds a result to the list on its page and retires one; an operator's call rings, is answered,
recorded and ends; she gives it a result beside the note on the console (the retired one is not offered);
the call log and the recordings list, filtered by that result, show the call, and filtered by another do
not. Selectors are ids, classes, names and values, so the test holds in either language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import add_user, log_in, new_page, ring
from tests.support.daemon import Daemon

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
CALLER = "13700000002"
SCREENSHOTS = Path("/tmp/ctid-wrap-up-screenshots")


@pytest.fixture
def daemon_config() -> str:
    return (
        '[site]\nname = "Test Motors"\n'
        '[[lines]]\nname = "desk"\nlabel = "服务台"\ndriver = "sim"\nring_timeout_s = 5.0\n'
    )


def filter_by(page: Page, url: str, form: str, result: str) -> None:
    page.goto(url)
    page.locator(f"{form} select[name=result]").select_option(result)
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()
    assert f"result={result}" in page.url


def test_a_result_given_on_the_console_filters_the_call_log_and_the_recordings(
    daemon: Daemon, chromium: Browser
) -> None:
    base = daemon.url
    SCREENSHOTS.mkdir(exist_ok=True)
    add_user(daemon.config, "boss", "admin", PASSWORD)
    add_user(daemon.config, "olga", "operator", PASSWORD)
    problems: list[str] = []

    # --- the admin adds 预约试驾 and retires 其他 -------------------------------------------------
    _admin_context, admin = new_page(chromium, "zh-CN", problems)
    log_in(admin, base, "boss", PASSWORD)
    admin.goto(base + "/calls")  # the call log links the list for those who keep it
    with admin.expect_navigation():
        admin.locator("#wrap-up-link").click()
    assert admin.url == base + "/admin/wrap-up"
    rows = admin.locator("table.wrap-up-codes tbody tr")
    expect(rows).to_have_count(7)
    add = admin.locator("form.code-add")
    add.locator("input[name=code]").fill("test_drive")
    add.locator("input[name=label]").fill("预约试驾")
    add.locator("button[type=submit]").click()
    expect(rows).to_have_count(8)
    expect(admin.locator("tr[data-code=test_drive]")).to_contain_text("test_drive")
    other = admin.locator("tr[data-code=other]")
    other.locator("form.code-active button[type=submit]").click()
    expect(admin.locator("tr[data-code=other]")).to_have_attribute("data-active", "false")
    admin.screenshot(path=str(SCREENSHOTS / "admin-1366.png"), full_page=True)

    # --- a call rings, is answered (and recorded), ends; she gives it its result -------------------------
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, base, "olga", PASSWORD)
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    page.locator("#line-choices input[value=desk]").check()
    page.locator("#line-form button[type=submit]").click()
    expect(page.locator("#lines li[data-line=desk]")).to_be_visible()
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    ring(daemon, CALLER, answer_after=1, talk_s=2.0)
    pop = page.locator(".pop").first
    expect(pop).to_have_attribute("data-state", "answered")
    expect(pop).to_have_attribute("data-state", "ended", timeout=10_000)
    choice = pop.locator("select[name=result]")
    offered = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert "test_drive" in offered and "other" not in offered, offered
    pop.locator("textarea[name=note]").fill("周六上午试驾")
    pop.locator("form.note button[type=submit]").click()
    choice.select_option("test_drive")
    expect(pop.locator(".wrap-up-choice .wrap-up-result")).to_have_class(re.compile("ok-text"))
    page.screenshot(path=str(SCREENSHOTS / "console-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "console-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    call_id = pop.get_attribute("data-call")

    # --- the call log: this result shows the call, another does not --------------------------------------
    filter_by(page, base + "/calls", "form.filters", "test_drive")
    expect(page.locator("#wrap-up-link")).to_have_count(0)
    calls = page.locator("table.calls tbody tr")
    expect(calls).to_have_count(1)
    expect(calls.first.locator("td.result")).to_have_text("预约试驾")
    page.screenshot(path=str(SCREENSHOTS / "calls-1366.png"), full_page=True)
    filter_by(page, base + "/calls", "form.filters", "complaint")
    expect(page.locator("table.calls tbody td.result")).to_have_count(0)
    api = page.request.get(base + "/api/v1/calls?result=test_drive").json()
    assert [c["id"] for c in api["items"]] == [call_id]

    # --- the recordings: the same -----------------------------------------------------------------------
    filter_by(page, base + "/recordings", "#recording-filters", "test_drive")
    recordings = page.locator("tr.recording-row")
    expect(recordings).to_have_count(1)
    expect(recordings.first.locator("td.result")).to_have_text("预约试驾")
    page.screenshot(path=str(SCREENSHOTS / "recordings-1366.png"), full_page=True)
    filter_by(page, base + "/recordings", "#recording-filters", "complaint")
    expect(page.locator("tr.recording-row")).to_have_count(0)
    assert problems == []
