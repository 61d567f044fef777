"""Dialling out in a real browser: a call-back pops the dialled customer's card on the dialling console
only, and a number on the customer page dials through the shop's line (a tel: link did nothing on a desk
PC). The console is photographed after the pop at 1366x768 and 390 px (/tmp/ctid-shots/console-*.png).
Selectors are ids, classes and data attributes, so the test holds in either language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import add_user, console_with_lines, new_page, ring
from tests.support.daemon import Daemon
from tests.support.waiting import wait

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
CALLER = "13700000002"
SHOWN = "137 0000 0002"  # as written locally, not +8613700000002
SHOTS = Path("/tmp/ctid-shots")


@pytest.fixture
def daemon_config() -> str:
    return (
        '[site]\nname = "Test Motors"\n'
        '[[lines]]\nname = "desk"\nlabel = "服务台"\ndriver = "sim"\nring_timeout_s = 1.0\n'
        '[[lines]]\nname = "back"\nlabel = "售后"\ndriver = "sim"\nring_timeout_s = 1.0\n'
    )


def open_console(page: Page, base: str, user: str, lines: list[str]) -> None:
    console_with_lines(page, base, user, PASSWORD, lines)


def line_idle(page: Page, base: str, line: str) -> bool:
    lines = page.request.get(base + "/api/v1/lines").json()["items"]
    return any(info["name"] == line and not info["call_id"] for info in lines)


def test_a_call_back_pops_the_dialled_customer_on_the_dialling_console_only(
    daemon: Daemon, chromium: Browser
) -> None:
    base = daemon.url
    add_user(daemon.config, "olga", "operator", PASSWORD)
    add_user(daemon.config, "bob", "operator", PASSWORD)
    problems: list[str] = []
    _olga_context, olga = new_page(chromium, "zh-CN", problems)
    _bob_context, bob = new_page(chromium, "zh-CN", problems)
    open_console(olga, base, "olga", ["desk"])
    open_console(bob, base, "bob", ["desk"])

    # --- an unknown caller rings both; olga adds the customer; nobody answers ----------------------------
    ring(daemon, CALLER)
    form = olga.locator(".pop form.new-customer")
    expect(form.locator("input[name=phone]")).to_have_value(CALLER)
    form.locator("input[name=name]").fill("王芳")
    form.locator("button[type=submit]").click()
    expect(olga.locator(".pop").first).to_have_attribute("data-state", "ended")
    expect(bob.locator(".pop")).to_have_count(1)

    # --- olga calls back from her missed list: the card pops on her console, with its note box -----------
    missed = olga.locator("#missed li[data-call]")
    expect(missed).to_contain_text(SHOWN)
    wait(lambda: line_idle(olga, base, "desk"), 10, "the desk line idle")
    missed.locator(".call-back").click()
    pops = olga.locator(".pop")
    expect(pops).to_have_count(2)
    dialled = pops.first
    expect(dialled).to_have_attribute("data-state", re.compile("calling_out|answered"))
    expect(dialled.locator(".customer-name")).to_contain_text("王芳")
    expect(dialled.locator(".pop-caller")).to_contain_text(SHOWN)
    expect(dialled).to_have_attribute("data-state", "answered")  # the sim line connects after 0.3 s
    call_id = dialled.get_attribute("data-call")
    dialled.locator("textarea[name=note]").fill("回电：约好周五来保养")
    dialled.locator("form.note button[type=submit]").click()
    expect(dialled.locator(".note-result")).to_have_class(re.compile("ok-text"))
    calls = olga.request.get(base + "/api/v1/calls?direction=outbound").json()["items"]
    assert [(c["id"], c["note"]) for c in calls] == [(call_id, "回电：约好周五来保养")]

    # --- bob follows the same line: it is busy for him too, and no card popped on his console ------------
    expect(bob.locator("#lines li[data-line=desk] .status")).to_have_class(re.compile("status-in-call"))
    expect(bob.locator(f".pop[data-call='{call_id}']")).to_have_count(0)
    expect(bob.locator(".pop")).to_have_count(1)

    # --- what the console looks like after the pop, wide and on a phone ----------------------------------
    SHOTS.mkdir(parents=True, exist_ok=True)
    olga.screenshot(path=str(SHOTS / "console-1366.png"))
    olga.set_viewport_size({"width": 390, "height": 844})
    olga.screenshot(path=str(SHOTS / "console-390.png"), full_page=True)
    width = olga.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the console is {width} px wide at 390 px"
    olga.set_viewport_size({"width": 1366, "height": 768})

    olga.locator("#dial-status button").click()  # hang up
    expect(dialled).to_have_attribute("data-state", "ended")
    assert problems == []


def test_a_number_on_the_customer_page_dials_through_the_line(daemon: Daemon, chromium: Browser) -> None:
    base = daemon.url
    add_user(daemon.config, "olga", "operator", PASSWORD)
    problems: list[str] = []
    _context, console = new_page(chromium, "zh-CN", problems)
    open_console(console, base, "olga", ["desk", "back"])
    ring(daemon, CALLER)
    form = console.locator(".pop form.new-customer")
    form.locator("input[name=name]").fill("李娜")
    form.locator("button[type=submit]").click()
    expect(console.locator(".pop .customer-name")).to_contain_text("李娜")
    found = console.request.get(base + "/api/v1/customers").json()["items"]
    customer_id = next(c["id"] for c in found if c["name"] == "李娜")
    wait(lambda: line_idle(console, base, "desk"), 10, "the desk line idle")

    # --- the customer page in another tab: the number, written locally, is a dial button -----------------
    page = console.context.new_page()
    page.goto(f"{base}/customers/{customer_id}")
    number = page.locator(".phones [data-dial-ready]")
    expect(number).to_have_text(SHOWN)
    number.click()
    panel = page.locator("#dial-panel")
    expect(panel.locator("button[data-line]")).to_have_count(2)  # two lines: she picks one
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "dialing-customer-390.png"))
    page.set_viewport_size({"width": 1366, "height": 768})
    panel.locator("button[data-line=desk]").click()
    expect(panel.locator(".hang-up")).to_be_visible()
    expect(panel).to_contain_text("服务台")

    def connected() -> list[dict[str, object]] | None:
        items: list[dict[str, object]] = page.request.get(base + "/api/v1/calls?direction=outbound").json()[
            "items"
        ]
        return items if items and items[0]["outcome"] == "connected" else None

    outbound = wait(connected, 10, "the outbound call connected")
    assert (outbound[0]["line"], outbound[0]["number_e164"]) == ("desk", "+86" + CALLER)
    # the dialled customer pops on her console in the other tab
    expect(console.locator(f".pop[data-call='{outbound[0]['id']}'] .customer-name")).to_contain_text("李娜")

    # --- the line is in a call: dialling on it again says so in words --------------------------------------
    number.click()
    panel.locator("button[data-line=desk]").click()
    expect(panel.locator(".error")).to_contain_text("线路 服务台 正在通话，无法拨号")

    page.evaluate("() => window.CtidApi.api('POST', '/api/v1/lines/desk/hangup')")
    expect(console.locator(f".pop[data-call='{outbound[0]['id']}']")).to_have_attribute("data-state", "ended")
    assert problems == []
