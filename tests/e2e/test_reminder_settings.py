"""The reminder settings page in a real browser against the real daemon: an admin opens it from the menu,
moves insurance's lead days and switches the birthday greetings off; a bad value is refused naming the
field by its label and marking it, nothing of it saved; after a reload the changes are there. Selectors
are ids and names, so the test holds in either language."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import add_user, log_in, new_page, submit
from tests.support.daemon import Daemon

pytestmark = pytest.mark.browser

PASSWORD = "reminder-settings-2026"
INSURANCE = "#type-insurance form"
BIRTHDAY = "#type-birthday form"


def test_an_admin_changes_lead_days_and_switches_a_type_off(
    daemon: Daemon, chromium: Browser, tmp_path: Path
) -> None:
    add_user(daemon.config, "boss", "admin", PASSWORD)
    problems: list[str] = []
    _context, page = new_page(chromium, "en-US", problems)
    log_in(page, daemon.url, "boss", PASSWORD)
    with page.expect_navigation():
        page.locator('.mainnav a[href="/admin/reminders"]').click()
    expect(page.locator(f"{INSURANCE} input[name=lead_days]")).to_have_value("45, 30, 15")
    expect(page.locator(f"{BIRTHDAY} input[name=enabled]")).to_be_checked()

    page.fill(f"{INSURANCE} input[name=lead_days]", "60, 30, 7")
    submit(page, INSURANCE)
    expect(page.locator("#type-insurance p.ok[role=status]")).to_be_visible()

    page.locator(f"{BIRTHDAY} input[name=enabled]").uncheck()
    submit(page, BIRTHDAY)
    expect(page.locator("#type-birthday p.ok[role=status]")).to_be_visible()

    # a bad value: refused by its label, marked, what was typed kept, nothing saved
    page.fill(f"{INSURANCE} input[name=lead_days]", "60, thirty")
    page.fill(f"{INSURANCE} input[name=expire_after_days]", "20")
    submit(page, INSURANCE)
    error = page.locator("#type-insurance #form-error")
    expect(error).to_contain_text("Lead days must be a whole number")
    field = page.locator(f"{INSURANCE} input[name=lead_days]")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("60, thirty")
    page.screenshot(path=str(tmp_path / "reminder-settings-error.png"), full_page=True)

    page.goto(daemon.url + "/admin/reminders")
    expect(page.locator(f"{INSURANCE} input[name=lead_days]")).to_have_value("60, 30, 7")
    expect(page.locator(f"{INSURANCE} input[name=expire_after_days]")).to_have_value("30")
    expect(page.locator(f"{BIRTHDAY} input[name=enabled]")).not_to_be_checked()
    expect(page.locator(f"{INSURANCE} input[name=enabled]")).to_be_checked()

    # the same refusal in Chinese names the field as the Chinese form labels it
    page.locator('form[action="/language"] button[value="zh_CN"]').click()
    page.wait_for_load_state()
    page.fill(f"{BIRTHDAY} input[name=retry_max_tries]", "0")
    submit(page, BIRTHDAY)
    expect(page.locator("#type-birthday #form-error")).to_contain_text("每轮尝试次数")
    page.screenshot(path=str(tmp_path / "reminder-settings-zh.png"), full_page=True)
    assert problems == [] or all("status of 422" in p for p in problems), problems
