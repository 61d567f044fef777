"""Merging two customers over the API and on the customer page: crm.manage (supervisors, admins), the
preview and the merge, branch walls, bad input by name, and the merged customer's old page leading to the
one kept."""

from __future__ import annotations

from tests.web.support import Api, BrowserFactory


async def _customer(api: Api, name: str, *phones: str) -> int:
    body = {"name": name, "phones": list(phones), "confirm_shared_phone": True}
    status, answer = await api("POST", "/api/v1/customers", body)
    assert status == 201, answer
    return int(answer["id"])


async def test_a_supervisor_previews_and_merges_and_the_old_page_leads_on(
    people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    sam, olga, erin = people["sam"], people["olga"], people["erin"]
    kept = await _customer(olga, "张伟", "13800138000")
    other = await _customer(olga, "张伟", "138 0013 8000", "13900139000")
    east = await _customer(erin, "李娜", "13700137000")
    path = f"/api/v1/customers/{kept}/merge"
    status, preview = await sam("GET", f"{path}?other_id={other}")
    assert status == 200
    assert preview["kept"] == {"id": kept, "name": "张伟"}
    assert preview["other"] == {"id": other, "name": "张伟", "phones": ["138 0013 8000", "13900139000"]}
    assert preview["moves"]["phones"] == ["13900139000"] and preview["moves"]["calls"] == 0
    assert (await olga("GET", f"{path}?other_id={other}"))[0] == 403
    assert (await olga("POST", path, {"other_id": other}))[0] == 403
    assert (await erin("GET", f"/api/v1/customers/{east}/merge?other_id={other}"))[0] == 403
    assert (await sam("GET", f"{path}?other_id={east}"))[0] == 404
    status, answer = await people["boss"]("POST", path, {"other_id": east})
    assert (status, answer["error"]["field"]) == (422, "other_id")
    for bad, field in [({"other_id": "x"}, "other_id"), ({}, "other_id"), ({"other": other}, "other")]:
        status, answer = await sam("POST", path, bad)
        assert (status, answer["error"]["field"]) == (422, field), bad
    assert (await sam("GET", f"{path}?other_id={kept}"))[1]["error"]["field"] == "other_id"

    status, done = await sam("POST", path, {"other_id": other})
    assert (status, done["moves"]["phones"]) == (200, ["13900139000"])
    status, card = await sam("GET", f"/api/v1/customers/{kept}")
    assert [p["number"] for p in card["phones"]] == ["13800138000", "13900139000"]
    assert (await sam("GET", f"/api/v1/customers/{other}"))[0] == 404
    browser = await new_browser()
    assert (await browser.login("olga")).status == 303
    moved = await browser.client.get(f"/customers/{other}", allow_redirects=False)
    assert (moved.status, moved.headers["Location"]) == (302, f"/customers/{kept}")
    assert (await browser.client.get("/customers/999999", allow_redirects=False)).status == 404
    page = await (await browser.get(f"/customers/{kept}")).text()
    assert 'id="merge-card"' not in page, "an operator is not offered the merge"
    boss = await new_browser()
    assert (await boss.login("sam")).status == 303
    page = await (await boss.get(f"/customers/{kept}")).text()
    assert 'id="merge-customer"' in page and 'id="merge-card"' in page and "crm_merge.js" in page
