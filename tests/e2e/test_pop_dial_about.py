"""The pop's card dials with what a call to the customer is about, as the worklist's numbers do: a caller
whose insurance falls due and who refused insurance calls is refused in words when the operator clicks the
card's number, not dialled. Selectors are ids, classes and data attributes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import api, log_in, new_page, ring
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid
from tests.support.waiting import wait

pytestmark = pytest.mark.browser

CALLER = "13600000003"
PASSWORD = "front-desk-2026"


def open_console(page: Page, base: str) -> None:
    """The console with the desk line chosen (as tests/e2e/test_dialing.py opens it)."""
    log_in(page, base, "olga", PASSWORD)
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    page.locator("#line-picker").evaluate("picker => { picker.open = true; }")
    page.locator("#line-choices input[value=desk]").check()
    page.locator("#line-form button[type=submit]").click()
    expect(page.locator("#lines li[data-line=desk]")).to_be_visible()


def line_idle(page: Page, base: str) -> bool:
    lines = page.request.get(base + "/api/v1/lines").json()["items"]
    return any(info["name"] == "desk" and not info["call_id"] for info in lines)


@pytest.fixture
def daemon_config() -> str:
    return '[site]\nname = "Test Motors"\n[[lines]]\nname = "desk"\ndriver = "sim"\nring_timeout_s = 1.0\n'


def test_the_cards_number_is_refused_for_a_customer_who_refused_such_calls(
    daemon: Daemon, chromium: Browser
) -> None:
    ctid(daemon, "user", "add", "olga", "--role", "operator", stdin=PASSWORD + "\n")
    token = ctid(daemon, "token", "create", "olga").strip().splitlines()[-1]
    customer = api(daemon, token, "POST", "/api/v1/customers", {"name": "周杰", "phones": [CALLER]})
    soon = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=10)).isoformat()
    vehicle = {"plate": "粤A66666", "insurance_expiry": soon,
               "customers": [{"customer_id": customer["id"], "role": "owner"}]}  # fmt: skip
    api(daemon, token, "POST", "/api/v1/vehicles", vehicle)
    refusal = {"opt_outs": [{"contact_type": "insurance", "reason": "不要保险电话"}]}
    api(daemon, token, "PUT", f"/api/v1/customers/{customer['id']}/opt-outs", refusal)
    problems: list[str] = []
    _context, olga = new_page(chromium, "en-US", problems)
    open_console(olga, daemon.url)

    ring(daemon, CALLER)
    pop = olga.locator(".pop").first
    expect(pop.locator(".customer-name")).to_contain_text("周杰")
    button = pop.locator(".customer .phones .dial-number")
    expect(button).to_have_attribute("data-about", "insurance")
    expect(pop).to_have_attribute("data-state", "ended")
    wait(lambda: line_idle(olga, daemon.url), 10, "the desk line idle")
    button.click()
    status = olga.locator("#dial-status")
    expect(status).to_have_class("small error")
    expect(status).to_contain_text("insurance")
    calls = olga.request.get(daemon.url + "/api/v1/calls?direction=outbound").json()["items"]
    assert calls == [], "nothing dialled"
    assert [p for p in problems if "status of 409" not in p] == []
