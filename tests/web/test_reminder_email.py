"""An e-mail item sent from the worklist (POST /api/v1/reminders/{id}/email) through a real local SMTP
server: the type's template filled as its SMS is, the item closed as sent, an event of the customer's
history by e-mail, audited; refused in words (409) for a customer without an address, an item that is not
an e-mail one or no longer open, no e-mail server, an address the server refused; another branch's is 404.
The worklist shows the button on e-mail items only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from ctid.audit.models import AuditFilter
from ctid.crm.tables import customers
from ctid.messaging.email import EmailSender, SmtpSettings
from tests.reminders.support import add_customer, add_items, add_vehicle, item_row
from tests.support.site import Site
from tests.support.smtp import Inbox, plain_smtp
from tests.web.support import Api, BrowserFactory


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with plain_smtp() as server:
        yield server


def _use_server(site: Site, port: int | None) -> None:
    emails = site.services.reminders.emails
    sender = None
    if port is not None:
        settings = SmtpSettings("127.0.0.1", port, "none", from_address="service@shop.example", timeout_s=10)
        sender = EmailSender(settings)
    emails._email = replace(emails._email, sender=sender, shop="本店")


async def _customer(site: Site, branch: int, name: str, email: str | None) -> int:
    customer = await add_customer(site.services.db, branch, name)
    async with site.services.db.begin() as conn:
        await conn.execute(update(customers).where(customers.c.id == customer).values(email=email))
    return customer


async def _shop(site: Site, boss: Api) -> dict[str, Any]:
    db = site.services.db
    today = site.services.reminders.worklist.today()
    home = (await site.accounts.branches.default_branch()).id
    east = next(b.id for b in await site.accounts.branches.list_branches() if b.code == "east")
    wang = await _customer(site, home, "王伟", "wang@example.com")
    car = await add_vehicle(db, home, "粤A12345")
    li = await _customer(site, home, "李娜", None)
    qian = await _customer(site, home, "钱七", "nobody@example.com")
    zhao = await _customer(site, east, "赵六", "zhao@example.com")
    due = today + timedelta(days=30)
    await add_items(
        db,
        item_row(home, wang, car, "insurance", due, contact_on=today, channel="email"),
        item_row(home, wang, car, "inspection", due, contact_on=today, channel="phone"),
        item_row(home, li, None, "birthday", due, contact_on=today, channel="email"),
        item_row(home, qian, None, "birthday", due, contact_on=today, channel="email"),
        item_row(east, zhao, None, "birthday", due, contact_on=today, channel="email"),
    )
    _, every = await boss("GET", "/api/v1/reminders?per_page=50")
    items = {(i["customer_name"], i["type"]): i["id"] for i in every["items"]}
    return {"today": today, "due": due, "items": items, "wang": wang, "li": li, "qian": qian, "zhao": zhao}


async def test_an_email_item_is_mailed_and_closed_as_sent(
    people: dict[str, Api], site: Site, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _use_server(site, port)
    shop = await _shop(site, people["boss"])
    item = shop["items"][("王伟", "insurance")]
    status, sent = await people["olga"]("POST", f"/api/v1/reminders/{item}/email")
    assert status == 200, sent
    assert (sent["status"], sent["outcome"]) == ("done", "sent")
    assert "wang@example.com" in sent["note"]
    [message] = inbox.messages
    assert message["To"] == "wang@example.com" and message["Subject"] == "续保提醒（本店）"
    text = message.get_content()
    due = shop["due"]
    assert "王伟" in text and "粤A12345" in text and f"{due.year}年{due.month}月{due.day}日" in text
    status, history = await people["olga"]("GET", f"/api/v1/reminders?customer={shop['wang']}")
    assert status == 200
    events = [(e["outcome"], e["channel"]) for e in history["events"] if e["item_id"] == item]
    assert events == [("sent", "email")]
    entries = (await site.services.audit.search(AuditFilter(entity_type="reminder"))).items
    assert [(e.action, e.after) for e in entries if e.entity_id == str(item)] == [
        ("reminder.update", {"status": "done", "outcome": "sent", "note": sent["note"]})
    ]
    status, again = await people["olga"]("POST", f"/api/v1/reminders/{item}/email")
    assert status == 409 and again["error"]["message"] == "This reminder was already worked."
    assert len(inbox.messages) == 1


async def test_what_cannot_go_is_said_in_words(
    people: dict[str, Api], site: Site, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _use_server(site, port)
    shop = await _shop(site, people["boss"])
    olga = people["olga"]
    cases = [
        (("李娜", "birthday"), 409, "This customer has no e-mail address."),
        (("王伟", "inspection"), 409, "This reminder does not go by e-mail."),
        (("钱七", "birthday"), 409, "The e-mail server did not take it: 550 5.1.1 no such user"),
        (("赵六", "birthday"), 404, "No such reminder."),
    ]
    for key, code, words in cases:
        status, answer = await olga("POST", f"/api/v1/reminders/{shop['items'][key]}/email")
        assert (status, answer["error"]["message"]) == (code, words), key
    _use_server(site, None)
    status, answer = await olga("POST", f"/api/v1/reminders/{shop['items'][('王伟', 'insurance')]}/email")
    assert status == 409 and "[email]" in answer["error"]["message"]
    assert inbox.messages == []
    _, listed = await olga("GET", "/api/v1/reminders")
    assert {i["status"] for i in listed["items"]} == {"open"}, "nothing closed that did not go"


async def test_the_worklist_offers_the_email_on_email_items(
    people: dict[str, Api], site: Site, new_browser: BrowserFactory
) -> None:
    shop = await _shop(site, people["boss"])
    browser = await new_browser()
    await browser.login("olga")
    page = await (await browser.get("/reminders?who=all")).text()
    for (name, type_), item in shop["items"].items():
        if name == "赵六":
            continue
        block = page.split(f'data-reminder="{item}"')[1].split("data-reminder=")[0]
        assert ("send-email" in block) is (type_ != "inspection"), (name, type_)
