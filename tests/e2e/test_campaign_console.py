"""Campaign calls on the operator's console in a real browser against the real daemon (issue 18's done-when
"Playwright: an operator works a preview campaign (card, dial, result); a progressive campaign pops the card
on the ready operator's console"). The line is a sim line, which answers a dial after 0.3 s and stays in the
call until it is hung up. Selectors are ids, classes and data attributes; the words checked are zh_CN.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import DESK_SITE, api, console_with_lines, new_page
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid
from tests.support.waiting import wait

pytestmark = pytest.mark.browser

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()
ALWAYS = {"weekdays": list(range(7)), "windows": [["00:00", "23:59"]], "statutory": False}
PASSWORD = "campaign-desk-2026"
PEOPLE = (("张伟", "13800138000", "粤A12345"), ("李娜", "13900139000", "粤E11111"))
SHOTS = Path("/tmp/ctid-shots")


@pytest.fixture
def daemon_config() -> str:
    return DESK_SITE


def set_up(daemon: Daemon, mode: str, operators: list[str]) -> tuple[str, int, dict[str, int]]:
    """An admin's token; two customers whose insurance runs out in 45 days (contact day today), the
    queue built; the operators; a campaign of ``mode`` over the desk line, calling at any hour, started."""
    ctid(daemon, "user", "add", "root", "--role", "admin", stdin=PASSWORD + "\n")
    token = ctid(daemon, "token", "create", "root").strip().splitlines()[-1]
    ids = {}
    for name in operators:
        ctid(daemon, "user", "add", name, "--role", "operator", stdin=PASSWORD + "\n")
        ids[name] = api(daemon, token, "GET", f"/api/v1/users?q={name}")["items"][0]["id"]
    expiry = (TODAY + timedelta(days=45)).isoformat()
    for name, phone, plate in PEOPLE:
        customer = api(daemon, token, "POST", "/api/v1/customers", {"name": name, "phones": [phone]})
        car = {
            "plate": plate,
            "insurance_expiry": expiry,
            "customers": [{"customer_id": customer["id"], "role": "owner"}],
        }
        api(daemon, token, "POST", "/api/v1/vehicles", car)
    api(daemon, token, "POST", "/api/v1/reminders/run", {})
    settings = {
        "lines": ["desk"],
        "source": {"kind": "reminders", "types": ["insurance"]},
        "operators": list(ids.values()),
        "hours": ALWAYS,
    }
    made = api(
        daemon, token, "POST", "/api/v1/campaigns", {"name": "续保提醒", "mode": mode, "settings": settings}
    )
    api(daemon, token, "POST", f"/api/v1/campaigns/{made['id']}/start", {})
    return token, made["id"], ids


def line_idle(daemon: Daemon, token: str) -> bool:
    return not api(daemon, token, "GET", "/api/v1/lines")["items"][0]["call_id"]


def campaign(daemon: Daemon, token: str, campaign_id: int) -> dict[str, Any]:
    found: dict[str, Any] = api(daemon, token, "GET", f"/api/v1/campaigns/{campaign_id}")
    return found


def attempts(daemon: Daemon, token: str, campaign_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api(daemon, token, "GET", f"/api/v1/campaigns/{campaign_id}/attempts")[
        "items"
    ]
    return found


def test_an_operator_works_a_preview_campaign(daemon: Daemon, chromium: Browser) -> None:
    token, campaign_id, ids = set_up(daemon, "preview", ["olga"])
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    console_with_lines(page, daemon.url, "olga", PASSWORD, ["desk"])
    desk = page.locator("#campaign-desk")
    expect(desk).to_be_visible()
    expect(desk.locator("#campaign-choice")).to_contain_text("续保提醒")

    # --- the next card: the customer as the pop shows it, what the call is about, no attempt yet ---------
    desk.locator("#campaign-next").click()
    card = desk.locator(".campaign-card")
    expect(card).to_have_attribute("data-state", "shown")
    expect(card.locator(".customer-name")).to_contain_text("张伟")
    expect(card.locator(".campaign-number")).to_have_text("138 0013 8000")  # written locally
    expect(card.locator(".campaign-item")).to_contain_text("粤A12345")
    expect(card.locator(".campaign-attempts")).to_contain_text("尚未拨打")
    first_contact = int(card.get_attribute("data-contact") or 0)
    shown = campaign(daemon, token, campaign_id)["next"]
    assert [c["status"] for c in shown] == ["pending", "pending"]

    # --- skipped with a reason: no attempt, the next card comes -----------------------------------------
    card.locator(".skip-card select").select_option(index=0)
    card.locator(".skip-card button[type=submit]").click()
    expect(card.locator(".customer-name")).to_contain_text("李娜")
    second_contact = int(card.get_attribute("data-contact") or 0)
    assert second_contact != first_contact and attempts(daemon, token, campaign_id) == []

    # --- dialled with one click on her line; the result from the list --------------------------------
    card.locator("button.dial-card[data-line=desk]").click()
    expect(card).to_have_attribute("data-state", "calling")
    expect(card.locator(".campaign-call")).to_contain_text("服务台")
    wait(lambda: attempts(daemon, token, campaign_id) or None, 10, "the attempt's row")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-preview-1366.png"), full_page=True)
    card.locator("textarea[name=note]").fill("下周三来店续保")
    card.locator("button.result[data-result=confirmed]").click()
    expect(desk.locator(".campaign-status").first).to_contain_text("已保存")
    [made] = attempts(daemon, token, campaign_id)
    assert (made["result"], made["operator_id"], made["line"], made["number"]) == (
        "confirmed",
        ids["olga"],
        "desk",
        "+8613900139000",
    )
    assert made["contact_id"] == second_contact
    progress = campaign(daemon, token, campaign_id)
    assert progress["contacts"] == {"done": 1, "pending": 1}
    assert [(c["id"], c["last_result"]) for c in progress["next"]] == [(first_contact, "skipped")]
    items = api(daemon, token, "GET", "/api/v1/reminders?status=all")["items"]
    assert {i["customer_name"]: (i["status"], i["outcome"]) for i in items} == {
        "张伟": ("open", None),
        "李娜": ("done", "booked"),
    }

    # --- the skipped card waits its delay: nobody else is due now -------------------------------------
    expect(desk.locator(".campaign-none")).to_contain_text("目前没有待拨的客户")
    desk.locator("> .campaign-status .hang-up").click()  # the call was still up: she hangs up
    wait(lambda: line_idle(daemon, token), 10, "the desk line idle")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the console is {width} px wide at 390 px"
    assert problems == []


def test_a_progressive_call_pops_on_the_ready_operators_console_only(
    daemon: Daemon, chromium: Browser
) -> None:
    token, campaign_id, ids = set_up(daemon, "progressive", ["olga", "bob"])
    api(daemon, token, "POST", f"/api/v1/campaigns/{campaign_id}/pause", {})  # until both consoles are open
    problems: list[str] = []
    _olga_context, olga = new_page(chromium, "zh-CN", problems)
    _bob_context, bob = new_page(chromium, "zh-CN", problems)
    console_with_lines(olga, daemon.url, "olga", PASSWORD, ["desk"])
    console_with_lines(bob, daemon.url, "bob", PASSWORD, ["desk"])
    bob.locator("#agent-state button[data-state=break]").click()
    expect(bob.locator("#agent-state")).to_have_attribute("data-state", "break")
    olga.locator("#agent-state button[data-state=ready]").click()
    expect(olga.locator("#agent-state")).to_have_attribute("data-state", "ready")
    api(daemon, token, "POST", f"/api/v1/campaigns/{campaign_id}/start", {})

    # --- the runner dials for olga, the only one ready: the card pops on her console as it rings out ----
    card = olga.locator("#campaign-desk .campaign-card")
    expect(card).to_have_attribute("data-state", "calling")
    expect(card.locator(".customer-name")).to_contain_text("张伟")
    expect(card.locator(".campaign-item")).to_contain_text("粤A12345")
    [placed] = attempts(daemon, token, campaign_id)
    assert (placed["operator_id"], placed["number"], placed["result"]) == (
        ids["olga"],
        "+8613800138000",
        None,
    )
    assert card.get_attribute("data-attempt") == str(placed["id"])
    expect(bob.locator("#campaign-desk .campaign-card")).to_have_count(0)  # on a break: nothing pops

    # --- her result from the list: a call back for her tomorrow at 10:00 -------------------------------
    tomorrow = f"{(TODAY + timedelta(days=1)).isoformat()}T10:00"
    card.locator("input[name=call_back_at]").fill(tomorrow)
    card.locator("button.result[data-result=call_back]").click()
    expect(olga.locator("#campaign-desk .campaign-status").first).to_contain_text("已保存")
    [ended] = attempts(daemon, token, campaign_id)
    assert ended["result"] == "call_back"
    expect(olga.locator("#call-backs li[data-contact]")).to_contain_text("张伟")
    expect(bob.locator("#call-backs li[data-contact]")).to_have_count(0)  # kept for her

    # --- she hangs up; the line free again: the next contact is dialled for her, not for bob -----------
    olga.locator("#campaign-desk > .campaign-status .hang-up").click()
    expect(card.locator(".customer-name")).to_contain_text("李娜")
    expect(card).to_have_attribute("data-state", "calling")
    expect(bob.locator("#campaign-desk .campaign-card")).to_have_count(0)
    latest = attempts(daemon, token, campaign_id)[0]
    assert (latest["operator_id"], latest["number"]) == (ids["olga"], "+8613900139000")
    progress = campaign(daemon, token, campaign_id)
    pending = {c["number"]: c for c in progress["next"]}
    assert pending["+8613800138000"]["why_not"] == "call_back_later"
    olga.screenshot(path=str(SHOTS / "console-progressive-1366.png"), full_page=True)
    api(daemon, token, "POST", "/api/v1/lines/desk/hangup", {})
    wait(lambda: attempts(daemon, token, campaign_id)[0]["result"], 10, "the second call's end")
    assert problems == []
