"""The letters page (/reminders/letters): the day's letter items as one letter a customer to print, the CSV
for a mail merge, and marking them posted (each item closed as sent, in the customer's history); the
branch walls as everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.reminders.support import add_customer, add_items, add_vehicle, item_row
from tests.support.site import Site
from tests.web.support import Api, Browser


async def _letters(site: Site) -> dict[str, Any]:
    db = site.services.db
    today = site.services.reminders.worklist.today()
    home = (await site.accounts.branches.default_branch()).id
    east = next(b.id for b in await site.accounts.branches.list_branches() if b.code == "east")
    wang = await add_customer(db, home, "王伟", address="广州市天河路1号")
    car = await add_vehicle(db, home, "粤A12345")
    li = await add_customer(db, home, "李娜")
    zhao = await add_customer(db, east, "赵六")
    due = today + timedelta(days=30)
    await add_items(
        db,
        item_row(home, wang, car, "insurance", due, channel="letter"),
        item_row(home, wang, car, "inspection", due, channel="letter"),
        item_row(home, li, None, "birthday", today + timedelta(days=1), channel="phone"),
        item_row(east, zhao, None, "birthday", today + timedelta(days=1), channel="letter"),
    )
    return {"today": today, "wang": wang, "zhao": zhao}


async def _items(api: Api, customer_id: int) -> list[dict[str, Any]]:
    status, body = await api("GET", f"/api/v1/reminders?customer={customer_id}")
    assert status == 200, body
    return list(body["items"])


async def test_one_letter_a_customer_printable_and_as_csv(
    people: dict[str, Api], site: Site, new_browser: Any
) -> None:
    await _letters(site)
    browser: Browser = await new_browser()
    assert (await browser.login("olga")).status == 303
    page = await browser.get("/reminders/letters")
    assert page.status == 200
    text = await page.text()
    assert text.count('<article class="letter"') == 1, "two items of one contact: one letter"
    assert "王伟" in text and "广州市天河路1号" in text and "赵六" not in text and "李娜" not in text
    assert "Test Motors" in text, "the shop's heading"
    csv_answer = await browser.get("/reminders/letters.csv")
    assert csv_answer.status == 200 and csv_answer.headers["Content-Disposition"].startswith("attachment")
    body = (await csv_answer.read()).decode("utf-8-sig").splitlines()
    assert body[0].split(",")[:3] == ["Customer", "Address", "Plate"]
    assert len(body) == 3 and all(row.startswith("王伟,广州市天河路1号,粤A12345,") for row in body[1:])


async def test_marking_letters_posted_closes_their_items_as_sent(people: dict[str, Api], site: Site) -> None:
    shop = await _letters(site)
    ids = [item["id"] for item in await _items(people["olga"], shop["wang"])]
    status, body = await people["olga"]("POST", "/api/v1/reminders/letters/sent", {"items": ids})
    assert status == 200 and body == {"sent": 2}, body
    items = await _items(people["olga"], shop["wang"])
    assert {(item["status"], item["outcome"]) for item in items} == {("done", "sent")}
    status, body = await people["olga"]("GET", f"/api/v1/reminders?customer={shop['wang']}")
    assert sum(1 for event in body["events"] if event["outcome"] == "sent") == 2, "in the customer's history"


async def test_another_branchs_letters_are_not_seen_nor_marked(people: dict[str, Api], site: Site) -> None:
    shop = await _letters(site)
    [theirs] = await _items(people["erin"], shop["zhao"])
    status, body = await people["olga"]("POST", "/api/v1/reminders/letters/sent", {"items": [theirs["id"]]})
    assert status == 404, body
    [still] = await _items(people["erin"], shop["zhao"])
    assert still["status"] == "open"


async def test_what_is_not_a_list_of_ids_is_refused_naming_the_field(
    people: dict[str, Api], site: Site
) -> None:
    for sent in ({}, {"items": []}, {"items": "1,2"}, {"items": [True]}, {"items": [0]}, {"items": ["x"]}):
        status, body = await people["olga"]("POST", "/api/v1/reminders/letters/sent", sent)
        assert (status, body["error"].get("field")) == (422, "items"), (sent, body)
