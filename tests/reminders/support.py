"""Customers, vehicles and reminder items written straight into a test's database, and a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert

from ctid.crm.models import VehicleStatus
from ctid.crm.tables import customers, vehicles
from ctid.reminders import build_store
from ctid.reminders.facts import VehicleFacts
from ctid.reminders.outcomes import contact_key
from ctid.storage.db import Database

NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
TODAY = date(2026, 12, 7)


async def add_customer(db: Database, branch_id: int, name: str = "王伟", **values: Any) -> int:
    row = {"branch_id": branch_id, "kind": "person", "name": name, "created_at": NOW, "updated_at": NOW}
    async with db.begin() as conn:
        result = await conn.execute(insert(customers).values(**row, **values).returning(customers.c.id))
        return int(result.scalar_one())


async def add_vehicle(db: Database, branch_id: int, plate: str = "粤A12345", **values: Any) -> int:
    row = {"branch_id": branch_id, "plate": plate, "created_at": NOW, "updated_at": NOW}
    async with db.begin() as conn:
        result = await conn.execute(insert(vehicles).values(**row, **values).returning(vehicles.c.id))
        return int(result.scalar_one())


def item_row(
    branch_id: int,
    customer_id: int,
    vehicle_id: int | None = None,
    type: str = "insurance",
    due_on: date = date(2027, 1, 6),
    step: int = 0,
    contact_on: date = TODAY,
    **values: Any,
) -> dict[str, Any]:
    subject = f"vehicle:{vehicle_id}" if vehicle_id else f"customer:{customer_id}"
    return {
        "branch_id": branch_id,
        "customer_id": customer_id,
        "vehicle_id": vehicle_id,
        "type": type,
        "rule_id": None,
        "subject": subject,
        "due_on": due_on,
        "step": step,
        "contact_on": contact_on,
        "expires_on": due_on,
        "contact_key": contact_key(customer_id, contact_on),
        "channel": "phone",
        "status": "open",
        "assignee_id": None,
        "created_at": NOW,
        "updated_at": NOW,
        **values,
    }


async def add_items(db: Database, *rows: dict[str, Any]) -> int:
    async with db.begin() as conn:
        return await build_store.insert_items(conn, rows)


def vehicle_facts(**values: Any) -> VehicleFacts:
    """An active vehicle 12 of customer 7 in branch 1, with no dates but those given: the rules' input."""
    base = VehicleFacts(
        id=12,
        customer_id=7,
        branch_id=1,
        status=VehicleStatus.ACTIVE,
        purchase_date=None,
        registration_date=None,
        insurance_expiry=None,
        inspection_due=None,
        next_service_due=None,
        warranty_expiry=None,
    )
    return replace(base, **values)
