"""The SMS API over HTTP: send to a customer's mobile or to a number, the history per customer and for the
shop with filters, branch walls (another branch's customer or message is 404), opt-outs and landlines
refused by name, a resend of an unknown message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from ctid.messaging.tables import sms_messages
from tests.support.site import Site
from tests.web.support import Api


async def _customer(api: Api, name: str = "张伟", phones: list[str] | None = None) -> dict[str, Any]:
    status, created = await api(
        "POST", "/api/v1/customers", {"name": name, "phones": phones or ["13800138000"]}
    )
    assert status == 201, created
    return created


async def test_an_sms_to_a_customer_goes_to_their_first_mobile(people: dict[str, Api], site: Site) -> None:
    olga = people["olga"]
    zhang = await _customer(olga, phones=["020-3888-6666", "139 0013 9000"])
    status, sent = await olga("POST", "/api/v1/sms", {"customer_id": zhang["id"], "text": "您的车已修好"})
    assert status == 201, sent
    assert (sent["number"], sent["number_local"], sent["status"]) == (
        "+8613900139000",
        "139 0013 9000",
        "queued",
    )
    assert (sent["customer_name"], sent["operator_name"], sent["purpose"]) == ("张伟", "Olga", "service")
    status, listed = await olga("GET", f"/api/v1/sms?customer={zhang['id']}")
    assert status == 200 and [m["id"] for m in listed["items"]] == [sent["id"]]
    status, got = await olga("GET", f"/api/v1/sms/{sent['id']}")
    assert status == 200 and got["text"] == "您的车已修好"


async def test_a_number_typed_in_and_the_shops_history_filters(people: dict[str, Api]) -> None:
    olga = people["olga"]
    status, first = await olga("POST", "/api/v1/sms", {"number": "13800138000", "text": "一"})
    assert status == 201 and first["customer_id"] is None
    await olga("POST", "/api/v1/sms", {"number": "13900139000", "text": "二", "purpose": "marketing"})
    _, every = await olga("GET", "/api/v1/sms")
    assert [m["text"] for m in every["items"]] == ["二", "一"]
    _, by_number = await olga("GET", "/api/v1/sms?number=138%200013%208000")
    assert [m["text"] for m in by_number["items"]] == ["一"]
    _, marketing = await olga("GET", "/api/v1/sms?purpose=marketing&status=queued")
    assert [m["text"] for m in marketing["items"]] == ["二"]


async def test_refusals_name_the_field(people: dict[str, Api]) -> None:
    olga = people["olga"]
    zhang = await _customer(olga, phones=["020-3888-6666"])
    cases = [
        ({"text": "x"}, "customer_id"),
        ({"number": "13800138000"}, "text"),
        ({"number": "13800138000", "text": "x", "template": "insurance"}, "text"),
        ({"number": "020-3888-6666", "text": "x"}, "number"),
        ({"number": "12345", "text": "x"}, "number"),
        ({"customer_id": zhang["id"], "text": "x"}, "customer_id"),  # a landline only
        ({"customer_id": zhang["id"], "number": "13800138000", "text": "x"}, "number"),  # not theirs
        ({"number": "13800138000", "text": "x", "purpose": "spam"}, "purpose"),
        ({"number": "13800138000", "text": "x", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        status, answer = await olga("POST", "/api/v1/sms", body)
        assert (status, answer["error"]["field"]) == (422, field), (body, answer)


async def test_opted_out_customers_and_numbers_get_no_sms(people: dict[str, Api]) -> None:
    olga = people["olga"]
    zhang = await _customer(olga)
    opt_out = {"opt_outs": [{"contact_type": "sms", "reason": "回复TD"}]}
    status, _ = await olga("PUT", f"/api/v1/customers/{zhang['id']}/opt-outs", opt_out)
    assert status == 200
    status, answer = await olga("POST", "/api/v1/sms", {"customer_id": zhang["id"], "text": "x"})
    assert (status, answer["error"]["code"]) == (409, "conflict")
    status, answer = await olga("POST", "/api/v1/sms", {"number": "+86 138 0013 8000", "text": "x"})
    assert status == 409, answer


async def test_another_branchs_customer_and_messages_are_not_found(people: dict[str, Api]) -> None:
    olga, erin, boss = people["olga"], people["erin"], people["boss"]
    zhang = await _customer(olga)
    _, sent = await olga("POST", "/api/v1/sms", {"customer_id": zhang["id"], "text": "x"})
    status, _ = await erin("POST", "/api/v1/sms", {"customer_id": zhang["id"], "text": "x"})
    assert status == 404
    assert (await erin("GET", f"/api/v1/sms/{sent['id']}"))[0] == 404
    assert (await erin("GET", f"/api/v1/sms?customer={zhang['id']}"))[0] == 404
    _, theirs = await erin("GET", "/api/v1/sms")
    assert theirs["total"] == 0
    _, everything = await boss("GET", "/api/v1/sms")
    assert everything["total"] == 1


async def test_an_unknown_message_is_resent_by_a_person(people: dict[str, Api], site: Site) -> None:
    olga = people["olga"]
    _, sent = await olga("POST", "/api/v1/sms", {"number": "13800138000", "text": "x"})
    path = f"/api/v1/sms/{sent['id']}/resend"
    status, _ = await olga("POST", path)
    assert status == 409, "a queued message is not resent"
    async with site.services.db.begin() as conn:
        await conn.execute(update(sms_messages).values(status="unknown"))
    status, again = await olga("POST", path)
    assert status == 200 and again["status"] == "queued"


async def test_a_template_is_filled_from_the_crm_and_the_values_given(people: dict[str, Api]) -> None:
    olga = people["olga"]
    zhang = await _customer(olga)
    car = {"plate": "粤A12345", "customers": [{"customer_id": zhang["id"], "role": "owner"}]}
    assert (await olga("POST", "/api/v1/vehicles", car))[0] == 201
    body = {"customer_id": zhang["id"], "template": "insurance", "values": {"due_date": "2026年12月31日"}}
    status, sent = await olga("POST", "/api/v1/sms", body)
    assert status == 201, sent
    assert sent["text"].startswith("尊敬的张伟：您的爱车粤A12345的保险将于2026年12月31日到期")
    assert (sent["template_key"], sent["purpose"], sent["topic"]) == ("insurance", "marketing", "insurance")
    assert sent["params"]["plate"] == "粤A12345"
    status, answer = await olga("POST", "/api/v1/sms", {"customer_id": zhang["id"], "template": "insurance"})
    assert (status, answer["error"]["field"]) == (422, "values") and "due_date" in answer["error"]["message"]
    status, answer = await olga("POST", "/api/v1/sms", {"number": "13800138000", "template": "nope"})
    assert (status, answer["error"]["field"]) == (422, "template")


async def test_the_preview_counts_length_encoding_and_parts(people: dict[str, Api]) -> None:
    olga = people["olga"]
    status, plain = await olga("POST", "/api/v1/sms/preview", {"text": "Your car is ready"})
    assert status == 200 and (plain["length"], plain["encoding"], plain["parts"]) == (17, "gsm7", 1)
    status, chinese = await olga("POST", "/api/v1/sms/preview", {"text": "您" * 71})
    assert (chinese["length"], chinese["encoding"], chinese["parts"]) == (71, "ucs2", 2)
    status, preset = await olga("POST", "/api/v1/sms/preview", {"template": "birthday"})
    assert status == 200 and preset["sampled"] == ["customer"] and "张先生" in preset["text"]
    status, answer = await olga(
        "POST", "/api/v1/sms/preview", {"template": "insurance", "values": {"x": "1"}}
    )
    assert status == 200, answer


async def test_a_template_being_written_is_previewed_filled_with_samples(people: dict[str, Api]) -> None:
    """The templates page previews a text not saved yet: placeholders from samples, the shop's own name."""
    olga = people["olga"]
    text = "尊敬的{customer}：{shop}提醒您，爱车{plate}" + "请" * 100
    status, found = await olga("POST", "/api/v1/sms/preview", {"template_text": text})
    assert status == 200, found
    assert found["text"].startswith("尊敬的张先生：") and "粤A12345" in found["text"]
    assert found["sampled"] == ["customer", "plate"] and found["parts"] == 2
    status, answer = await olga("POST", "/api/v1/sms/preview", {"template_text": "{mileage} km"})
    assert (status, answer["error"]["field"]) == (422, "template_text") and "mileage" in answer["error"][
        "message"
    ]
    status, answer = await olga("POST", "/api/v1/sms/preview", {"template_text": "x", "text": "y"})
    assert (status, answer["error"]["field"]) == (422, "template_text")


