"""The campaigns API (/api/v1/campaigns): a supervisor makes a campaign from the reminder queue, sees its
contacts and why each is not dialled now, starts, pauses and stops it; an operator and another branch's
supervisor cannot; a bad setting is refused by its name."""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from ctid.audit.tables import audit_log
from ctid.crm.tables import customer_phones
from tests.reminders.support import add_customer
from tests.support.site import Site
from tests.web.campaign_support import due_customers
from tests.web.support import Api

SETTINGS = {"lines": ["desk"], "source": {"kind": "reminders", "types": ["insurance"]}}


async def test_a_campaign_through_the_api(people: dict[str, Api], site: Site) -> None:
    await due_customers(site, ("王伟", "+8613800138000"))
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


async def test_a_campaign_changed_through_the_api(people: dict[str, Api], site: Site) -> None:
    """PATCH: a draft changes anything (its source reads the contacts again); a running campaign its
    name, priority and settings but not its mode or source (409 in words); an ended one nothing; each
    change audited with what it was; an operator and another branch cannot."""
    db = site.services.db
    home = (await site.accounts.branches.default_branch()).id
    wang = await add_customer(db, home, "王伟", level="A")
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_phones).values(customer_id=wang, number="13800138000", e164="+8613800138000")
        )
    sam, olga, erin = people["sam"], people["olga"], people["erin"]
    status, made = await sam(
        "POST", "/api/v1/campaigns", {"name": "续保", "mode": "preview", "settings": SETTINGS}
    )
    path = f"/api/v1/campaigns/{made['id']}"
    status, shown = await sam("GET", path)
    assert shown["contacts"] == {}
    search = {**SETTINGS, "source": {"kind": "search", "search": {"level": "A"}}}
    status, changed = await sam(
        "PATCH", path, {"name": "A 级关怀", "mode": "progressive", "settings": search}
    )
    assert status == 200, changed
    assert (changed["name"], changed["mode"], changed["settings"]["source"]["kind"]) == (
        "A 级关怀", "progressive", "search",
    )  # fmt: skip
    status, shown = await sam("GET", path)
    assert shown["contacts"] == {"pending": 1}, "the new source's contacts"

    for who in (olga, erin):
        status, _ = await who("PATCH", path, {"name": "x"})
        assert status in (403, 404)
    status, body = await sam("PATCH", path, {"priority": "high"})
    assert (status, body["error"]["field"]) == (422, "priority")
    status, body = await sam("PATCH", path, {"settings": {**search, "max_attempts": 0}})
    assert (status, body["error"]["field"]) == (422, "settings.max_attempts")
    status, body = await sam("PATCH", path, {"colour": "red"})
    assert status == 422 and "colour" in body["error"]["field"]

    await sam("POST", f"{path}/start")
    slower = {**search, "max_attempts": 5, "hours": {"windows": [["10:00", "11:30"]]}}
    status, changed = await sam("PATCH", path, {"priority": 7, "settings": slower})
    assert status == 200 and changed["priority"] == 7 and changed["settings"]["max_attempts"] == 5
    assert changed["state"] == "running"
    status, body = await sam("PATCH", path, {"mode": "preview"})
    assert (status, body["error"]["code"]) == (409, "conflict") and "mode" in body["error"]["message"]
    status, body = await sam("PATCH", path, {"settings": SETTINGS})
    assert status == 409 and "contacts" in body["error"]["message"]
    await sam("POST", f"{path}/stop")
    status, body = await sam("PATCH", path, {"name": "again"})
    assert status == 409

    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(audit_log.c.before, audit_log.c.after)
                .where(audit_log.c.action == "campaign.change")
                .order_by(audit_log.c.id)
            )
        ).all()
    assert len(rows) == 2
    before, after = (json.loads(v) if isinstance(v, str) else v for v in rows[1])
    assert (before["priority"], after["priority"]) == (0, 7)
    assert after["settings"]["max_attempts"] == 5 and before["settings"]["max_attempts"] == 3
