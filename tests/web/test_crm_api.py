"""The CRM records API over HTTP: create, change, history, branch isolation, permissions, field errors as
422 naming the field, uniqueness as 409, closed visits, follow-up transitions, pages."""

from __future__ import annotations

from ctid.accounts.models import Role
from ctid.sampledata.demo import seed_demo
from tests.support.site import Site
from tests.web.support import Api, Browser, BrowserFactory


async def test_a_customer_is_created_changed_and_its_history_read(people: dict[str, Api]) -> None:
    olga = people["olga"]
    form = {"name": "张伟", "phones": [{"number": "138 0013 8000", "label": "手机"}], "tags": ["VIP"]}
    status, created = await olga("POST", "/api/v1/customers", {**form, "birthday": "1985-06-01"})
    assert status == 201, created
    assert (created["birthday"], created["tags"], created["vehicles"]) == ("1985-06-01", ["VIP"], [])
    assert created["phones"] == [{"number": "138 0013 8000", "e164": "+8613800138000", "label": "手机"}]
    path = f"/api/v1/customers/{created['id']}"
    status, changed = await olga("PATCH", path, {"level": "金卡", "birthday": None, "address": "天河路 1 号"})
    assert status == 200 and (changed["level"], changed["birthday"], changed["address"]) == (
        "金卡",
        None,
        "天河路 1 号",
    )
    status, got = await olga("GET", path)
    assert status == 200 and got["level"] == "金卡" and "recent_calls" in got and "due_reminders" in got
    status, history = await olga("GET", path + "/history")
    assert status == 200
    lines = {
        (h["field"], h["before"], h["after"]) for h in history["items"] if h["action"] == "customer.update"
    }
    assert lines == {("level", "", "金卡"), ("birthday", "1985-06-01", None), ("address", "", "天河路 1 号")}
    assert all(h["actor"] == "olga" for h in history["items"])
    status, body = await olga(
        "PUT", path + "/opt-outs", {"opt_outs": [{"contact_type": "marketing", "reason": "勿扰"}]}
    )
    assert status == 200 and [o["contact_type"] for o in body["opt_outs"]] == ["marketing"]


async def test_a_phone_another_customer_has_needs_the_users_yes(
    site: Site, anon: Browser, people: dict[str, Api]
) -> None:
    olga = people["olga"]
    status, zhang = await olga("POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    assert status == 201
    body = {"name": "张小伟", "phones": [{"number": "+86 138 0013 8000", "label": "家庭"}]}
    status, answer = await olga("POST", "/api/v1/customers", body)
    assert status == 409, answer
    error = answer["error"]
    assert (error["code"], error["field"]) == ("phone_shared", "phones")
    assert error["customers"] == [{"id": zhang["id"], "name": "张伟", "number": "13800138000"}]
    assert "13800138000 is already the phone of 张伟" in error["message"]
    secret = (await site.token(await site.user("lin", Role.OPERATOR)))[0]
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "zh-CN"}
    response = await anon.client.post("/api/v1/customers", json=body, headers=headers)
    chinese = (await response.json())["error"]["message"]
    assert response.status == 409 and chinese.startswith("13800138000 已是本店客户张伟的电话"), chinese
    status, listed = await olga("GET", "/api/v1/customers")
    assert listed["total"] == 1, "nothing was written"

    status, answer = await olga("POST", "/api/v1/customers", {**body, "confirm_shared_phone": "maybe"})
    assert (status, answer["error"]["field"]) == (422, "confirm_shared_phone"), "true or false, nothing else"
    status, added = await olga("POST", "/api/v1/customers", {**body, "confirm_shared_phone": True})
    assert status == 201 and added["phones"][0]["e164"] == "+8613800138000"
    status, _theirs = await people["erin"](
        "POST", "/api/v1/customers", {"name": "王芳", "phones": ["13800138000"]}
    )
    assert status == 201, "another branch's customers do not count"


