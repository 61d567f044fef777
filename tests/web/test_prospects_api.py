"""Prospects and the base data over HTTP: register -> review -> visits -> won (a customer with the
prospect's phone) or lost (a reason required); refusals: an operator cannot review (403), another branch's
prospect does not exist (404), lost without a reason (422); options are changed by admins only."""

from __future__ import annotations

from typing import Any

from tests.web.support import Api

NEW = {
    "name": "李娜",
    "phone": "139 0013 9000",
    "level": "A",
    "source": "来电",
    "industry": "教育",
    "desired_model": "SUV",
    "competitor_model": "本田雅阁",
    "focus_points": ["价格", "空间"],
    "notes": "想周末试驾",
}


async def _registered(api: Api) -> dict[str, Any]:
    status, prospect = await api("POST", "/api/v1/prospects", NEW)
    assert status == 201, prospect
    return dict(prospect)


async def test_a_prospect_is_reviewed_followed_and_won(people: dict[str, Api]) -> None:
    olga, sam = people["olga"], people["sam"]
    prospect = await _registered(olga)
    assert (prospect["status"], prospect["phone_e164"], prospect["focus_points"]) == (
        "registered",
        "+8613900139000",
        ["价格", "空间"],
    )
    assert prospect["actions"] == ["lose"], "an operator may not review"
    path = f"/api/v1/prospects/{prospect['id']}"
    status, body = await olga("POST", path + "/visits", {"channel": "电话", "content": "约试驾"})
    assert (status, body["error"]["code"]) == (409, "conflict"), "no visits before the review"
    status, reviewed = await sam("POST", path + "/review")
    assert status == 200 and reviewed["status"] == "reviewed" and reviewed["reviewed_at"]
    status, visit = await olga(
        "POST", path + "/visits", {"channel": "电话", "content": "约试驾", "next_on": "2030-01-02"}
    )
    assert status == 201 and visit["next_on"] == "2030-01-02"
    status, visits = await olga("GET", path + "/visits")
    assert status == 200 and [v["content"] for v in visits["items"]] == ["约试驾"]
    status, changed = await olga("PATCH", path, {"level": "H"})
    assert (status, changed["level"], changed["status"]) == (200, "H", "following")
    status, won = await olga("POST", path + "/won", {})
    assert status == 200 and won["status"] == "won" and won["customer_id"]
    status, customer = await olga("GET", f"/api/v1/customers/{won['customer_id']}")
    assert status == 200 and customer["name"] == "李娜"
    assert [p["e164"] for p in customer["phones"]] == ["+8613900139000"]
    assert (customer["level"], customer["source"]) == ("", "来电"), "an intent level is no customer tier"
    status, body = await olga("PATCH", path, {"level": "B"})
    assert status == 409, "a won prospect no longer changes"
    status, audit = await people["boss"](
        "GET", f"/api/v1/audit?entity_type=prospect&entity_id={prospect['id']}"
    )
    actions = {entry["action"] for entry in audit["items"]}
    assert {
        "prospect.create",
        "prospect.review",
        "prospect.visit",
        "prospect.update",
        "prospect.won",
    } <= actions


async def test_refusals(people: dict[str, Api]) -> None:
    olga, erin = people["olga"], people["erin"]
    prospect = await _registered(olga)
    path = f"/api/v1/prospects/{prospect['id']}"
    status, body = await olga("POST", path + "/review")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"level": "B"}),
        ("POST", "/lost", {"lost_reason": "其他"}),
    ]:
        status, answer = await erin(method, path + suffix, body)
        assert (status, answer["error"]["code"]) == (404, "not_found"), (method, suffix)
    status, listed = await erin("GET", "/api/v1/prospects")
    assert listed["total"] == 0
    status, answer = await olga("POST", path + "/lost", {})
    assert (status, answer["error"]["field"]) == (422, "lost_reason")
    status, answer = await olga("POST", path + "/lost", {"lost_reason": "不想说"})
    assert (status, answer["error"]["field"]) == (422, "lost_reason"), "one of the base data's reasons"
    for body, field in [
        ({**NEW, "level": "Z"}, "level"),
        ({**NEW, "phone": "call me"}, "phone"),
        ({**NEW, "colour": "red"}, "colour"),
    ]:
        status, answer = await olga("POST", "/api/v1/prospects", body)
        assert (status, answer["error"]["field"]) == (422, field)
    status, lost = await olga("POST", path + "/lost", {"lost_reason": "购买竞品"})
    assert (status, lost["status"], lost["lost_reason"]) == (200, "lost", "购买竞品")
    status, answer = await olga("POST", path + "/won", {})
    assert status == 409


async def test_lists_filter_by_status_and_source(people: dict[str, Api]) -> None:
    olga = people["olga"]
    await _registered(olga)
    await olga("POST", "/api/v1/prospects", {**NEW, "source": "车展", "phone": "13900139001"})
    status, listed = await olga("GET", "/api/v1/prospects?source=车展&status=registered")
    assert status == 200 and [p["source"] for p in listed["items"]] == ["车展"]
    status, listed = await people["boss"]("GET", "/api/v1/prospects?per_page=1")
    assert (listed["total"], listed["pages"]) == (2, 2)


async def test_options_are_read_by_all_and_changed_by_admins_only(people: dict[str, Api]) -> None:
    olga, boss = people["olga"], people["boss"]
    status, levels = await olga("GET", "/api/v1/crm-options?kind=level")
    assert status == 200 and [o["value"] for o in levels["items"]] == ["H", "A", "B", "C"]
    status, answer = await olga("POST", "/api/v1/crm-options", {"kind": "source", "value": "抖音"})
    assert status == 403
    status, created = await boss("POST", "/api/v1/crm-options", {"kind": "source", "value": "抖音"})
    assert status == 201 and created["active"]
    status, answer = await boss("POST", "/api/v1/crm-options", {"kind": "source", "value": "抖音"})
    assert (status, answer["error"]["field"]) == (409, "value")
    option = f"/api/v1/crm-options/{created['id']}"
    assert (await people["sam"]("PATCH", option, {"active": False}))[0] == 403
    status, changed = await boss("PATCH", option, {"active": False})
    assert status == 200 and not changed["active"]
    status, answer = await olga("POST", "/api/v1/prospects", {**NEW, "source": "抖音"})
    assert (status, answer["error"]["field"]) == (422, "source"), "a retired option is no longer offered"
