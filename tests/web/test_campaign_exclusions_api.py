"""A campaign's exclusions through the API: a supervisor takes a contact and a number out of one campaign
with a reason and lets the contact back in; an operator and another branch's supervisor cannot; bad input
is refused by its field's name (the bodies are fuzzed with every route's in test_fuzz_api.py)."""

from __future__ import annotations

from tests.support.site import Site
from tests.web.campaign_support import due_customers
from tests.web.support import Api

SETTINGS = {"lines": ["desk"], "source": {"kind": "reminders", "types": ["insurance"]}}


async def _campaign(site: Site, sam: Api) -> tuple[int, dict[str, int]]:
    """A draft campaign of two customers; its contact ids by E.164."""
    await due_customers(site, ("王伟", "+8613800138000"), ("李娜", "+8613900139000"))
    status, made = await sam(
        "POST", "/api/v1/campaigns", {"name": "续保", "mode": "preview", "settings": SETTINGS}
    )
    assert status == 201
    _, shown = await sam("GET", f"/api/v1/campaigns/{made['id']}")
    return made["id"], {c["number"]: c["id"] for c in shown["next"]}


async def test_exclusions_through_the_api(people: dict[str, Api], site: Site) -> None:
    sam, olga, erin = people["sam"], people["olga"], people["erin"]
    campaign, contacts = await _campaign(site, sam)
    wang, li = contacts["+8613800138000"], contacts["+8613900139000"]
    url = f"/api/v1/campaigns/{campaign}"

    status, _ = await olga("POST", f"{url}/contacts/{wang}/exclude", {"reason": "不要"})
    assert status == 403
    status, _ = await erin("POST", f"{url}/exclusions", {"number": "13800138000", "reason": "x"})
    assert status in (403, 404), "another branch's"
    status, body = await sam("POST", f"{url}/contacts/{wang}/exclude", {})
    assert (status, body["error"]["field"]) == (422, "reason")
    status, body = await sam("POST", f"{url}/contacts/{wang}/exclude", {"reason": "客户要求本次不打"})
    assert (status, body["status"]) == (200, "excluded")
    status, body = await sam("POST", f"{url}/contacts/{wang}/exclude", {"reason": "again"})
    assert status == 409
    status, body = await sam("POST", f"{url}/exclusions", {"number": "139 0013 9000", "reason": "号码错"})
    assert (status, body) == (200, {"excluded": 1})
    status, body = await sam("POST", f"{url}/exclusions", {"number": "12", "reason": "号码错"})
    assert (status, body["error"]["field"]) == (422, "number")

    _, shown = await sam("GET", url)
    assert shown["contacts"] == {"excluded": 2} and shown["next"] == []
    status, body = await sam("POST", f"{url}/contacts/{li}/include")
    assert (status, body["status"]) == (200, "pending")
    _, shown = await sam("GET", url)
    assert [(c["id"], c["why_not"]) for c in shown["next"]] == [(li, "campaign_not_running")]
    status, _ = await sam("POST", f"{url}/contacts/{li}/include")
    assert status == 409
    status, _ = await sam("POST", f"/api/v1/campaigns/{campaign}/contacts/999999/include")
    assert status == 404