async def test_bad_input_names_the_field(people: dict[str, Api]) -> None:
    olga = people["olga"]
    status, created = await olga("POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    path = f"/api/v1/customers/{created['id']}"
    for body, field in [
        ({"birthday": "1985-13-01"}, "birthday"),
        ({"phones": ["call me"]}, "phones"),
        ({"colour": "red"}, "colour"),
        ({"kind": "dealer"}, "kind"),
        ({"tags": "VIP"}, "tags"),
    ]:
        status, answer = await olga("PATCH", path, body)
        assert (status, answer["error"]["field"]) == (422, field), body
    status, answer = await olga("PUT", path + "/opt-outs", {"opt_outs": [{"contact_type": "spam"}]})
    assert (status, answer["error"]["field"]) == (422, "contact_type")


async def test_another_branch_does_not_exist_for_an_operator(people: dict[str, Api]) -> None:
    status, created = await people["olga"](
        "POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]}
    )
    path = f"/api/v1/customers/{created['id']}"
    erin = people["erin"]
    for method, suffix, body in [("GET", "", None), ("PATCH", "", {"level": "x"}), ("GET", "/history", None)]:
        status, answer = await erin(method, path + suffix, body)
        assert (status, answer["error"]["code"]) == (404, "not_found"), (method, suffix)
    status, listed = await erin("GET", "/api/v1/customers")
    assert (status, listed["total"]) == (200, 0)
    status, listed = await people["boss"]("GET", "/api/v1/customers")
    assert listed["total"] == 1, "admins see every branch"


async def test_vehicles_plates_and_vins(people: dict[str, Api]) -> None:
    olga = people["olga"]
    status, answer = await olga("POST", "/api/v1/vehicles", {"plate": "粤A1234"})
    assert (status, answer["error"]["field"]) == (422, "plate")
    assert "7 characters" in answer["error"]["message"]
    status, answer = await olga("POST", "/api/v1/vehicles", {"plate": "粤A12345", "vin": "LSVNV2181E2100001"})
    assert (status, answer["error"]["field"]) == (422, "vin")
    assert "check digit" in answer["error"]["message"]
    status, car = await olga(
        "POST", "/api/v1/vehicles", {"plate": "粤A12345", "vin": "lsvnv2187e2100001", "mileage_km": 100}
    )
    assert status == 201 and (car["vin"], car["mileage_km"], car["transmission"]) == (
        "LSVNV2187E2100001",
        100,
        None,
    )
    status, answer = await olga("POST", "/api/v1/vehicles", {"plate": "粤A·12345"})
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (409, "conflict", "plate")
    status, answer = await people["erin"](
        "POST", "/api/v1/vehicles", {"plate": "粤A12345", "vin": "LSVNV2187E2100001"}
    )
    assert (status, answer["error"]["field"]) == (409, "vin")
    path = f"/api/v1/vehicles/{car['id']}"
    status, changed = await olga(
        "PATCH", path, {"colour": "白", "transmission": "cvt", "insurance_expiry": "2026-09-01"}
    )
    assert status == 200 and (changed["colour"], changed["transmission"]) == ("白", "cvt")
    status, answer = await olga("POST", path + "/mileage", {"mileage_km": 50})
    assert (status, answer["error"]["field"]) == (422, "mileage_km")
    status, answer = await olga("POST", path + "/mileage", {"mileage_km": 50, "correction": True})
    assert status == 403, "a correction takes a supervisor"
    status, reading = await people["sam"]("POST", path + "/mileage", {"mileage_km": 50, "correction": True})
    assert status == 201 and reading["correction"] is True
    status, readings = await olga("GET", path + "/mileage")
    assert [r["mileage_km"] for r in readings["items"]] == [50, 100]
    status, history = await olga("GET", path + "/history")
    assert {h["action"] for h in history["items"]} == {"vehicle.create", "vehicle.update", "vehicle.mileage"}
    status, _ = await people["erin"]("GET", path)
    assert status == 404


async def test_a_closed_visit_is_corrected_by_a_new_one(people: dict[str, Api]) -> None:
    olga, boss = people["olga"], people["boss"]
    status, item = await boss("POST", "/api/v1/catalogue", {"code": "WASH", "name": "洗车", "price": "30"})
    assert status == 201 and item["price"] == "30.00"
    status, answer = await olga("POST", "/api/v1/catalogue", {"code": "X", "name": "x", "price": 1})
    assert status == 403
    status, answer = await boss("POST", "/api/v1/catalogue", {"code": "WASH", "name": "精洗", "price": 50})
    assert (status, answer["error"]["field"]) == (409, "code")
    status, customer = await olga(
        "POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"], "plate": "粤A12345"}
    )
    vehicle_id = customer["vehicles"][0]["id"]
    body = {
        "vehicle_id": vehicle_id,
        "customer_id": customer["id"],
        "items": [{"catalogue_item_id": item["id"]}],
    }
    status, visit = await olga("POST", "/api/v1/visits", {**body, "mileage_km": 30000})
    assert status == 201 and (visit["status"], visit["amount"], visit["editable"]) == ("open", "30.00", True)
    status, visit = await olga("PATCH", f"/api/v1/visits/{visit['id']}", {"advisor": "陈工"})
    assert status == 200 and visit["advisor"] == "陈工"
    status, visit = await olga("POST", f"/api/v1/visits/{visit['id']}/close")
    assert status == 200 and (visit["status"], visit["editable"]) == ("completed", False)
    status, answer = await olga("PATCH", f"/api/v1/visits/{visit['id']}", {"notes": "补记"})
    assert status == 409 and "Corrections are new entries" in answer["error"]["message"]
    correction = {**body, "corrects_visit_id": visit["id"], "notes": "少收了打蜡", "close": True}
    status, fix = await olga("POST", "/api/v1/visits", correction)
    assert status == 201 and fix["corrects_visit_id"] == visit["id"]
    status, original = await olga("GET", f"/api/v1/visits/{visit['id']}")
    assert original["corrected_by"] == [fix["id"]]
    status, listed = await olga("GET", f"/api/v1/visits?vehicle={vehicle_id}&per_page=1")
    assert (listed["total"], listed["pages"], len(listed["items"])) == (2, 2, 1)
    status, queue = await olga("GET", "/api/v1/follow-ups?status=open")
    assert [f["visit_id"] for f in queue["items"]] == [visit["id"], fix["id"]], (
        "one follow-up per closed visit"
    )


