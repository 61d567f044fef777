"""Revision 0020 makes the reminders' tables as declared, and the items' key makes an insert idempotent on
both backends (``ON CONFLICT DO NOTHING``: a second insert of the same rows adds nothing)."""

from __future__ import annotations

from datetime import date

from ctid.storage.db import Database
from tests.reminders.support import add_customer, add_items, item_row
from tests.support.queries import differences, rows


async def test_the_migration_makes_the_tables_as_declared(db: Database) -> None:
    assert [d for d in await differences(db) if "reminder" in repr(d)] == []


async def test_the_same_items_inserted_twice_are_added_once(db: Database, branch_id: int) -> None:
    customer = await add_customer(db, branch_id)
    first = [item_row(branch_id, customer, type="birthday", due_on=date(2026, 12, 9), step=s) for s in (0, 1)]
    assert await add_items(db, *first) == 2
    again = [*first, item_row(branch_id, customer, type="birthday", due_on=date(2027, 12, 9))]
    assert await add_items(db, *again) == 1
    assert await rows(db, "SELECT count(*) FROM reminder_items") == [(3,)]


async def test_vehicles_are_indexed_by_registration_date_as_declared(db: Database) -> None:
    """Revision 0024: the inspections by the rule table read the cars by their registration date; 0025:
    the follow-up calls read the visits by the time they closed."""
    assert [
        d for d in await differences(db) if "registration_date" in repr(d) or "closed_at" in repr(d)
    ] == []
