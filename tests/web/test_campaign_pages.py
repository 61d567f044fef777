"""The campaign pages (ctid.web.views.campaign_pages): the list, the editor and the live page for
supervisors (an operator is refused), the live page's JSON (the next contacts with why each is not dialled,
numbers written locally, a look-up by number), the attempts as CSV, and each reminder item's dial attempts
on the customer page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from ctid.accounts.models import Role
from ctid.dialer import store
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, ContactStatus, WhyNot
from ctid.web.campaign_words import CONTACT_WORDS, MODE_LABELS, RESULT_WORDS, STATE_WORDS, WHY_WORDS
from tests.support.site import Site
from tests.web.campaign_support import due_customers
from tests.web.support import Api, BrowserFactory

SETTINGS = {"lines": ["desk"], "source": {"kind": "reminders", "types": ["insurance"]}}


async def _campaign(site: Site, sam: Api) -> tuple[int, int, dict[str, Any]]:
    [wang] = await due_customers(site, ("王伟", "+8613800138000"))
    status, made = await sam(
        "POST", "/api/v1/campaigns", {"name": "续保 12月", "mode": "preview", "settings": SETTINGS}
    )
    assert status == 201
    return wang, made["id"], made


async def test_the_pages_for_a_supervisor_and_not_for_an_operator(
    site: Site, people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    _, campaign, _ = await _campaign(site, people["sam"])
    await site.user("sue", Role.SUPERVISOR)
    browser = await new_browser()
    assert (await browser.login("sue")).status == 303
    listed = await (await browser.get("/campaigns")).text()
    assert "续保 12月" in listed and f'data-campaign="{campaign}"' in listed and 'data-move="start"' in listed
    assert 'href="/campaigns"' in listed, "the menu's entry"
    editor = await (await browser.get("/campaigns/new")).text()
    assert 'id="campaign-form"' in editor and 'name="source_kind"' in editor
    edit = await (await browser.get(f"/campaigns/{campaign}/edit")).text()
    assert 'value="续保 12月"' in edit and f'data-id="{campaign}"' in edit
    live = await (await browser.get(f"/campaigns/{campaign}")).text()
    assert 'id="campaign-live"' in live and f"/campaigns/{campaign}/attempts.csv" in live
    assert (await browser.get("/campaigns/999999")).status == 404

    olga = await new_browser()
    assert (await olga.login("olga")).status == 303
    for path in (
        "/campaigns",
        "/campaigns/new",
        f"/campaigns/{campaign}",
        f"/campaigns/{campaign}/attempts.csv",
    ):
        assert (await olga.get(path)).status == 403, path
    assert 'href="/campaigns"' not in await (await olga.get("/")).text()


async def test_the_live_page_says_why_each_contact_waits(site: Site, people: dict[str, Api]) -> None:
    sam = people["sam"]
    wang, campaign, _ = await _campaign(site, sam)
    status, live = await sam("GET", f"/api/v1/campaigns/{campaign}/live")
    assert status == 200 and live["state"] == "draft" and live["contacts"] == {"pending": 1}
    assert [(c["customer_name"], c["number"], c["why_not"]) for c in live["next"]] == [
        ("王伟", "138 0013 8000", "campaign_not_running")
    ], "numbers written locally"
    assert live["lines"] == [
        {"name": "desk", "label": "desk", "status": "unknown", "in_use": False, "out": False}
    ], "this site has no line desk"
    assert live["lookup"] is False
    status, found = await sam("GET", f"/api/v1/campaigns/{campaign}/live?number=138-0013-8000")
    assert found["lookup"] is True and [c["customer_id"] for c in found["next"]] == [wang]
    status, found = await sam("GET", f"/api/v1/campaigns/{campaign}/live?number=13900000000")
    assert found["next"] == []
    status, _ = await people["erin"]("GET", f"/api/v1/campaigns/{campaign}/live")
    assert status in (403, 404)
    status, _ = await people["olga"]("GET", f"/api/v1/campaigns/{campaign}/live")
    assert status == 403


async def test_the_attempts_as_csv_and_on_the_customer_page(
    site: Site, people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    wang, campaign, _ = await _campaign(site, people["sam"])
    db = site.services.db
    when = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    async with db.begin() as conn:
        contact = (await store.contacts_of(conn, campaign, None, 1))[0]
        attempt = await store.start_attempt(
            conn, {"campaign_id": campaign, "contact_id": contact.id, "number_e164": "+8613800138000",
                   "line": "desk", "started_at": when, "dtmf": "", "note": ""}
        )  # fmt: skip
        await store.end_attempt(conn, attempt, AttemptResult.BUSY, when + timedelta(seconds=20))
    browser = await new_browser()
    assert (await browser.login("sam")).status == 303
    response = await browser.get(f"/campaigns/{campaign}/attempts.csv")
    assert response.status == 200 and response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Started", "Customer", "Number"]
    assert rows[1][:4] == ["2026-12-07 10:00:00", "王伟", "138 0013 8000", "desk"] and rows[1][7] == "Busy"

    page = await (await browser.get(f"/customers/{wang}")).text()
    history = page.split('id="reminder-history"')[1].split("</section>")[0]
    assert (
        'class="item-attempts"' in history
        and "Busy" in history
        and f'href="/campaigns/{campaign}"' in history
    )


def test_every_word_of_the_dialer_has_a_label() -> None:
    """A result or a reason added to the dialer shows as words, not as its code (nor a KeyError)."""
    for words, kind in (
        (MODE_LABELS, CampaignMode),
        (STATE_WORDS, CampaignState),
        (CONTACT_WORDS, ContactStatus),
        (RESULT_WORDS, AttemptResult),
        (WHY_WORDS, WhyNot),
    ):
        assert set(words) == set(kind), kind
