"""The worklist page (/reminders): a person's items of the day and overdue, a customer's items together
with their numbers to dial and their next appointment; the pool and everyone's a filter away."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from ctid.accounts.models import Role
from ctid.reminders.tables import reminder_items
from tests.support.site import Site
from tests.web.support import Api, BrowserFactory


async def _item(site: Site, customer: int, kind: str, assignee: int | None, days_ago: int = 0) -> int:
    today = site.services.appointments.today()
    now = datetime.now(UTC)
    branch = (await site.accounts.branches.default_branch()).id
    values = {
        "branch_id": branch, "customer_id": customer, "type": kind, "subject": f"customer:{customer}:{kind}",
        "due_on": today + timedelta(days=30), "step": 0, "contact_on": today - timedelta(days=days_ago),
        "expires_on": today + timedelta(days=40), "contact_key": f"{customer}:{today}", "channel": "phone",
        "status": "open", "assignee_id": assignee, "note": "", "created_at": now, "updated_at": now,
    }  # fmt: skip
    async with site.services.db.begin() as conn:
        return int(await conn.scalar(insert(reminder_items).values(values).returning(reminder_items.c.id)))


async def test_my_items_with_the_numbers_to_dial_and_the_next_appointment(
    site: Site, people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    adam = await site.user("adam", Role.ADVISOR)
    status, zhang = await people["olga"](
        "POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]}
    )
    assert status == 201
    mine = await _item(site, zhang["id"], "insurance", adam.id, days_ago=3)
    also = await _item(site, zhang["id"], "inspection", adam.id)
    pool = await _item(site, zhang["id"], "birthday", None)
    day = (site.services.appointments.today() + timedelta(days=2)).isoformat()
    booking = {
        "customer_id": zhang["id"],
        "day": day,
        "slot": "10:00",
        "service": "续保",
        "advisor_id": adam.id,
    }
    assert (await people["olga"]("POST", "/api/v1/appointments", booking))[0] == 201
    browser = await new_browser()
    assert (await browser.login("adam")).status == 303
    page = await (await browser.get("/reminders")).text()
    contact = page.split(f'data-customer="{zhang["id"]}"')[1].split("</article>")[0]
    assert 'data-dial="+8613800138000"' in contact and "138 0013 8000" in contact
    assert 'data-dial-about="insurance"' in contact, "a dial from it meets the customer's opt-outs"
    assert f"{day} 10:00" in contact and "Adam" in contact
    shown = [int(n) for n in re.findall(r'data-reminder="(\d+)"', page)]
    assert shown == [mine, also], "my items, the overdue first, one contact"
    assert 'class="reminder-item insurance overdue"' in page and "data-book=" in page
    pooled = await (await browser.get("/reminders?who=none")).text()
    assert f'data-reminder="{pool}"' in pooled and f'data-reminder="{mine}"' not in pooled
    assert (await browser.get("/reminders?type=fax")).status == 422
