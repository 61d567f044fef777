"""A custom reminder rule made in a real browser against the real daemon: an admin adds "爱车生日" (the
car's birthday: yearly, 7 days before the purchase date's anniversary) on /admin/reminders; it is there
after a reload; a bad row is refused naming its row; the day's build (the worklist's button's API) makes
an item for the car bought three years ago 7 days on, named by the rule on the worklist. Selectors are
ids and names, so the test holds in either language."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import api, log_in, new_page, submit
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid

pytestmark = pytest.mark.browser

PASSWORD = "custom-rules-2026"
FORM = "#custom-rules form"
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the site's day (the default zone)
PLATE = "粤B77777"


def _bought_years_ago(years: int, days_on: int) -> str:
    """The date ``years`` before the day ``days_on`` days from today (29 February: the 28th)."""
    day = TODAY + timedelta(days=days_on)
    try:
        return day.replace(year=day.year - years).isoformat()
    except ValueError:
        return day.replace(year=day.year - years, day=28).isoformat()


def test_an_admin_adds_a_yearly_rule_and_the_build_names_its_item(
    daemon: Daemon, chromium: Browser, tmp_path: Path
) -> None:
    ctid(daemon, "user", "add", "boss", "--role", "admin", stdin=PASSWORD + "\n")
    token = ctid(daemon, "token", "create", "boss").strip().splitlines()[-1]
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, daemon.url, "boss", PASSWORD)
    page.goto(daemon.url + "/admin/reminders")
    expect(page.locator("#custom-rules h2")).to_have_text("自定义提醒规则")
    expect(
        page.locator(f"{FORM} select[name=custom-0-field] option[value='vehicle.purchase_date']")
    ).to_have_text("购车日期")

    page.fill(f"{FORM} input[name=custom-0-name]", "爱车生日")
    page.select_option(f"{FORM} select[name=custom-0-field]", "vehicle.purchase_date")
    page.fill(f"{FORM} input[name=custom-0-lead_days]", "7")
    page.check(f"{FORM} input[name=custom-0-yearly]")
    expect(page.locator(f"{FORM} input[name=custom-0-enabled]")).to_be_checked()
    # a second row with bad lead days: refused naming its row, nothing saved
    page.fill(f"{FORM} input[name=custom-1-name]", "首保")
    page.fill(f"{FORM} input[name=custom-1-lead_days]", "30, 七")
    submit(page, FORM)
    expect(page.locator("#custom-rules #form-error")).to_contain_text("第 2 行: 提前天数")
    expect(page.locator(f"{FORM} input[name=custom-1-lead_days]")).to_have_attribute("aria-invalid", "true")
    page.locator("#custom-rules").screenshot(path=str(tmp_path / "custom-rules-error.png"))
    page.fill(f"{FORM} input[name=custom-1-name]", "")  # a blank name: no rule
    submit(page, FORM)
    expect(page.locator("#custom-rules p.ok[role=status]")).to_be_visible()

    page.goto(daemon.url + "/admin/reminders")
    expect(page.locator(f"{FORM} input[name=custom-0-name]")).to_have_value("爱车生日")
    expect(page.locator(f"{FORM} select[name=custom-0-field]")).to_have_value("vehicle.purchase_date")
    expect(page.locator(f"{FORM} input[name=custom-0-lead_days]")).to_have_value("7")
    expect(page.locator(f"{FORM} input[name=custom-0-yearly]")).to_be_checked()
    expect(page.locator(f"{FORM} input[name=custom-1-name]")).to_have_value("")
    assert api(daemon, token, "GET", "/api/v1/reminders/custom-rules")["rules"] == [
        {"id": 1, "name": "爱车生日", "field": "vehicle.purchase_date", "lead_days": [7], "yearly": True,
         "enabled": True}
    ]  # fmt: skip

    # the car bought three years ago 7 days on: the day's build makes its item, named by the rule
    customer = api(daemon, token, "POST", "/api/v1/customers", {"name": "陈静", "phones": ["13900139000"]})
    links = [{"customer_id": customer["id"], "role": "owner"}]
    bought = _bought_years_ago(3, 7)
    api(
        daemon,
        token,
        "POST",
        "/api/v1/vehicles",
        {"plate": PLATE, "purchase_date": bought, "customers": links},
    )
    built = api(daemon, token, "POST", "/api/v1/reminders/run", {"date": TODAY.isoformat()})
    assert built["added"] >= 1, built
    page.goto(daemon.url + "/reminders?who=all&type=custom")
    item = page.locator(f"article.contact[data-customer='{customer['id']}'] .reminder-item[data-type=custom]")
    expect(item).to_have_count(1)
    expect(item.locator(".item-kind")).to_have_text("爱车生日")
    expect(item).to_contain_text(PLATE)
    expect(item).to_have_attribute("data-due", (TODAY + timedelta(days=7)).isoformat())
    page.screenshot(path=str(tmp_path / "custom-rules-worklist.png"), full_page=True)
    assert problems == [] or all("status of 422" in p for p in problems), problems
