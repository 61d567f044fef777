"""The campaigns API (/api/v1/campaigns): a supervisor makes a campaign from the reminder queue, sees its
contacts and why each is not dialled now, starts, pauses and stops it; an operator and another branch's
supervisor cannot; a bad setting is refused by its name."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from ctid.crm.tables import customer_phones
from tests.reminders.support import add_customer, add_items, item_row
from tests.support.site import Site
from tests.web.support import Api

SETTINGS = {"lines": ["desk"], "source": {"kind": "reminders", "types": ["insurance"]}}


async def test_a_campaign_through_the_api(people: dict[str, Api], site: Site) -> None:
    db = site.services.db
    home = (await site.accounts.branches.default_branch()).id
    wang = await add_customer(db, home, "王伟")
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_phones).values(customer_id=wang, number="13800138000", e164="+8613800138000")
        )
    today = site.services.reminders.worklist.today()
    await add_items(db, item_row(home, wang, None, "insurance", today + timedelta(days=30), contact_on=today))
    sam, olga, erin = people["sam"], people["olga"], people["erin"]

    status, body = await olga(
        "POST", "/api/v1/campaigns", {"name": "x", "mode": "preview", "settings": SETTINGS}
    )
    assert status == 403
    status, body = await sam(
        "POST",
        "/api/v1/campaigns",
        {"name": "续保", "mode": "progressive", "settings": {**SETTINGS, "lines": []}},
    )
    assert (status, body["error"]["field"]) == (422, "settings.lines")
    status, body = await sam("POST", "/api/v1/campaigns", {"name": "续保", "mode": "progressive"})
    assert (status, body["error"]["field"]) == (422, "settings")
    status, made = await sam(
        "POST", "/api/v1/campaigns", {"name": "续保 12月", "mode": "progressive", "settings": SETTINGS}
    )
    assert status == 201 and made["state"] == "draft" and made["settings"]["lines"] == ["desk"]

    status, shown = await sam("GET", f"/api/v1/campaigns/{made['id']}")
    assert status == 200 and shown["contacts"] == {"pending": 1}
    assert [(c["number"], c["why_not"]) for c in shown["next"]] == [
        ("+8613800138000", "campaign_not_running")
    ]
    status, listed = await sam("GET", "/api/v1/campaigns")
    assert [c["id"] for c in listed["items"]] == [made["id"]]

    status, _ = await erin("GET", f"/api/v1/campaigns/{made['id']}")
    assert status in (403, 404), "another branch's operator"
    status, body = await sam("POST", f"/api/v1/campaigns/{made['id']}/pause")
    assert (status, body["error"]["code"]) == (409, "conflict")
    for how, state in (("start", "running"), ("pause", "paused"), ("start", "running"), ("stop", "stopped")):
        status, moved = await sam("POST", f"/api/v1/campaigns/{made['id']}/{how}")
        assert (status, moved["state"]) == (200, state)
    status, attempts = await sam("GET", f"/api/v1/campaigns/{made['id']}/attempts")
    assert status == 200 and attempts["items"] == [] and attempts["total"] == 0
    status, _ = await sam("GET", "/api/v1/campaigns/999999")
    assert status == 404