async def test_bulk_sms_to_a_search_skips_landlines_and_opt_outs(people: dict[str, Api]) -> None:
    olga, sam = people["olga"], people["sam"]
    await _customer(olga, "甲", ["13800138001"])
    await _customer(olga, "乙", ["020-3888-6666"])
    bing = await _customer(olga, "丙", ["13800138003"])
    await olga(
        "PUT", f"/api/v1/customers/{bing['id']}/opt-outs", {"opt_outs": [{"contact_type": "marketing"}]}
    )
    body: dict[str, Any] = {"search": {}, "text": "新春快乐"}
    status, _ = await olga("POST", "/api/v1/sms/bulk", body)
    assert status == 403, "operators send one at a time"
    status, looked = await sam("POST", "/api/v1/sms/bulk", body)
    assert status == 200, looked
    assert (looked["recipients"], looked["queued"], looked["sample"]) == (1, 0, "新春快乐")
    skipped = {s["name"]: (s["reason"], s["numbers"]) for s in looked["skipped"]}
    assert skipped == {"乙": ("no_mobile", [["020-3888-6666", "landline"]]), "丙": ("opted_out", [])}
    _, none_yet = await sam("GET", "/api/v1/sms")
    assert none_yet["total"] == 0
    status, sent = await sam("POST", "/api/v1/sms/bulk", {**body, "send": True})
    assert (status, sent["queued"]) == (200, 1)
    _, history = await sam("GET", "/api/v1/sms?purpose=marketing")
    assert [(m["customer_name"], m["text"]) for m in history["items"]] == [("甲", "新春快乐")]


