"""The reminders API (/api/v1/reminders): the worklist within the user's branch, a customer's history, and
what came of working an item (PATCH: outcome, note, snooze, call back), audited and kept as events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from ctid.accounts.models import Role
from ctid.accounts.tables import users
from ctid.audit.models import AuditFilter
from ctid.crm.tables import follow_ups, visits
from tests.reminders.support import NOW, add_customer, add_items, add_vehicle, item_row
from tests.support.site import Site
from tests.web.support import Api


async def _shop(site: Site) -> dict[str, Any]:
    """Two customers of the default branch (one with two items today, one overdue) and one of "east"."""
    db = site.services.db
    today = site.services.reminders.worklist.today()
    home = (await site.accounts.branches.default_branch()).id
    east = next(b.id for b in await site.accounts.branches.list_branches() if b.code == "east")
    wang = await add_customer(db, home, "王伟")
    car = await add_vehicle(db, home, "粤A12345")
    li = await add_customer(db, home, "李娜")
    zhao = await add_customer(db, east, "赵六")
    await add_items(
        db,
        item_row(home, wang, car, "insurance", today + timedelta(days=30), contact_on=today),
        item_row(home, wang, car, "inspection", today + timedelta(days=20), contact_on=today),
        item_row(home, li, None, "birthday", today + timedelta(days=1), contact_on=today - timedelta(days=2)),
        item_row(east, zhao, None, "birthday", today + timedelta(days=3), contact_on=today),
        item_row(
            home, li, None, "insurance", today + timedelta(days=60), contact_on=today + timedelta(days=5)
        ),
    )
    return {"today": today, "wang": wang, "li": li, "zhao": zhao, "car": car, "home": home, "east": east}


def _names(body: Any) -> list[tuple[str, str]]:
    return [(item["customer_name"], item["type"]) for item in body["items"]]


async def test_the_worklist_is_today_and_overdue_in_the_users_branch(
    people: dict[str, Api], site: Site
) -> None:
    shop = await _shop(site)
    status, body = await people["olga"]("GET", "/api/v1/reminders")
    assert status == 200, body
    assert _names(body) == [("李娜", "birthday"), ("王伟", "insurance"), ("王伟", "inspection")] or _names(
        body
    ) == [("李娜", "birthday"), ("王伟", "inspection"), ("王伟", "insurance")]
    assert body["total"] == 3
    first = body["items"][0]
    assert first["status"] == "open" and first["contact_on"] == str(shop["today"] - timedelta(days=2))
    wang_items = [item for item in body["items"] if item["customer_id"] == shop["wang"]]
    assert len({item["contact_key"] for item in wang_items}) == 1, "one contact: one call about both"
    assert wang_items[0]["plate"] == "粤A12345"
    _, east = await people["erin"]("GET", "/api/v1/reminders")
    assert _names(east) == [("赵六", "birthday")]
    _, every = await people["boss"]("GET", "/api/v1/reminders")
    assert every["total"] == 4
    _, later = await people["olga"]("GET", f"/api/v1/reminders?date={shop['today'] + timedelta(days=5)}")
    assert later["total"] == 4
    _, births = await people["olga"]("GET", "/api/v1/reminders?type=birthday")
    assert _names(births) == [("李娜", "birthday")]


async def test_another_branchs_item_or_customer_is_404(people: dict[str, Api], site: Site) -> None:
    shop = await _shop(site)
    _, body = await people["erin"]("GET", "/api/v1/reminders")
    theirs = body["items"][0]["id"]
    for method, path, sent in [
        ("GET", f"/api/v1/reminders/{theirs}", None),
        ("PATCH", f"/api/v1/reminders/{theirs}", {"note": "x"}),
        ("GET", f"/api/v1/reminders?customer={shop['zhao']}", None),
    ]:
        status, answer = await people["olga"](method, path, sent)
        assert status == 404, (path, answer)
    status, _ = await people["olga"]("GET", "/api/v1/reminders/999999")
    assert status == 404


async def test_an_outcome_closes_the_item_and_is_the_customers_history(
    people: dict[str, Api], site: Site
) -> None:
    shop = await _shop(site)
    olga = people["olga"]
    _, body = await olga("GET", "/api/v1/reminders?type=insurance")
    item = body["items"][0]
    status, done = await olga(
        "PATCH",
        f"/api/v1/reminders/{item['id']}",
        {"outcome": "booked", "note": "周六上午", "appointment_id": 7},
    )
    assert status == 200, done
    assert (done["status"], done["outcome"], done["note"], done["appointment_id"]) == (
        "done",
        "booked",
        "周六上午",
        7,
    )
    status, again = await olga("PATCH", f"/api/v1/reminders/{item['id']}", {"outcome": "declined"})
    assert status == 409, again
    status, noted = await olga("PATCH", f"/api/v1/reminders/{item['id']}", {"note": "已确认"})
    assert status == 200 and noted["note"] == "已确认" and noted["outcome"] == "booked"
    _, history = await olga("GET", f"/api/v1/reminders?customer={shop['wang']}")
    assert len(history["items"]) == 2
    events = history["events"]
    assert [(e["outcome"], e["note"], e["user_name"]) for e in events] == [
        (None, "已确认", "olga"),
        ("booked", "周六上午", "olga"),
    ]
    assert events[1]["appointment_id"] == 7 and events[1]["type"] == "insurance"
    audit = (await site.services.audit.search(AuditFilter(entity_type="reminder"))).items
    assert [e.action for e in audit] == ["reminder.update", "reminder.update"]
    assert audit[-1].after == {"outcome": "booked", "status": "done", "note": "周六上午", "appointment_id": 7}


async def test_no_answer_comes_back_and_a_snooze_leaves_the_list(people: dict[str, Api], site: Site) -> None:
    shop = await _shop(site)
    olga = people["olga"]
    _, body = await olga("GET", "/api/v1/reminders?type=insurance")
    first = body["items"][0]
    _, missed = await olga("PATCH", f"/api/v1/reminders/{first['id']}", {"outcome": "no_answer"})
    back = str(shop["today"] + timedelta(days=2))  # insurance: again two days later, three tries
    assert (missed["status"], missed["attempts"], missed["contact_on"]) == ("open", 1, back)
    assert missed["contact_key"] == f"{first['customer_id']}:{back}"
    _, body = await olga("GET", "/api/v1/reminders?type=birthday")
    once = body["items"][0]
    _, tried = await olga("PATCH", f"/api/v1/reminders/{once['id']}", {"outcome": "no_answer"})
    assert (tried["status"], tried["outcome"]) == ("done", "no_answer"), "a birthday is tried once"
    _, body = await olga("GET", "/api/v1/reminders?type=inspection")
    second = body["items"][0]
    snooze = str(shop["today"] + timedelta(days=3))
    _, snoozed = await olga("PATCH", f"/api/v1/reminders/{second['id']}", {"snoozed_until": snooze})
    assert (snoozed["status"], snoozed["snoozed_until"], snoozed["contact_on"]) == ("snoozed", snooze, snooze)
    _, now = await olga("GET", "/api/v1/reminders")
    assert now["total"] == 0
    _, asleep = await olga("GET", "/api/v1/reminders?status=snoozed&date=" + snooze)
    assert [item["id"] for item in asleep["items"]] == [second["id"]]


async def test_call_back_at_a_time_in_site_time(people: dict[str, Api], site: Site) -> None:
    shop = await _shop(site)
    olga = people["olga"]
    _, body = await olga("GET", "/api/v1/reminders")
    item = body["items"][0]
    day = shop["today"] + timedelta(days=2)
    sent = {"outcome": "call_back", "call_back_at": f"{day}T15:30", "note": "下午再打"}
    status, back = await olga("PATCH", f"/api/v1/reminders/{item['id']}", sent)
    assert status == 200, back
    assert back["status"] == "open" and back["contact_on"] == str(day)
    assert back["call_back_at"] == f"{day}T07:30:00+00:00"  # Asia/Shanghai


async def test_bad_changes_are_refused_by_name(people: dict[str, Api], site: Site) -> None:
    shop = await _shop(site)
    olga = people["olga"]
    _, body = await olga("GET", "/api/v1/reminders")
    path = f"/api/v1/reminders/{body['items'][0]['id']}"
    today = shop["today"]
    for sent, field in [
        ({}, "body"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "call_back"}, "call_back_at"),
        ({"call_back_at": f"{today}T10:00"}, "outcome"),
        ({"outcome": "reached", "appointment_id": 3}, "appointment_id"),
        ({"snoozed_until": str(today)}, "snoozed_until"),
        ({"snoozed_until": "tomorrow"}, "snoozed_until"),
        ({"snoozed_until": str(today + timedelta(days=2)), "outcome": "reached"}, "snoozed_until"),
        ({"outcome": "call_back", "call_back_at": "15:30"}, "call_back_at"),
        ({"note": "x" * 2001}, "note"),
        ({"notes": "x"}, "notes"),
        ({"assignee_id": "abc"}, "assignee_id"),
    ]:
        status, answer = await olga("PATCH", path, sent)
        assert (status, answer["error"].get("field")) == (422, field), (sent, answer)
    for query, field in [("date=12/07", "date"), ("type=tax", "type"), ("assignee=someone", "assignee")]:
        status, answer = await olga("GET", f"/api/v1/reminders?{query}")
        assert (status, answer["error"].get("field")) == (422, field), (query, answer)


async def test_taking_an_item_and_giving_it_to_others(people: dict[str, Api], site: Site) -> None:
    await _shop(site)
    olga, sam = people["olga"], people["sam"]
    _, body = await olga("GET", "/api/v1/reminders")
    path = f"/api/v1/reminders/{body['items'][0]['id']}"
    olga_id = (await site.accounts.users.user_by_name("olga")).id
    sam_id = (await site.accounts.users.user_by_name("sam")).id
    status, taken = await olga("PATCH", path, {"assignee_id": olga_id})
    assert status == 200 and taken["assignee_id"] == olga_id
    _, mine = await olga("GET", "/api/v1/reminders?assignee=me")
    assert [item["id"] for item in mine["items"]] == [taken["id"]]
    _, pool = await olga("GET", "/api/v1/reminders?assignee=none")
    assert pool["total"] == 2
    status, _ = await olga("PATCH", path, {"assignee_id": sam_id})
    assert status == 403, "giving an item to another is a supervisor's"
    status, given = await sam("PATCH", path, {"assignee_id": sam_id})
    assert status == 200 and given["assignee_id"] == sam_id
    status, back = await sam("PATCH", path, {"assignee_id": None})
    assert status == 200 and back["assignee_id"] is None


async def test_the_button_builds_the_day_for_supervisors_only(people: dict[str, Api], site: Site) -> None:
    for name in ("olga", "erin"):
        status, _ = await people[name]("POST", "/api/v1/reminders/run", {})
        assert status == 403, name
    status, built = await people["sam"]("POST", "/api/v1/reminders/run", {"date": "2026-12-07"})
    assert status == 200, built
    assert built["day"] == "2026-12-07" and built["days"] == ["2026-12-07"] and built["added"] == 0
    status, answer = await people["boss"]("POST", "/api/v1/reminders/run", {"date": "someday"})
    assert (status, answer["error"]["field"]) == (422, "date")
    status, answer = await people["boss"]("POST", "/api/v1/reminders/run", {"day": "2026-12-07"})
    assert (status, answer["error"]["field"]) == (422, "day")
    audit = (await site.services.audit.search(AuditFilter(action="reminder.build"))).items
    assert [(e.actor_name, e.entity_id) for e in audit] == [("sam", "2026-12-07")]


async def test_a_missed_appointment_is_a_reminder_for_its_advisor(people: dict[str, Api], site: Site) -> None:
    olga = people["olga"]
    adam = await site.user("adam", Role.ADVISOR)
    status, customer = await olga("POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    assert status == 201, customer
    day = (site.services.reminders.worklist.today() + timedelta(days=1)).isoformat()
    body = {
        "customer_id": customer["id"],
        "day": day,
        "slot": "09:30",
        "service": "首保",
        "advisor_id": adam.id,
    }
    status, made = await olga("POST", "/api/v1/appointments", body)
    assert status == 201, made
    for _ in range(2):  # marked twice (missed, arrived after all, missed): one reminder
        status, marked = await olga("PATCH", f"/api/v1/appointments/{made['id']}", {"status": "no_show"})
        assert status in (200, 409), marked
    _, history = await olga("GET", f"/api/v1/reminders?customer={customer['id']}")
    assert [(i["type"], i["subject"], i["assignee_id"], i["status"]) for i in history["items"]] == [
        ("no_show", f"appointment:{made['id']}", adam.id, "open")
    ]
    assert history["items"][0]["due_on"] == day


async def test_a_merged_customers_reminders_and_history_move_to_the_one_kept(
    people: dict[str, Api], site: Site
) -> None:
    olga, sam = people["olga"], people["sam"]
    made = []
    for name, phone in (("张伟", "13800138000"), ("张 伟", "13900139000")):
        status, customer = await olga("POST", "/api/v1/customers", {"name": name, "phones": [phone]})
        assert status == 201, customer
        made.append(customer["id"])
    kept, other = made
    home = (await site.accounts.branches.default_branch()).id
    today = site.services.reminders.worklist.today()
    await add_items(site.services.db, item_row(home, other, None, "birthday", today, contact_on=today))
    _, body = await olga("GET", f"/api/v1/reminders?customer={other}")
    item = body["items"][0]["id"]
    await olga("PATCH", f"/api/v1/reminders/{item}", {"note": "生日快乐"})
    status, _ = await sam("POST", f"/api/v1/customers/{kept}/merge", {"other_id": other})
    assert status == 200
    _, history = await olga("GET", f"/api/v1/reminders?customer={kept}")
    assert [(i["id"], i["contact_key"]) for i in history["items"]] == [(item, f"{kept}:{today}")]
    assert [e["note"] for e in history["events"]] == ["生日快乐"]


async def test_a_follow_up_item_spoken_to_resolves_the_crms_call(people: dict[str, Api], site: Site) -> None:
    """The call after a visit is one call: reached on the worklist, the CRM's follow-up after that visit
    is resolved with the note, by whoever made it; no answer leaves it open; a scheduled call likewise."""
    shop = await _shop(site)
    db = site.services.db
    today = shop["today"]
    async with db.begin() as conn:
        visit = (
            await conn.execute(
                insert(visits)
                .values(vehicle_id=shop["car"], customer_id=shop["wang"], visited_on=today)
                .returning(visits.c.id)
            )
        ).scalar_one()
        base = {"customer_id": shop["wang"], "kind": "follow_up", "due_on": today, "created_at": NOW,
                "updated_at": NOW}  # fmt: skip
        after_visit = (
            await conn.execute(
                insert(follow_ups).values({**base, "visit_id": visit}).returning(follow_ups.c.id)
            )
        ).scalar_one()
        scheduled = (
            await conn.execute(insert(follow_ups).values(base).returning(follow_ups.c.id))
        ).scalar_one()
    await add_items(
        db,
        item_row(shop["home"], shop["wang"], None, "visit_follow_up", today, subject=f"visit:{visit}"),
        item_row(shop["home"], shop["li"], None, "visit_follow_up", today, subject=f"follow_up:{scheduled}"),
    )
    olga = people["olga"]
    _, body = await olga("GET", "/api/v1/reminders?type=visit_follow_up")
    by_subject = {item["subject"]: item["id"] for item in body["items"]}
    status, _ = await olga(
        "PATCH", f"/api/v1/reminders/{by_subject[f'follow_up:{scheduled}']}", {"outcome": "no_answer"}
    )
    assert status == 200
    status, _ = await olga(
        "PATCH", f"/api/v1/reminders/{by_subject[f'visit:{visit}']}", {"outcome": "reached", "note": "满意"}
    )
    assert status == 200
    async with db.connect() as conn:
        rows = {
            row.id: (row.status, row.result, row.handler_id)
            for row in await conn.execute(
                select(follow_ups).where(follow_ups.c.id.in_([after_visit, scheduled]))
            )
        }
        olga_id = await conn.scalar(select(users.c.id).where(users.c.username == "olga"))
    assert rows == {after_visit: ("resolved", "满意", olga_id), scheduled: ("open", "", None)}
    audit = (await site.services.audit.search(AuditFilter(entity_type="follow_up"))).items
    assert [e.action for e in audit] == ["follow_up.update"]
