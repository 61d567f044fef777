"""What the campaign API and page tests share: customers due for insurance today, each with a number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from ctid.crm.tables import customer_phones
from tests.reminders.support import add_customer, add_items, item_row
from tests.support.site import Site

REMINDER_SOURCE = {"kind": "reminders", "types": ["insurance"]}


async def due_customers(site: Site, *people: tuple[str, str]) -> list[int]:
    """A customer of the default branch per (name, E.164), the number theirs, an insurance item due in 30
    days to contact today: a reminder campaign's contacts. Their ids, in order."""
    db = site.services.db
    home = (await site.accounts.branches.default_branch()).id
    today = site.services.reminders.worklist.today()
    made = []
    for name, number in people:
        customer = await add_customer(db, home, name)
        async with db.begin() as conn:
            await conn.execute(
                insert(customer_phones).values(customer_id=customer, number=number, e164=number)
            )
        due = today + timedelta(days=30)
        await add_items(db, item_row(home, customer, None, "insurance", due, contact_on=today))
        made.append(customer)
    return made
