"""The daily build (ctid.reminders.build) on a real database, each backend: the things whose contact day it
is become items, once (built twice, or after a crash, adds nothing); opt-outs, sold cars, customers just
contacted and settled things are skipped; a customer's items of a day are one contact; items past their
expiry expire and snoozes end; a build after days off catches up the contact days missed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.calls.tables import calls
from ctid.crm.tables import customer_opt_outs, customer_vehicles, visits
from ctid.reminders.build import QueueBuilder
from ctid.reminders.tables import reminder_items
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_items, add_vehicle, item_row

SHOP = "Asia/Shanghai"


def _builder(db: Database) -> QueueBuilder:
    return QueueBuilder(db, SHOP, clock=lambda: NOW)


async def _owned_car(db: Database, branch_id: int, customer: int, plate: str, **dates: object) -> int:
    car = await add_vehicle(db, branch_id, plate, **dates)
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_vehicles).values(customer_id=customer, vehicle_id=car, role="owner")
        )
    return car


async def _items(db: Database) -> list[tuple[str, str, date, int, date, str | None]]:
    query = select(
        reminder_items.c.type,
        reminder_items.c.subject,
        reminder_items.c.due_on,
        reminder_items.c.step,
        reminder_items.c.contact_on,
        reminder_items.c.status,
    ).order_by(reminder_items.c.id)
    async with db.connect() as conn:
        return [tuple(row) for row in await conn.execute(query)]  # type: ignore[misc]


async def test_a_days_contacts_become_items_once(db: Database, branch_id: int) -> None:
    wang = await add_customer(db, branch_id, "王伟", birthday=date(1980, 12, 7))
    car = await _owned_car(db, branch_id, wang, "粤A11111", insurance_expiry=TODAY + timedelta(days=45))
    li = await add_customer(db, branch_id, "李娜")
    await _owned_car(db, branch_id, li, "粤A22222", insurance_expiry=date(2025, 12, 22))  # a year old: again
    await _owned_car(
        db, branch_id, li, "粤A33333", insurance_expiry=TODAY + timedelta(days=44)
    )  # no contact day
    builder = _builder(db)
    first = await builder.run(TODAY)
    assert (first.added, first.found) == (3, 3)
    items = await _items(db)
    assert ("insurance", f"vehicle:{car}", TODAY + timedelta(days=45), 0, TODAY, "open") in items
    assert ("birthday", f"customer:{wang}", TODAY, 0, TODAY, "open") in items
    assert ("insurance", f"vehicle:{car + 1}", date(2026, 12, 22), 2, TODAY, "open") in items
    again = await builder.run(TODAY)
    assert again.added == 0 and len(await _items(db)) == 3


async def test_opt_outs_sold_cars_contacted_customers_and_settled_things_are_skipped(
    db: Database, branch_id: int
) -> None:
    due = TODAY + timedelta(days=30)
    refuses = await add_customer(db, branch_id, "甲")
    await _owned_car(db, branch_id, refuses, "粤A00001", insurance_expiry=due)
    sold = await add_customer(db, branch_id, "乙")
    await _owned_car(db, branch_id, sold, "粤A00002", insurance_expiry=due, status="sold")
    called = await add_customer(db, branch_id, "丙")
    await _owned_car(db, branch_id, called, "粤A00003", insurance_expiry=due)
    missed = await add_customer(db, branch_id, "丁")
    await _owned_car(db, branch_id, missed, "粤A00004", insurance_expiry=due)
    booked = await add_customer(db, branch_id, "戊")
    booked_car = await _owned_car(db, branch_id, booked, "粤A00005", insurance_expiry=due)
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(customer_id=refuses, contact_type="insurance", created_at=NOW)
        )
        when = NOW - timedelta(days=3)
        await conn.execute(
            insert(calls).values(
                id="c1", line="desk", direction="in", customer_id=called, started_at=when, answered_at=when
            )
        )
        await conn.execute(
            insert(calls).values(id="c2", line="desk", direction="in", customer_id=missed, started_at=when)
        )
    await add_items(
        db,
        item_row(branch_id, booked, booked_car, "insurance", due, step=0, status="done", outcome="booked"),
    )
    result = await _builder(db).run(TODAY)
    assert result.added == 1, "only the customer whose call was missed"
    assert [i[1] for i in await _items(db) if i[5] == "open"] == [f"vehicle:{booked_car - 1}"]


async def test_one_contact_a_day_worked_by_the_rules_assignee(
    db: Database, branch_id: int, accounts: AccountService
) -> None:
    advisor = NewUser("lm", Role.OPERATOR, branch_id, "李明", "a long password 1", False)
    user, _ = await accounts.users.create_user(Actor.system("test"), advisor)
    wang = await add_customer(db, branch_id, "王伟", birthday=date(1990, 12, 7))
    car = await _owned_car(db, branch_id, wang, "粤A12345", warranty_expiry=TODAY + timedelta(days=60))
    async with db.begin() as conn:
        await conn.execute(
            insert(visits).values(
                vehicle_id=car, customer_id=wang, visited_on=TODAY - timedelta(days=90), advisor="李明"
            )
        )
    await _builder(db).run(TODAY)
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(reminder_items.c.type, reminder_items.c.contact_key, reminder_items.c.assignee_id)
            )
        ).all()
    assert sorted(rows) == [
        ("birthday", f"{wang}:{TODAY}", user.id),
        ("warranty", f"{wang}:{TODAY}", user.id),
    ]


async def test_expiry_snoozes_and_days_off(db: Database, branch_id: int) -> None:
    wang = await add_customer(db, branch_id, "王伟")
    old = item_row(
        branch_id, wang, None, "birthday", TODAY - timedelta(days=10), contact_on=TODAY - timedelta(days=10)
    )
    asleep = item_row(branch_id, wang, None, "licence_review", TODAY + timedelta(days=60), status="snoozed",
                      contact_on=TODAY, snoozed_until=TODAY)  # fmt: skip
    await add_items(db, {**old, "expires_on": TODAY - timedelta(days=1)}, asleep)
    li = await add_customer(db, branch_id, "李娜")
    await _owned_car(
        db, branch_id, li, "粤A22222", insurance_expiry=TODAY + timedelta(days=44)
    )  # yesterday's
    builder = _builder(db)
    await builder.run(TODAY - timedelta(days=3))
    result = await builder.run(TODAY)
    assert (result.expired, result.woken) == (1, 1)
    assert result.days == (TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY)
    statuses = {i[0]: (i[4], i[5]) for i in await _items(db)}
    assert statuses["birthday"][1] == "expired" and statuses["licence_review"][1] == "open"
    assert statuses["insurance"] == (TODAY - timedelta(days=1), "open"), "its contact day, overdue"


async def test_inspections_by_the_date_entered_and_by_the_rule_table(db: Database, branch_id: int) -> None:
    day = date(2026, 12, 21)  # the inspections due on 31 December are ten days off
    wang = await add_customer(db, branch_id, "王伟")
    two_years = await _owned_car(db, branch_id, wang, "粤A10001", registration_date=date(2024, 12, 15))
    await _owned_car(db, branch_id, wang, "粤A10002", registration_date=date(2023, 12, 15))  # 3 years: none
    entered = await _owned_car(db, branch_id, wang, "粤A10003", inspection_due=date(2027, 1, 20))
    result = await _builder(db).run(day)
    items = {i[1]: (i[2], i[3]) for i in await _items(db) if i[0] == "inspection"}
    assert items == {
        f"vehicle:{two_years}": (date(2026, 12, 31), 1),
        f"vehicle:{entered}": (date(2027, 1, 20), 0),
    }
    assert result.added == 2


async def test_a_lunar_birthday_is_built_on_its_lunar_day_not_its_solar_one(
    db: Database, branch_id: int
) -> None:
    """农历生日: born 1985-12-10, lunar 10/29 (as 2026-12-07 is): reminded today; born 1980-12-07 and
    keeping the lunar birthday: not today (their solar anniversary); born 1985-12-10 on the solar calendar:
    not today either (the 10th is theirs)."""
    lunar = await add_customer(db, branch_id, "农历", birthday=date(1985, 12, 10), birthday_lunar=True)
    lunar_on_solar_day = await add_customer(
        db, branch_id, "阳历同日", birthday=date(1980, 12, 7), birthday_lunar=True
    )
    solar = await add_customer(db, branch_id, "阳历", birthday=date(1985, 12, 10))
    await _builder(db).run(TODAY)
    subjects = {subject for type_, subject, *_ in await _items(db) if type_ == "birthday"}
    assert f"customer:{lunar}" in subjects
    assert f"customer:{lunar_on_solar_day}" not in subjects
    assert f"customer:{solar}" not in subjects


async def test_a_visit_closed_three_shop_days_ago_gets_its_follow_up_call(
    db: Database, branch_id: int
) -> None:
    """维修跟踪回访: the call ``follow_up_after_days`` (3) after the shop's day a visit closed, by the shop's
    clock (23:30 on the 4th in Shanghai is 15:30 UTC; 00:30 on the 5th is still the 4th in UTC); not for a
    cancelled visit nor a correction."""
    wang = await add_customer(db, branch_id, "王伟")
    car = await _owned_car(db, branch_id, wang, "粤A12345")
    late_on_the_4th = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    early_on_the_5th = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
    base = {"vehicle_id": car, "customer_id": wang, "visited_on": date(2026, 12, 4)}
    async with db.begin() as conn:
        ids = []
        for closed_at, values in (
            (late_on_the_4th, {}),
            (early_on_the_5th, {}),
            (late_on_the_4th, {"status": "cancelled"}),
        ):
            result = await conn.execute(
                insert(visits).values(**base, closed_at=closed_at, **values).returning(visits.c.id)
            )
            ids.append(result.scalar_one())
        fixed = await conn.execute(
            insert(visits)
            .values(**base, closed_at=late_on_the_4th, corrects_visit_id=ids[0])
            .returning(visits.c.id)
        )
        ids.append(fixed.scalar_one())
    await _builder(db).run(TODAY)
    follow_ups = [i for i in await _items(db) if i[0] == "visit_follow_up"]
    assert follow_ups == [("visit_follow_up", f"visit:{ids[0]}", TODAY, 0, TODAY, "open")]
    assert (await _builder(db).run(TODAY)).added == 0