async def test_admins_keep_the_templates(people: dict[str, Api], site: Site) -> None:
    olga, boss = people["olga"], people["boss"]
    status, listed = await olga("GET", "/api/v1/sms/templates")
    assert status == 200 and [t["key"] for t in listed["items"]][:2] == ["insurance", "inspection"]
    new = {"key": "washing", "name": "洗车", "text": "{customer}您好，洗车优惠", "reminder_type": "custom"}
    assert (await olga("POST", "/api/v1/sms/templates", new))[0] == 403
    status, made = await boss("POST", "/api/v1/sms/templates", new)
    assert status == 201 and (made["key"], made["auto_send"], made["active"]) == ("washing", False, True)
    status, answer = await boss("POST", "/api/v1/sms/templates", {**new, "key": "other", "text": "{mileage}"})
    assert (status, answer["error"]["field"]) == (422, "text") and "mileage" in answer["error"]["message"]
    assert (await boss("POST", "/api/v1/sms/templates", new))[0] == 409
    path = f"/api/v1/sms/templates/{made['id']}"
    status, changed = await boss("PATCH", path, {"auto_send": True, "lead_days": 3})
    assert status == 200 and (changed["auto_send"], changed["lead_days"]) == (True, 3)
    assert (await boss("PATCH", path, {"active": False}))[0] == 200
    _, active = await olga("GET", "/api/v1/sms/templates?active=true")
    assert "washing" not in [t["key"] for t in active["items"]]


async def test_a_merged_customers_sms_follow_the_one_kept(people: dict[str, Api]) -> None:
    olga, sam = people["olga"], people["sam"]
    kept = await _customer(olga, "张伟", ["13800138000"])
    other = await _customer(olga, "张伟伟", ["13900139000"])
    _, sent = await olga("POST", "/api/v1/sms", {"customer_id": other["id"], "text": "您好"})
    status, _ = await sam("POST", f"/api/v1/customers/{kept['id']}/merge", {"other_id": other["id"]})
    assert status == 200
    _, history = await sam("GET", f"/api/v1/sms?customer={kept['id']}")
    assert [(m["id"], m["customer_name"]) for m in history["items"]] == [(sent["id"], "张伟")]
