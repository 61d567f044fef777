"""Service appointments over HTTP (/api/v1/appointments): booked with a customer's car and an advisor,
refused in words when the slot is full, moved and marked along the statuses, audited, behind the branch
walls; bad fields are 422 naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ctid.accounts.models import Role
from ctid.audit.models import AuditFilter
from tests.support.site import Site
from tests.web.support import Api


async def _customer_with_car(
    api: Api, name: str = "张伟", plate: str = "粤A12345", phone: str = "13800138000"
) -> tuple[int, int]:
    status, customer = await api("POST", "/api/v1/customers", {"name": name, "phones": [phone]})
    assert status == 201, customer
    links = [{"customer_id": customer["id"], "role": "owner"}]
    status, car = await api("POST", "/api/v1/vehicles", {"plate": plate, "customers": links})
    assert status == 201, car
    return int(customer["id"]), int(car["id"])


def _day(site: Site, days: int = 1) -> str:
    return (site.services.appointments.today() + timedelta(days=days)).isoformat()


async def test_an_appointment_is_booked_listed_and_read(site: Site, people: dict[str, Api]) -> None:
    olga = people["olga"]
    adam = await site.user("adam", Role.ADVISOR)
    customer, car = await _customer_with_car(olga)
    day = _day(site)
    body = {
        "customer_id": customer, "vehicle_id": car, "day": day, "slot": "09:30", "service": "首保",
        "advisor_id": adam.id, "note": "客户要等车", "source": "pop",
    }  # fmt: skip
    status, made = await olga("POST", "/api/v1/appointments", body)
    assert status == 201, made
    assert (made["day"], made["slot"], made["plate"], made["service"], made["status"]) == (
        day, "09:30", "粤A12345", "首保", "booked",
    )  # fmt: skip
    assert (made["advisor_name"], made["customer_name"], made["source"]) == ("Adam", "张伟", "pop")
    assert made["next_statuses"] == ["arrived", "cancelled", "no_show"]
    status, got = await olga("GET", f"/api/v1/appointments/{made['id']}")
    assert status == 200 and got == made
    status, listed = await olga("GET", f"/api/v1/appointments?from={day}&to={day}&advisor={adam.id}")
    assert status == 200 and [a["id"] for a in listed["items"]] == [made["id"]] and listed["total"] == 1
    status, listed = await olga("GET", f"/api/v1/appointments?customer={customer}&status=cancelled")
    assert status == 200 and listed["items"] == []
    entries = (await site.services.audit.search(AuditFilter(entity_type="appointment"))).items
    assert [(e.action, e.after and e.after["slot"]) for e in entries] == [("appointment.create", "09:30")]


async def test_a_full_slot_is_refused_in_words_and_another_advisor_has_room(
    site: Site, people: dict[str, Api]
) -> None:
    olga = people["olga"]
    adam, bea = await site.user("adam", Role.ADVISOR), await site.user("bea", Role.ADVISOR)
    customer, _car = await _customer_with_car(olga)
    day = _day(site, 2)
    new = {"customer_id": customer, "day": day, "slot": "10:00", "service": "保养", "advisor_id": adam.id}
    for _ in range(2):  # two cars a slot by default
        status, _made = await olga("POST", "/api/v1/appointments", new)
        assert status == 201
    status, answer = await olga("POST", "/api/v1/appointments", new)
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (409, "slot_full", "slot")
    assert answer["error"]["message"] == f"Adam's 10:00 slot on {day} is full (2 cars). Choose another time."
    status, slots = await olga("GET", f"/api/v1/appointments/slots?day={day}&advisor={adam.id}")
    free = {s["slot"]: s["free"] for s in slots["items"]}
    assert status == 200 and free["10:00"] == 0 and free["10:30"] == 2 and len(free) == 18
    assert slots["items"][0] == {"slot": "08:30", "ends": "09:00", "free": 2}
    status, _made = await olga("POST", "/api/v1/appointments", {**new, "advisor_id": bea.id})
    assert status == 201
    status, listed = await olga("GET", "/api/v1/appointments/advisors")
    assert status == 200 and listed["items"] == [
        {"id": adam.id, "name": "Adam"},
        {"id": bea.id, "name": "Bea"},
    ]


async def test_moved_marked_and_a_cancelled_one_frees_its_place(site: Site, people: dict[str, Api]) -> None:
    olga = people["olga"]
    adam = await site.user("adam", Role.ADVISOR)
    customer, _car = await _customer_with_car(olga)
    day = _day(site)
    new = {"customer_id": customer, "day": day, "slot": "11:00", "service": "保养", "advisor_id": adam.id}
    first = (await olga("POST", "/api/v1/appointments", new))[1]
    second = (await olga("POST", "/api/v1/appointments", {**new, "slot": "11:30"}))[1]
    await olga("POST", "/api/v1/appointments", {**new, "slot": "11:30"})
    status, answer = await olga("PATCH", f"/api/v1/appointments/{first['id']}", {"slot": "11:30"})
    assert (status, answer["error"]["code"]) == (409, "slot_full")
    status, cancelled = await olga("PATCH", f"/api/v1/appointments/{second['id']}", {"status": "cancelled"})
    assert status == 200 and cancelled["status"] == "cancelled" and cancelled["next_statuses"] == []
    status, moved = await olga(
        "PATCH", f"/api/v1/appointments/{first['id']}", {"slot": "11:30", "note": "晚到"}
    )
    assert status == 200 and (moved["slot"], moved["note"]) == ("11:30", "晚到")
    status, answer = await olga("PATCH", f"/api/v1/appointments/{second['id']}", {"status": "booked"})
    assert (status, answer["error"]["code"]) == (409, "conflict")
    path = f"/api/v1/appointments/{first['id']}"
    for step in ("arrived", "done"):
        status, marked = await olga("PATCH", path, {"status": step})
        assert status == 200 and marked["status"] == step
    status, answer = await olga("PATCH", path, {"day": _day(site, 3)})
    assert (status, answer["error"]["code"]) == (409, "conflict"), "a done one stays where it was"
    entries = (await site.services.audit.search(AuditFilter(entity_type="appointment"))).items
    changes = [
        e.after for e in entries if e.action == "appointment.update" and e.entity_id == str(first["id"])
    ]
    assert {"slot": "11:30", "note": "晚到"} in changes and {"status": "done"} in changes


async def test_branch_walls(site: Site, people: dict[str, Api]) -> None:
    olga, erin = people["olga"], people["erin"]
    customer, _car = await _customer_with_car(olga)
    east_customer, _east_car = await _customer_with_car(erin, "李娜", "粤B54321")
    day = _day(site)
    new = {"customer_id": customer, "day": day, "slot": "09:00", "service": "洗车"}
    status, made = await olga("POST", "/api/v1/appointments", new)
    assert status == 201 and made["advisor_name"] == "Olga", "no advisor given: whoever books it"
    assert (await erin("GET", f"/api/v1/appointments/{made['id']}"))[0] == 404
    assert (await erin("PATCH", f"/api/v1/appointments/{made['id']}", {"status": "cancelled"}))[0] == 404
    status, listed = await erin("GET", "/api/v1/appointments")
    assert status == 200 and listed["items"] == []
    status, answer = await erin("POST", "/api/v1/appointments", new)
    assert (status, answer["error"]["field"]) == (422, "customer_id")
    east = {**new, "customer_id": east_customer, "advisor_id": made["advisor_id"]}
    status, answer = await erin("POST", "/api/v1/appointments", east)
    assert (status, answer["error"]["field"]) == (422, "advisor_id"), "an advisor of another branch"
    status, listed = await people["boss"]("GET", "/api/v1/appointments")
    assert status == 200 and listed["total"] == 1


async def test_bad_fields_are_named(site: Site, people: dict[str, Api]) -> None:
    olga = people["olga"]
    customer, car = await _customer_with_car(olga)
    _other, other_car = await _customer_with_car(olga, "王芳", "粤A99999", "13900139000")
    good: dict[str, Any] = {"customer_id": customer, "day": _day(site), "slot": "09:00", "service": "洗车"}
    yesterday = _day(site, -1)
    for change, field in [
        ({"slot": "09:10"}, "slot"),
        ({"slot": "18:00"}, "slot"),
        ({"slot": "9 点"}, "slot"),
        ({"day": yesterday}, "day"),
        ({"day": "2026-02-30"}, "day"),
        ({"day": None}, "day"),
        ({"service": ""}, "service"),
        ({"service": "长" * 101}, "service"),
        ({"vehicle_id": other_car}, "vehicle_id"),
        ({"service_item_id": 99999}, "service_item_id"),
        ({"advisor_id": 99999}, "advisor_id"),
        ({"customer_id": 99999}, "customer_id"),
        ({"source": "fax"}, "source"),
        ({"colour": "red"}, "colour"),
    ]:
        status, answer = await olga("POST", "/api/v1/appointments", {**good, **change})
        assert (status, answer["error"].get("field")) == (422, field), (change, answer)
    status, made = await olga("POST", "/api/v1/appointments", {**good, "vehicle_id": car})
    assert status == 201
    status, answer = await olga("PATCH", f"/api/v1/appointments/{made['id']}", {"status": "gone"})
    assert (status, answer["error"]["field"]) == (422, "status")
    assert (await olga("GET", "/api/v1/appointments/99999"))[0] == 404
    status, answer = await olga("GET", f"/api/v1/appointments?from={_day(site, 2)}&to={_day(site)}")
    assert (status, answer["error"]["field"]) == (422, "to")
    status, answer = await olga("GET", "/api/v1/appointments/slots?day=2026-01-01&advisor=99999")
    assert (status, answer["error"]["field"]) == (422, "advisor")
    status, plain = await olga("GET", "/api/v1/appointments/slots?day=2026-01-01")
    assert status == 200 and plain["items"][0] == {"slot": "08:30", "ends": "09:00", "free": None}


async def test_a_merged_customers_appointments_move_to_the_one_kept(
    site: Site, people: dict[str, Api]
) -> None:
    olga, sam = people["olga"], people["sam"]
    kept, _car = await _customer_with_car(olga)
    other, _other_car = await _customer_with_car(olga, "张 伟", "粤A99999", "13900139000")
    new = {"customer_id": other, "day": _day(site), "slot": "09:00", "service": "洗车"}
    status, made = await olga("POST", "/api/v1/appointments", new)
    assert status == 201
    status, _merged = await sam("POST", f"/api/v1/customers/{kept}/merge", {"other_id": other})
    assert status == 200
    status, moved = await olga("GET", f"/api/v1/appointments/{made['id']}")
    assert status == 200 and (moved["customer_id"], moved["customer_name"]) == (kept, "张伟")


async def test_the_customer_reads_with_the_next_booked_appointment(
    site: Site, people: dict[str, Api]
) -> None:
    olga = people["olga"]
    customer, _car = await _customer_with_car(olga)
    path = f"/api/v1/customers/{customer}"
    assert (await olga("GET", path))[1]["next_appointment"] is None
    new = {"customer_id": customer, "slot": "10:00", "service": "首保"}
    later = (await olga("POST", "/api/v1/appointments", {**new, "day": _day(site, 5)}))[1]
    sooner = (await olga("POST", "/api/v1/appointments", {**new, "day": _day(site, 2)}))[1]
    status, body = await olga("GET", path)
    assert status == 200 and body["next_appointment"] == {
        "id": sooner["id"], "day": _day(site, 2), "slot": "10:00", "plate": "", "service": "首保",
        "advisor_name": "Olga", "status": "booked",
    }  # fmt: skip
    await olga("PATCH", f"/api/v1/appointments/{sooner['id']}", {"status": "cancelled"})
    assert (await olga("GET", path))[1]["next_appointment"]["id"] == later["id"]


async def test_confirm_sms_queues_the_confirmation_with_the_booking(
    site: Site, people: dict[str, Api]
) -> None:
    """``confirm_sms``: the appointment_confirm preset, filled with the time, advisor and plate, is in the
    outbox with the booking; without it none is; a customer without a mobile is booked and told why."""
    olga = people["olga"]
    adam = await site.user("adam", Role.ADVISOR)
    customer, car = await _customer_with_car(olga)
    day = site.services.appointments.today() + timedelta(days=1)
    body = {
        "customer_id": customer, "vehicle_id": car, "day": day.isoformat(), "slot": "09:30",
        "service": "首保", "advisor_id": adam.id, "confirm_sms": True,
    }  # fmt: skip
    status, made = await olga("POST", "/api/v1/appointments", body)
    assert status == 201, made
    assert made["confirmation"]["error"] is None
    status, sms = await olga("GET", f"/api/v1/sms?customer={customer}")
    assert status == 200 and [m["id"] for m in sms["items"]] == [made["confirmation"]["sms_id"]]
    [message] = sms["items"]
    assert message["template_key"] == "appointment_confirm" and message["purpose"] == "service"
    when = f"{day.month}月{day.day}日 09:30"
    assert when in message["text"] and "粤A12345" in message["text"] and "Adam" in message["text"]
    status, plain = await olga("POST", "/api/v1/appointments", {**body, "confirm_sms": False})
    assert status == 201 and "confirmation" not in plain
    assert (await olga("GET", f"/api/v1/sms?customer={customer}"))[1]["total"] == 1
    status, landline = await olga("POST", "/api/v1/customers", {"name": "座机", "phones": ["020-38001234"]})
    assert status == 201
    no_sms = {**body, "customer_id": landline["id"], "vehicle_id": None, "slot": "10:00"}
    status, booked = await olga("POST", "/api/v1/appointments", no_sms)
    assert status == 201 and booked["confirmation"] == {
        "sms_id": None,
        "error": "This customer has no mobile number.",
    }
    status, bad = await olga("POST", "/api/v1/appointments", {**body, "confirm_sms": "perhaps"})
    assert status == 422 and bad["error"]["field"] == "confirm_sms"


async def test_a_booking_and_its_confirmation_are_kept_or_lost_together(
    site: Site, people: dict[str, Api]
) -> None:
    """A booking refused (a full slot) queues no confirmation; a failure after the SMS was queued in the
    booking's transaction leaves neither the appointment nor the SMS."""
    olga = people["olga"]
    adam = await site.user("adam", Role.ADVISOR)
    customer, car = await _customer_with_car(olga)
    body = {
        "customer_id": customer, "vehicle_id": car, "day": _day(site), "slot": "14:00", "service": "保养",
        "advisor_id": adam.id, "confirm_sms": True,
    }  # fmt: skip
    for _ in range(2):
        assert (await olga("POST", "/api/v1/appointments", body))[0] == 201
    status, answer = await olga("POST", "/api/v1/appointments", body)
    assert (status, answer["error"]["code"]) == (409, "slot_full")
    assert (await olga("GET", f"/api/v1/sms?customer={customer}"))[1]["total"] == 2

    appointments = site.services.appointments
    real = appointments._confirms
    assert real is not None

    class Broken:
        async def __call__(self, conn: Any, actor: Any, appointment: Any) -> Any:
            await real(conn, actor, appointment)
            raise RuntimeError("the disk filled after the SMS was queued")

        def wake(self) -> None:
            raise AssertionError("nothing committed: nothing to wake for")

    appointments._confirms = Broken()
    try:
        status, _answer = await olga("POST", "/api/v1/appointments", {**body, "slot": "15:00"})
    finally:
        appointments._confirms = real
    assert status == 500
    status, listed = await olga("GET", f"/api/v1/appointments?customer={customer}")
    assert [a["slot"] for a in listed["items"]] == ["14:00", "14:00"]
    assert (await olga("GET", f"/api/v1/sms?customer={customer}"))[1]["total"] == 2
