"""An operator's campaign desk through the API (docs/api.md): the campaigns they work, a preview card held
for them (another branch's operator sees none of it), skipped with a reason or released, a line that is not
theirs refused, a result refused by its field's name. Dialling and giving a result on a real line are the
browser tests' (tests/e2e/test_campaign_console.py); the bodies are fuzzed in test_fuzz_api.py."""

from __future__ import annotations

from tests.support.site import Site
from tests.web.campaign_support import due_customers
from tests.web.support import Api

ALWAYS = {"weekdays": list(range(7)), "windows": [["00:00", "23:59"]], "statutory": False}


async def _running(site: Site, sam: Api, operators: list[int]) -> int:
    await due_customers(site, ("王伟", "+8613800138000"), ("李娜", "+8613900139000"))
    settings = {
        "lines": ["desk"],
        "source": {"kind": "reminders", "types": ["insurance"]},
        "hours": ALWAYS,
        "operators": operators,
    }
    status, made = await sam(
        "POST", "/api/v1/campaigns", {"name": "续保", "mode": "preview", "settings": settings}
    )
    assert status == 201
    status, _ = await sam("POST", f"/api/v1/campaigns/{made['id']}/start")
    assert status == 200
    return int(made["id"])


async def test_a_preview_card_through_the_api(people: dict[str, Api], site: Site) -> None:
    sam, olga, erin = people["sam"], people["olga"], people["erin"]
    _, found = await people["boss"]("GET", "/api/v1/users?q=olga")
    campaign = await _running(site, sam, [found["items"][0]["id"]])
    url = f"/api/v1/me/campaigns/{campaign}"

    status, body = await olga("GET", "/api/v1/me/campaigns")
    assert (status, body) == (
        200,
        {"items": [{"id": campaign, "name": "续保", "mode": "preview"}], "call": None},
    )
    assert (await erin("GET", "/api/v1/me/campaigns"))[1]["items"] == []  # another branch's
    status, _ = await erin("POST", f"{url}/next")
    assert status == 404

    status, card = await olga("POST", f"{url}/next")
    assert status == 200 and card["type"] == "campaign.card"
    assert card["customer"]["name"] == "王伟" and card["item"]["type"] == "insurance"
    assert card["contact"]["number_e164"] == "+8613800138000" and card["attempts"] == []
    assert card["lines"] == [] and card["held_until"]  # no line of hers is the campaign's
    contact = card["contact"]["id"]
    status, again = await olga("POST", f"{url}/next")
    assert again["contact"]["id"] == contact  # held for her: the same card

    status, body = await olga("POST", f"{url}/contacts/{contact}/dial", {"line": "desk"})
    assert status == 403  # not one of her lines
    status, body = await olga("POST", f"{url}/contacts/{contact}/skip", {})
    assert (status, body["error"]["field"]) == (422, "reason")
    status, body = await olga("POST", f"{url}/contacts/{contact}/skip", {"reason": "客户在店里"})
    assert (status, body) == (200, {"contact_id": contact, "skipped": True})
    status, other = await olga("POST", f"{url}/next")
    assert other["customer"]["name"] == "李娜"
    status, _ = await olga("POST", f"{url}/contacts/{other['contact']['id']}/release")
    assert status == 200
    status, body = await olga("POST", f"{url}/next")
    assert body["contact"]["id"] == other["contact"]["id"]  # released, and the skipped one waits

    status, body = await olga("PUT", "/api/v1/attempts/999999/result", {"result": "declined"})
    assert status == 404
    status, body = await olga("PUT", "/api/v1/attempts/999999/result", {"result": "declined", "when": 1})
    assert (status, body["error"]["field"]) == (422, "when")
    status, body = await olga("GET", "/api/v1/me/callbacks")
    assert (status, body) == (200, {"items": []})