async def test_closing_a_visit_below_the_vehicles_reading_is_refused(
    site: Site, anon: Browser, people: dict[str, Api]
) -> None:
    """A demo car (45200 km at its last visit): a visit closed at 40000 km is refused with a 422 on
    ``mileage_km`` that names the vehicle's reading, in the user's language; nothing changes."""
    services = site.services
    branch = (await site.accounts.branches.default_branch()).id
    await seed_demo(services.db, services.normaliser, branch, count=0, today=services.crm.today())
    olga = people["olga"]
    status, cars = await olga("GET", "/api/v1/vehicles?brand=大众")
    [car] = [c for c in cars["items"] if c["plate"] == "粤A12345"]
    status, visit = await olga("POST", "/api/v1/visits", {"vehicle_id": car["id"], "mileage_km": 40000})
    assert status == 201, visit
    secret = (await site.token(await site.user("lin", Role.OPERATOR)))[0]
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "zh-CN"}
    response = await anon.client.post(f"/api/v1/visits/{visit['id']}/close", headers=headers)
    answer = (await response.json())["error"]
    assert (response.status, answer["field"]) == (422, "mileage_km")
    assert "40000 公里少于车辆" in answer["message"] and "45200 公里" in answer["message"], answer
    status, answer = await olga("POST", f"/api/v1/visits/{visit['id']}/close")
    assert (status, answer["error"]["field"]) == (422, "mileage_km")
    assert "less than the vehicle's reading" in answer["error"]["message"]
    status, car = await olga("GET", f"/api/v1/vehicles/{car['id']}")
    assert car["mileage_km"] == 45200
    status, visit = await olga("GET", f"/api/v1/visits/{visit['id']}")
    assert visit["status"] == "open"


