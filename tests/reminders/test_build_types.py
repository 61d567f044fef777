"""The daily build's other types on a real database, each backend: custom rules on a customer's or a
vehicle's date field (once or yearly), holiday greetings (节日问候, lunar days computed) for every customer,
and the follow-up calls (回访) scheduled in the CRM joining the queue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import insert, select

from ctid.crm.tables import customer_opt_outs, customer_vehicles, follow_ups
from ctid.reminders import settings_store
from ctid.reminders.build import QueueBuilder
from ctid.reminders.custom import CustomRule
from ctid.reminders.models import ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS
from ctid.reminders.tables import reminder_items
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_vehicle

SHOP = "Asia/Shanghai"


def _builder(db: Database) -> QueueBuilder:
    return QueueBuilder(db, SHOP, clock=lambda: NOW)


async def _items(db: Database, type_: str) -> list[tuple[str, int | None, date, date]]:
    query = (
        select(
            reminder_items.c.subject,
            reminder_items.c.rule_id,
            reminder_items.c.due_on,
            reminder_items.c.contact_on,
        )
        .where(reminder_items.c.type == type_)
        .order_by(reminder_items.c.subject)
    )
    async with db.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]  # type: ignore[misc]


async def test_custom_rules_remind_on_their_field_once_or_yearly(db: Database, branch_id: int) -> None:
    """ "Car's birthday": yearly, 7 days before the purchase date's anniversary; "licence review": once,
    30 days before; a rule switched off reminds nothing."""
    owner = await add_customer(db, branch_id, "王伟", licence_review_on=TODAY + timedelta(days=30))
    car = await add_vehicle(db, branch_id, "粤A12345", purchase_date=date(2019, 12, 14))
    async with db.begin() as conn:
        await conn.execute(insert(customer_vehicles).values(customer_id=owner, vehicle_id=car, role="owner"))
        rules = (
            CustomRule(1, "爱车生日", "vehicle.purchase_date", (7,), yearly=True),
            CustomRule(2, "驾照", "customer.licence_review_on", (30,)),
            CustomRule(3, "停用", "customer.licence_review_on", (30,), enabled=False),
        )
        await settings_store.save_custom_rules(conn, rules, NOW, None)
    result = await _builder(db).run(TODAY)
    assert await _items(db, "custom") == [
        (f"rule:1:vehicle:{car}", 1, date(2026, 12, 14), TODAY),
        (f"rule:2:customer:{owner}", 2, TODAY + timedelta(days=30), TODAY),
    ]
    again = await _builder(db).run(TODAY)
    assert again.added == 0 and result.added >= 2


async def test_custom_rules_round_trip_and_none_by_default(db: Database) -> None:
    async with db.connect() as conn:
        assert await settings_store.custom_rules(conn) == ()
    rules = (CustomRule(4, "首保", "vehicle.registration_date", (30, 7)),)
    async with db.begin() as conn:
        await settings_store.save_custom_rules(conn, rules, NOW, None)
    async with db.connect() as conn:
        assert await settings_store.custom_rules(conn) == rules


async def test_holiday_greetings_for_every_customer_on_the_day_before(db: Database, branch_id: int) -> None:
    """春节 2027 is 6 February (lunar 1/1): greeted on the 5th (lead 1 day), a customer who refused
    marketing is not; built when switched on only."""
    people = [await add_customer(db, branch_id, f"客户{n}") for n in range(3)]
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(customer_id=people[2], contact_type="marketing", created_at=NOW)
        )
    eve = date(2027, 2, 5)
    await _builder(db).run(eve)
    assert await _items(db, "holiday") == [], "off by default"
    on = replace(DEFAULT_SETTINGS[ReminderType.HOLIDAY], enabled=True)
    async with db.begin() as conn:
        await settings_store.save(conn, on, NOW, None)
    result = await _builder(db).run(eve)
    assert await _items(db, "holiday") == [
        (f"customer:{people[0]}:holiday:lunar-01-01", None, date(2027, 2, 6), eve),
        (f"customer:{people[1]}:holiday:lunar-01-01", None, date(2027, 2, 6), eve),
    ]
    assert result.added == 2
    assert (await _builder(db).run(eve)).added == 0
    await _builder(db).run(date(2027, 2, 3))
    assert len(await _items(db, "holiday")) == 2, "no holiday's eve that day"


async def test_a_follow_up_scheduled_in_the_crm_joins_the_queue_on_its_day(
    db: Database, branch_id: int
) -> None:
    """A follow-up call (回访) scheduled by hand for today is a follow-up item; one for tomorrow, a closed
    one, a complaint and one scheduled after a visit (the visit's own item is that call) are not."""
    wang = await add_customer(db, branch_id, "王伟")
    base = {"customer_id": wang, "kind": "follow_up", "created_at": NOW, "updated_at": NOW}
    async with db.begin() as conn:
        ids = [
            (
                await conn.execute(insert(follow_ups).values({**base, **values}).returning(follow_ups.c.id))
            ).scalar_one()
            for values in (
                {"due_on": TODAY},
                {"due_on": TODAY + timedelta(days=1)},
                {"due_on": TODAY, "status": "closed"},
                {"due_on": TODAY, "kind": "complaint"},
            )
        ]
    await _builder(db).run(TODAY)
    assert await _items(db, "visit_follow_up") == [(f"follow_up:{ids[0]}", None, TODAY, TODAY)]
