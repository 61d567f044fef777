"""The operator console in a real browser against the real daemon with a simulated line.

An operator picks her line in the console; an unknown caller opens the new-customer form with the number
filled in; the call is missed and listed; call-back dials it on her line; the next call from that number
pops the customer's card within a second. A second tab "in the background" gets a desktop notification and
a sound. Selectors are ids, classes and data attributes, so the test holds in either language.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import DESK_SITE, add_user, log_in, new_page, ring
from tests.support.daemon import Daemon
from tests.support.waiting import wait

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
CALLER = "13700000001"
PLATE = "粤A88888"
# In the background: the page believes it is hidden, and Notification records what it is asked to show.
BACKGROUND_TAB = """
Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
window.__notes = [];
window.Notification = class {
  constructor(title, options) { window.__notes.push({ title, body: options.body, tag: options.tag }); }
  close() {}
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


@pytest.fixture
def daemon_config() -> str:
    return DESK_SITE


def wait_for_outbound(page: Page, base: str, within_s: float = 5.0) -> list[dict[str, object]]:
    """The outbound calls once the last one is connected (the sim line answers a dial after 0.3 s)."""

    def connected() -> list[dict[str, object]] | None:
        items: list[dict[str, object]] = page.request.get(base + "/api/v1/calls?direction=outbound").json()[
            "items"
        ]
        return items if items and items[0]["outcome"] == "connected" else None

    return wait(connected, within_s, "the outbound call connected")


def open_console(page: Page, base: str) -> None:
    log_in(page, base, "olga", PASSWORD)
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")


def test_operator_console_pops_adds_calls_back_and_notifies(
    daemon: Daemon, chromium: Browser, tmp_path: Path
) -> None:
    base = daemon.url
    add_user(daemon.config, "olga", "operator", PASSWORD)
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    open_console(page, base)

    # --- no line yet: the picker is open; she binds the desk line ---------------------------------------
    expect(page.locator("#line-picker")).to_have_attribute("open", "")
    page.locator("#line-choices input[value=desk]").check()
    page.locator("#line-form button[type=submit]").click()
    expect(page.locator("#lines li[data-line=desk]")).to_be_visible()
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")

    # --- an unknown caller: the new-customer form, number filled in --------------------------------------
    ring(daemon, CALLER)
    form = page.locator(".pop form.new-customer")
    expect(form.locator("input[name=phone]")).to_have_value(CALLER)
    form.locator("input[name=name]").fill("张伟")
    form.locator("input[name=plate]").fill(PLATE)
    form.locator("input[name=model]").fill("朗逸")
    form.locator("button[type=submit]").click()
    first_pop = page.locator(".pop").first
    expect(first_pop.locator(".customer-name")).to_contain_text("张伟")
    expect(first_pop.locator(".customer")).to_contain_text(PLATE)

    # --- a note on the call --------------------------------------------------------------------------------
    first_pop.locator("textarea[name=note]").fill("想预约下周保养")
    first_pop.locator("form.note button[type=submit]").click()
    expect(first_pop.locator(".note-result")).to_have_class(re.compile("ok-text"))

    # --- nobody picked up: the call is missed and listed; call-back dials it on her line ------------------
    expect(first_pop).to_have_attribute("data-state", "ended")
    missed = page.locator("#missed li[data-call]")
    expect(missed).to_have_count(1)
    expect(missed).to_contain_text("137 0000 0001")  # CALLER as written locally
    missed.locator(".call-back").click()
    desk_status = page.locator("#lines li[data-line=desk] .status")
    expect(desk_status).to_have_class(re.compile("status-in-call"))
    expect(page.locator(".pop").first.locator(".customer-name")).to_contain_text("张伟")  # the call-back pops
    outbound = wait_for_outbound(page, base)
    assert [(c["line"], c["number_e164"], c["outcome"]) for c in outbound] == [
        ("desk", "+86" + CALLER, "connected")
    ]
    page.locator("#dial-status button").click()  # hang up
    expect(desk_status).to_have_class(re.compile("status-up"))
    expect(page.locator("#missed li[data-call]")).to_have_count(0)

    # --- a second tab in the background ---------------------------------------------------------------------
    background_context, background = new_page(chromium, "zh-CN", problems)
    background_context.add_init_script(BACKGROUND_TAB)
    open_console(background, base)

    # --- the known caller: the card within a second ------------------------------------------------------
    started = time.monotonic()
    ring(daemon, CALLER)
    page.wait_for_function(
        "() => { const pops = document.querySelectorAll('.pop'); return pops.length === 3"
        " && pops[0].querySelector('.customer-name')?.textContent.includes('张伟'); }",
        polling=10,
        timeout=5000,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the card took {elapsed:.3f} s"
    card = page.locator(".pop").first
    expect(card.locator(".vehicles, .customer")).to_contain_text(PLATE)
    expect(card.locator(".recent")).to_contain_text("")  # the earlier calls with this number are listed
    assert card.locator(".recent li").count() >= 2

    background.wait_for_function("() => window.__notes.some(n => n.title.includes('张伟'))", timeout=5000)
    expect(background.locator("#console")).to_have_attribute("data-beeps", "1")
    assert problems == []


def test_an_answered_call_shows_its_recording_and_the_operator_pauses_it(
    daemon: Daemon, chromium: Browser
) -> None:
    base = daemon.url
    add_user(daemon.config, "olga", "operator", PASSWORD)
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    open_console(page, base)
    page.locator("#line-choices input[value=desk]").check()
    page.locator("#line-form button[type=submit]").click()
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")

    ring(daemon, CALLER, answer_after=1, talk_s=6.0)
    pop = page.locator(".pop").first
    expect(pop).to_have_attribute("data-state", "answered")
    badge = pop.locator(".recording")
    expect(badge).to_have_class(re.compile("recording-on"))
    badge.locator("button").click()  # pause
    expect(badge).to_have_class(re.compile("recording-paused"))
    badge.locator("button").click()  # resume
    expect(badge).to_have_class(re.compile("recording-on"))
    expect(pop).to_have_attribute("data-state", "ended", timeout=10_000)
    expect(pop.locator(".recording")).to_have_count(0)
    assert problems == []
