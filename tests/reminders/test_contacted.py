"""Whether the build counts a customer as contacted lately (candidate_store.contacted), each backend: an
SMS that went (sent or delivered) about the type, or written by hand, counts like an answered call; one
still queued or failed, one about another type, a bulk marketing text, or one before the window does
not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert

from ctid.messaging.tables import sms_messages
from ctid.reminders import candidate_store
from ctid.reminders.models import ReminderType
from ctid.storage.db import Database
from tests.reminders.support import NOW, add_customer

SINCE = NOW - timedelta(days=7)


async def _texted(db: Database, branch_id: int, customer_id: int, **values: Any) -> None:
    row = {
        "branch_id": branch_id,
        "customer_id": customer_id,
        "number": "+8613800138000",
        "text": "王先生您好",
        "purpose": "marketing",
        "topic": "insurance",
        "status": "sent",
        "created_at": NOW - timedelta(days=2),
        "sent_at": NOW - timedelta(days=2),
        **values,
    }
    async with db.begin() as conn:
        await conn.execute(insert(sms_messages).values(**row))


async def test_an_sms_that_went_counts_one_waiting_or_failed_does_not(db: Database, branch_id: int) -> None:
    cases: dict[str, dict[str, Any]] = {
        "sent": {},
        "delivered": {"status": "delivered", "delivered_at": NOW - timedelta(days=1)},
        "by hand": {"topic": None, "purpose": "service"},
        "queued": {"status": "queued", "sent_at": None},
        "sending": {"status": "sending", "sent_at": None},
        "failed": {"status": "failed", "sent_at": None},
        "unknown": {"status": "unknown", "sent_at": None},
        "before the window": {"sent_at": SINCE - timedelta(minutes=1)},
        "about another type": {"topic": "birthday"},
        "a bulk text": {"topic": None, "purpose": "marketing"},
    }
    ids = {}
    for name, values in cases.items():
        ids[name] = await add_customer(db, branch_id, name)
        await _texted(db, branch_id, ids[name], **values)
    quiet = await add_customer(db, branch_id, "no SMS at all")
    async with db.connect() as conn:
        found = await candidate_store.contacted(conn, [*ids.values(), quiet], ReminderType.INSURANCE, SINCE)
    assert {name for name, i in ids.items() if i in found} == {"sent", "delivered", "by hand"}