async def test_follow_up_transitions(people: dict[str, Api]) -> None:
    olga = people["olga"]
    status, customer = await olga("POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    new = {"customer_id": customer["id"], "kind": "complaint", "category": "服务态度", "due_on": "2026-04-01"}
    for blank in ({}, {"content": ""}, {"content": " \n\u3000\t"}):
        status, answer = await olga("POST", "/api/v1/follow-ups", {**new, **blank})
        assert (status, answer["error"]["field"]) == (422, "content"), blank
    status, listed = await olga("GET", "/api/v1/follow-ups")
    assert listed["total"] == 0, "nothing was written"
    status, complaint = await olga("POST", "/api/v1/follow-ups", {**new, "content": "等了两个小时"})
    assert status == 201 and complaint["next_statuses"] == ["in_progress", "resolved"]
    path = f"/api/v1/follow-ups/{complaint['id']}"
    status, answer = await olga("PATCH", path, {"content": "  "})
    assert (status, answer["error"]["field"]) == (422, "content")
    status, answer = await olga("PATCH", path, {"status": "closed"})
    assert (status, answer["error"]["code"]) == (409, "conflict")
    status, answer = await olga("PATCH", path, {"status": "resolved"})
    assert (status, answer["error"]["field"]) == (422, "result")
    status, done = await olga("PATCH", path, {"status": "resolved", "result": "已道歉"})
    assert status == 200 and done["next_statuses"] == ["closed", "in_progress"]
    status, listed = await olga(
        "GET", "/api/v1/follow-ups?kind=complaint&due_to=2026-04-01&due_from=2026-03-01"
    )
    assert [f["id"] for f in listed["items"]] == [complaint["id"]]
    status, answer = await olga("GET", "/api/v1/follow-ups?due_from=2026-04-02&due_to=2026-04-01")
    assert (status, answer["error"]["field"]) == (422, "due_to")


async def test_customer_lists_page_and_filter(people: dict[str, Api]) -> None:
    olga = people["olga"]
    for i in range(5):
        body = {"name": f"客户{i}", "phones": [f"1380013800{i}"], "level": "VIP" if i < 2 else ""}
        assert (await olga("POST", "/api/v1/customers", body))[0] == 201
    status, page = await olga("GET", "/api/v1/customers?per_page=2&page=3")
    assert (status, page["total"], page["pages"], [c["name"] for c in page["items"]]) == (
        200,
        5,
        3,
        ["客户4"],
    )
    status, vip = await olga("GET", "/api/v1/customers?level=VIP&kind=person")
    assert vip["total"] == 2
    status, answer = await olga("GET", "/api/v1/customers?per_page=500")
    assert (status, answer["error"]["field"]) == (422, "per_page")


async def test_the_customer_list_filters_in_pinyin_order_and_keeps_the_filters(
    people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    olga = people["olga"]
    for i, (name, tags) in enumerate([("张三", ["车队"]), ("李四", ["车队"]), ("王五", [])]):
        assert (
            await olga(
                "POST", "/api/v1/customers", {"name": name, "phones": [f"1380013800{i}"], "tags": tags}
            )
        )[0] == 201
    status, page = await olga("GET", "/api/v1/customers?tag=车队")
    assert (status, [c["name"] for c in page["items"]]) == (200, ["李四", "张三"])
    status, answer = await olga("GET", "/api/v1/customers?due=insurance&within=400")
    assert (status, answer["error"]["field"]) == (422, "within")
    as_operator = await new_browser()
    assert (await as_operator.login("olga")).status == 303
    response = await as_operator.get("/customers?tag=车队&per_page=1&page=1")
    html = await response.text()
    assert response.status == 200 and "李四" in html and "张三" not in html
    assert 'name="tag" maxlength="40" value="车队"' in html and 'id="clear-filters"' in html
    assert "tag=%E8%BD%A6%E9%98%9F" in html and "page=2" in html, "the pager keeps the filter"
    assert (await as_operator.get("/customers?visited_after=2026-13-01")).status == 422


async def test_a_lunar_birthday_is_kept_shown_and_changed(
    people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    """农历生日: the flag is a field of its own (created, changed, in the history); the customer page shows
    the lunar day (中秋 1990: 八月十五) and the card's due birthday is the lunar one."""
    olga = people["olga"]
    body = {"name": "李中秋", "phones": ["13800138009"], "birthday": "1990-10-03", "birthday_lunar": True}
    status, created = await olga("POST", "/api/v1/customers", body)
    assert status == 201, created
    assert created["birthday_lunar"] is True
    path = f"/api/v1/customers/{created['id']}"
    status, answer = await olga("PATCH", path, {"birthday_lunar": "maybe"})
    assert status == 422 and answer["error"]["field"] == "birthday_lunar"
    browser = await new_browser()
    await browser.login("olga")
    page = await (await browser.get(f"/customers/{created['id']}")).text()
    assert '<span class="lunar">' in page and "八月十五" in page.split('class="lunar"')[1].split("</span>")[0]
    assert 'name="birthday_lunar" data-as="bool" checked' in page
    status, changed = await olga("PATCH", path, {"birthday_lunar": False})
    assert status == 200 and changed["birthday_lunar"] is False
    page = await (await browser.get(f"/customers/{created['id']}")).text()
    assert '<span class="lunar">' not in page
    status, history = await olga("GET", path + "/history")
    lines = {
        (h["field"], h["before"], h["after"]) for h in history["items"] if h["action"] == "customer.update"
    }
    assert lines == {("birthday_lunar", True, False)}


async def test_an_email_address_is_kept_checked_shown_and_cleared(
    people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    """The e-mail address (the reminders' e-mail channel): created, read back cleaned, refused in words
    naming the field, shown on the customer page and in its edit form, cleared with null."""
    olga = people["olga"]
    body = {"name": "王邮箱", "phones": ["13800138010"], "email": " Wang.Wei@QQ.com "}
    status, created = await olga("POST", "/api/v1/customers", body)
    assert status == 201, created
    assert created["email"] == "Wang.Wei@qq.com"
    path = f"/api/v1/customers/{created['id']}"
    status, got = await olga("GET", path)
    assert status == 200 and got["email"] == "Wang.Wei@qq.com"
    for bad in ("wang", "wang@163", "王@163.com", 12):
        status, answer = await olga("PATCH", path, {"email": bad})
        assert status == 422 and answer["error"]["field"] == "email", bad
        assert "email" in answer["error"]["message"], answer
    status, answer = await olga("POST", "/api/v1/customers", {"name": "坏地址", "email": "x@"})
    assert status == 422 and answer["error"]["field"] == "email"
    browser = await new_browser()
    await browser.login("olga")
    page = await (await browser.get(f"/customers/{created['id']}")).text()
    assert '<a href="mailto:Wang.Wei@qq.com">' in page
    assert 'name="email" type="email"' in page and 'value="Wang.Wei@qq.com"' in page
    status, changed = await olga("PATCH", path, {"email": None})
    assert status == 200 and changed["email"] is None
    page = await (await browser.get(f"/customers/{created['id']}")).text()
    assert "mailto:" not in page
