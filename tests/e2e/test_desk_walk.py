"""Working the queue in a real browser against the real daemon with a simulated line (issue 17, "desk").

An advisor (服务顾问) starts from her worklist, finds the insurance reminder of 张伟 given to her, sends its
SMS preset (the outbox's template, filled with his plate and the due date), books him in
from the item (the item closes as booked with the appointment); the customer page shows the appointment
and the reminder's history, the day view has the car in her column, and when 张伟 calls next, the pop's
card shows the appointment. Screenshots in zh_CN at 1366 px and at a phone's 390 px. Selectors are ids,
classes, names and values, so the test holds in either language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import DESK_SITE, api, log_in, new_page, ring
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid

pytestmark = pytest.mark.browser

PASSWORD = "service-desk-2026"
CALLER, PLATE = "13800138000", "粤A12345"
SHOTS = Path("/tmp/ctid-desk-shots")
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the site's day (DESK_SITE keeps the default zone)
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def daemon_config() -> str:
    return DESK_SITE


def set_up(daemon: Daemon) -> tuple[str, int, int]:
    """An admin, the advisor 芳 (adam), 张伟 with his car whose insurance runs out in 45 days (the first
    contact day of an insurance reminder is today), the day's queue built and his item given to her."""
    ctid(daemon, "user", "add", "root", "--role", "admin", stdin=PASSWORD + "\n")
    ctid(daemon, "user", "add", "fang", "--role", "advisor", "--display-name", "王芳", stdin=PASSWORD + "\n")
    token = ctid(daemon, "token", "create", "root").strip().splitlines()[-1]
    fang = next(
        u for u in api(daemon, token, "GET", "/api/v1/users?q=fang")["items"] if u["username"] == "fang"
    )
    customer = api(daemon, token, "POST", "/api/v1/customers", {"name": "张伟", "phones": [CALLER]})
    expiry = (TODAY + timedelta(days=45)).isoformat()
    links = [{"customer_id": customer["id"], "role": "owner"}]
    api(
        daemon,
        token,
        "POST",
        "/api/v1/vehicles",
        {"plate": PLATE, "insurance_expiry": expiry, "customers": links},
    )
    api(daemon, token, "POST", "/api/v1/reminders/run", {})
    items = api(daemon, token, "GET", f"/api/v1/reminders?customer={customer['id']}")["items"]
    insurance = next(i for i in items if i["type"] == "insurance")
    api(daemon, token, "PATCH", f"/api/v1/reminders/{insurance['id']}", {"assignee_id": fang["id"]})
    return token, int(customer["id"]), int(insurance["id"])


def shots(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_an_advisor_works_the_insurance_reminder_and_books_the_customer_in(
    daemon: Daemon, chromium: Browser
) -> None:
    SHOTS.mkdir(exist_ok=True)
    _token, customer, item = set_up(daemon)
    base, problems = daemon.url, []
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, base, "fang", PASSWORD)

    # --- her start page: her worklist and today's appointments; the worklist ---------------------------
    expect(page.locator("#my-worklist")).to_contain_text("1")
    expect(page.locator("#appointments-today")).to_be_visible()
    shots(page, "home")
    with page.expect_navigation():
        page.locator("#my-worklist a").click()
    row = page.locator(f"[data-reminder='{item}']")
    expect(row).to_have_attribute("data-type", "insurance")
    contact = page.locator(f"article.contact[data-customer='{customer}']")
    expect(contact.locator("[data-dial='+8613800138000']")).to_be_visible()  # one click dials his number
    contact.locator("button.show-card").click()
    expect(page.locator("#customer-card")).to_contain_text(PLATE)
    shots(page, "worklist")

    # --- the insurance SMS from its preset (the outbox's) -----------------------------------------------
    sms = row.locator("button.send-sms")
    expect(sms).to_have_count(1)
    sms.click()
    expect(page.locator("#worklist-status")).to_have_class("form-status ok-text")
    expect(page.locator("#worklist-status")).to_contain_text(PLATE)  # the preset filled for his car

    # --- booked from the item: the item closes as booked with the appointment -----------------------------
    row.locator("button.book").click()
    booking = row.locator("form.booking-form")
    expect(booking.locator("select[name=slot] option").first).to_be_attached()
    booking.locator("input[name=day]").fill(TOMORROW.isoformat())
    booking.locator("input[name=day]").dispatch_event("change")
    expect(booking.locator("select[name=slot] option[value='09:00']")).to_be_attached()
    booking.locator("select[name=slot]").select_option("09:00")
    booking.locator("input[name=service]").fill("续保 + 保养")
    expect(booking.locator("input[name=confirm_sms]")).to_be_checked()  # the confirmation goes by SMS
    shots(page, "booking")
    with page.expect_navigation():
        booking.locator("button[type=submit]").click()
    expect(page.locator(f"[data-reminder='{item}']")).to_have_count(0)  # worked: off her list

    # --- the customer's page: the appointment and the reminder's history ----------------------------------
    page.goto(f"{base}/customers/{customer}")
    appointments = page.locator("#appointments tr.appointment")
    expect(appointments).to_have_count(1)
    expect(appointments.first).to_contain_text("09:00")
    expect(appointments.first).to_contain_text("续保 + 保养")
    history = page.locator("#reminder-history")
    expect(history.locator(f"tr[data-reminder='{item}']")).to_contain_text("已预约")
    expect(history.locator(".reminder-event").first).to_be_visible()
    # the SMS is in the item's history (a note of the call's item, which stayed open to be booked)
    expect(history.locator(".reminder-event", has_text="短信已排队")).to_have_count(1)
    shots(page, "customer")
    page.goto(f"{base}/sms?customer={customer}")  # the shop's SMS history, his message in it
    expect(page.locator("main")).to_contain_text(PLATE)
    # the confirmation, queued by the server with the booking, in the words of the day-before SMS
    expect(page.locator("main")).to_contain_text(f"{TOMORROW.month}月{TOMORROW.day}日 09:00")

    # --- the day view: the car in her column, at 09:00 ----------------------------------------------------
    page.goto(f"{base}/appointments?day={TOMORROW.isoformat()}")
    cell = page.locator("tr[data-slot='09:00'] td").first
    expect(cell.locator(".appointment")).to_contain_text("张伟")
    expect(cell.locator(".appointment")).to_contain_text(PLATE)
    shots(page, "day")

    # --- he calls: the pop's card shows his appointment ---------------------------------------------------
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    page.locator("#line-choices input[value=desk]").check()
    page.locator("#line-form button[type=submit]").click()
    expect(page.locator("#lines li[data-line=desk]")).to_be_visible()
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    ring(daemon, CALLER)
    pop = page.locator(".pop").first
    expect(pop.locator(".customer-name")).to_contain_text("张伟")
    expect(pop.locator(".next-appointment")).to_contain_text(f"{TOMORROW.isoformat()} 09:00")
    # ... and what was done about his reminders: booked, and the SMS, newest first
    events = pop.locator(".reminder-history .reminder-event")
    expect(events.first).to_contain_text("已预约")
    expect(pop.locator(".reminder-history")).to_contain_text("续保")
    shots(page, "pop")
    assert problems == []
