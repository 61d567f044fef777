"""The pop card's actions in a real browser against the real daemon with a simulated line: the card leads
to the customer's page; a follow-up (and a visit) made from the card is stored and shows on that page; an
unknown caller who is a customer calling from a new phone is found by a search, the number joins their
phones, the card becomes theirs, and the next call from the number pops them. Selectors are ids, classes
and data attributes, so the test holds in either language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import DESK_SITE, add_user, api, log_in, new_page, ring
from tests.support.daemon import Daemon
from tests.support.daemon import ctid_command as ctid

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
CALLER = "13700000001"
NEW_PHONE = "13700000002"
PLATE = "粤A88888"
SHOTS = Path("/tmp/ctid-pop-actions-screenshots")


@pytest.fixture
def daemon_config() -> str:
    return DESK_SITE


def start(daemon: Daemon, chromium: Browser, problems: list[str]) -> tuple[str, Page]:
    """A supervisor (who follows every line of the branch) on the console; her API token."""
    add_user(daemon.config, "sam", "supervisor", PASSWORD)
    token = ctid(daemon, "token", "create", "sam").strip().splitlines()[-1]
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, daemon.url, "sam", PASSWORD)
    page.goto(daemon.url + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    return token, page


def shoot(page: Page, name: str) -> None:
    """Screenshots to look at: at the desk's 1366x768 and a phone's 390 px."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_the_card_leads_to_the_customer_and_a_follow_up_is_made_from_it(
    daemon: Daemon, chromium: Browser
) -> None:
    problems: list[str] = []
    token, page = start(daemon, chromium, problems)
    zhang = api(
        daemon,
        token,
        "POST",
        "/api/v1/customers",
        {"name": "张伟", "phones": [CALLER], "plate": PLATE, "brand": "大众", "model": "朗逸"},
    )

    ring(daemon, CALLER)
    pop = page.locator(".pop").first
    expect(pop.locator(".customer-name")).to_contain_text("张伟")
    actions = pop.locator(".card-actions")
    link = actions.locator("a.customer-page")
    expect(link).to_have_attribute("href", f"/customers/{zhang['id']}")
    with page.context.expect_page() as opened:
        link.click()
    customer_page = opened.value
    customer_page.wait_for_load_state()
    assert customer_page.url == f"{daemon.url}/customers/{zhang['id']}"
    expect(customer_page.locator("h1")).to_contain_text("张伟")
    customer_page.close()

    # --- a complaint from the card: nothing written is refused naming the field, then saved -------------
    actions.locator("button.new-follow-up").click()
    form = pop.locator("form.follow-up-form")
    form.locator("select[name=kind]").select_option("complaint")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-error")).to_be_visible()
    expect(form.locator("[data-field=content]")).to_have_class(re.compile("invalid"))
    form.locator("textarea[name=content]").fill("上次保养后刹车异响")
    form.locator("button[type=submit]").click()
    expect(pop.locator(".card-action-status")).to_have_class(re.compile("ok-text"))
    expect(pop.locator(".follow-ups li.complaint")).to_contain_text("上次保养后刹车异响")
    stored = api(daemon, token, "GET", f"/api/v1/follow-ups?customer={zhang['id']}")["items"]
    assert [(f["kind"], f["content"], f["channel"], f["status"]) for f in stored] == [  # type: ignore[index,union-attr]
        ("complaint", "上次保养后刹车异响", "电话", "open")
    ]

    # --- a visit for the customer's car, opened from the card ---------------------------------------------
    actions = pop.locator(".card-actions")
    actions.locator("button.new-visit").click()
    visit = pop.locator("form.visit-form")
    expect(visit.locator("select[name=vehicle_id] option")).to_have_count(1)
    visit.locator("input[name=mileage_km]").fill("-5")
    visit.locator("button[type=submit]").click()
    expect(visit.locator("[data-field=mileage_km]")).to_have_class(re.compile("invalid"))
    visit.locator("input[name=mileage_km]").fill("23456")
    visit.locator("textarea[name=notes]").fill("刹车异响检查")
    visit.locator("button[type=submit]").click()
    expect(pop.locator(".card-action-status")).to_contain_text(PLATE)
    visits = api(daemon, token, "GET", f"/api/v1/visits?customer={zhang['id']}")["items"]
    assert [(v["mileage_km"], v["notes"], v["status"]) for v in visits] == [  # type: ignore[index,union-attr]
        (23456, "刹车异响检查", "open")
    ]
    actions.locator("button.new-follow-up").click()  # the form open, for the screenshots
    shoot(page, "console-card-actions")

    # --- the customer's page shows what was made from the pop ---------------------------------------------
    page.goto(f"{daemon.url}/customers/{zhang['id']}")
    expect(page.locator("#follow-ups tr.complaint")).to_contain_text("上次保养后刹车异响")
    expect(page.locator("#visits")).to_contain_text("刹车异响检查")
    refused = [p for p in problems if "status of 422" in p]
    assert len(refused) == 2 and [p for p in problems if p not in refused] == [], problems


def test_an_unknown_number_joins_a_customer_found_by_search_and_pops_them_next(
    daemon: Daemon, chromium: Browser
) -> None:
    problems: list[str] = []
    token, page = start(daemon, chromium, problems)
    li = api(daemon, token, "POST", "/api/v1/customers", {"name": "李娜", "phones": [CALLER], "plate": PLATE})

    ring(daemon, NEW_PHONE)
    pop = page.locator(".pop").first
    expect(pop.locator("form.new-customer")).to_be_visible()
    attach = pop.locator("form.attach-number")
    attach.locator("input[name=q]").fill("粤A8")
    hit = attach.locator(f".attach-hits li[data-customer='{li['id']}']")
    expect(hit).to_contain_text("李娜")
    shoot(page, "console-attach-search")
    hit.locator("button.attach").click()
    expect(pop.locator(".customer-name")).to_contain_text("李娜")
    expect(pop.locator(".attached")).to_contain_text(NEW_PHONE)
    expect(pop.locator("form.new-customer")).to_have_count(0)
    card = api(daemon, token, "GET", f"/api/v1/customers/{li['id']}")
    assert [p["e164"] for p in card["phones"]] == ["+86" + CALLER, "+86" + NEW_PHONE]  # type: ignore[union-attr,index]
    calls = api(daemon, token, "GET", "/api/v1/calls")["items"]
    assert [c["customer_id"] for c in calls] == [li["id"]]  # type: ignore[union-attr,index]

    # --- the next call from the number pops her card ------------------------------------------------------
    expect(pop).to_have_attribute("data-state", "ended")
    ring(daemon, NEW_PHONE)
    expect(page.locator(".pop")).to_have_count(2)
    expect(page.locator(".pop").first.locator(".customer-name")).to_contain_text("李娜")
    expect(page.locator(".pop").first.locator("form.attach-number")).to_have_count(0)
    assert problems == []
