"""The card: phones, vehicles with roles, the last visits, what is open and what is due."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, update

from ctid.core.clock import utcnow
from ctid.core.errors import NotFound
from ctid.core.phone import PhoneNormaliser
from ctid.crm import store
from ctid.crm.models import (
    CustomerCard,
    FollowUpKind,
    FollowUpStatus,
    Gender,
    ReminderKind,
    VehicleRole,
    VehicleStatus,
    VisitStatus,
)
from ctid.crm.service import CustomerDirectory
from ctid.crm.tables import customer_opt_outs, customers, vehicles
from ctid.sampledata.demo import DEMO_KNOWN
from ctid.storage.db import Database
from tests.crm.support import TODAY

pytestmark = pytest.mark.usefixtures("demo")


async def card_of(
    directory: CustomerDirectory, normaliser: PhoneNormaliser, raw: str, name: str
) -> CustomerCard:
    e164 = normaliser.normalise(raw).e164
    assert e164 is not None
    [found] = [c for c in await directory.match(e164) if c.name == name]
    return await directory.card(found.id, TODAY)


async def test_card_of_a_customer_with_two_cars(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    assert (card.gender, card.level, card.notes) == (Gender.MALE, "VIP", "喜欢周末上午来店")
    assert [(p.number, p.e164, p.label) for p in card.phones] == [("13800138000", "+8613800138000", "手机")]
    assert [(v.plate, v.brand, v.model, v.roles) for v in card.vehicles] == [
        ("粤A12345", "大众", "朗逸", (VehicleRole.OWNER, VehicleRole.DRIVER)),
        ("粤AD12345", "比亚迪", "汉", (VehicleRole.OWNER,)),
    ]
    assert card.vehicles[0].vin == "LSVNV2187E2100001"
    assert card.vehicles[1].vin is None


async def test_last_visits_newest_first_with_their_items(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    assert [(v.plate, v.visited_on, v.summary, v.amount) for v in card.last_visits] == [
        ("粤AD12345", TODAY - timedelta(days=30), "空调清洗", Decimal("198.00")),
        ("粤A12345", TODAY - timedelta(days=90), "常规保养、更换机油机滤", Decimal("840.00")),
        ("粤A12345", TODAY - timedelta(days=200), "四轮定位、洗车", Decimal("198.00")),
    ]
    assert card.last_visits[0].advisor == "陈静"


async def test_open_follow_ups_complaints_first_closed_ones_left_out(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    assert [(f.kind, f.category, f.status) for f in card.open_follow_ups] == [
        (FollowUpKind.COMPLAINT, "收费异议", FollowUpStatus.OPEN),
        (FollowUpKind.FOLLOW_UP, "保养回访", FollowUpStatus.IN_PROGRESS),
    ]


async def test_due_reminders_soonest_first(directory: CustomerDirectory, normaliser: PhoneNormaliser) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    assert [(r.kind, (r.due_on - TODAY).days, r.plate) for r in card.due_reminders] == [
        (ReminderKind.MAINTENANCE, -5, "粤AD12345"),
        (ReminderKind.BIRTHDAY, 3, None),
        (ReminderKind.INSURANCE, 10, "粤A12345"),
    ]


async def test_a_company_card_shows_visits_its_drivers_made_to_its_fleet(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[1], "广州恒通物流有限公司")
    assert card.birthday is None and card.gender is None
    assert {v.plate: v.roles for v in card.vehicles} == {
        "粤AB8812": (VehicleRole.OWNER,),
        "粤AC6603": (VehicleRole.OWNER,),
    }
    assert [v.plate for v in card.last_visits] == ["粤AB8812", "粤AC6603"]  # 李强 brought the GL8 in
    assert [(r.kind, r.plate) for r in card.due_reminders] == [
        (ReminderKind.MAINTENANCE, "粤AB8812"),
        (ReminderKind.INSURANCE, "粤AB8812"),
    ]


async def test_a_driver_sees_the_car_they_drive(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[1], "陈静")
    assert [(v.plate, v.roles) for v in card.vehicles] == [("粤AC6603", (VehicleRole.DRIVER,))]
    assert [v.summary for v in card.last_visits] == ["钣金喷漆"]
    assert [p.label for p in card.phones] == ["手机", "公司"]


async def test_at_most_five_visits_and_no_cancelled_ones(
    db: Database, directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    statuses = {
        1: VisitStatus.CANCELLED,
        2: VisitStatus.OPEN,
        3: VisitStatus.COMPLETED,
        4: VisitStatus.COMPLETED,
    }
    statuses |= {5: VisitStatus.COMPLETED, 6: VisitStatus.COMPLETED}
    item = {"name": "洗车", "price": Decimal("1.50"), "quantity": 1}
    car, days = card.vehicles[0].id, lambda n: TODAY - timedelta(days=n)
    rows = [
        {
            "vehicle_id": car,
            "customer_id": card.id,
            "visited_on": days(n),
            "amount": Decimal("1.50"),
            "status": status,
        }
        for n, status in statuses.items()
    ]
    async with db.begin() as conn:
        await store.insert_visits(conn, rows, [[item]] * len(rows))
    visits = (await directory.card(card.id, TODAY)).last_visits
    assert [(TODAY - v.visited_on).days for v in visits] == [2, 3, 4, 5, 6]
    assert visits[0].status == VisitStatus.OPEN
    assert (visits[1].summary, visits[1].amount) == ("洗车", Decimal("1.50"))


async def test_sold_cars_stay_on_the_card_but_are_not_reminded(
    db: Database, directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    async with db.begin() as conn:
        await conn.execute(update(vehicles).where(vehicles.c.plate == "粤AD12345").values(status="sold"))
    card = await directory.card(card.id, TODAY)
    assert [(v.plate, v.status) for v in card.vehicles] == [
        ("粤A12345", VehicleStatus.ACTIVE),
        ("粤AD12345", VehicleStatus.SOLD),
    ]
    assert all(r.plate != "粤AD12345" for r in card.due_reminders)


async def test_no_such_customer(directory: CustomerDirectory) -> None:
    with pytest.raises(NotFound):
        await directory.card(999_999, TODAY)


async def test_the_card_tells_what_the_customer_does_not_want(
    directory: CustomerDirectory, normaliser: PhoneNormaliser, db: Database
) -> None:
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    assert card.opt_outs == ()
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs),
            [
                {"customer_id": card.id, "contact_type": kind, "reason": "电话里说的", "created_at": utcnow()}
                for kind in ("marketing", "birthday")
            ],
        )
        await conn.execute(
            update(customers)
            .where(customers.c.id == card.id)
            .values(address="广州市天河区", tags="老客户\n车友会")
        )
    card = await card_of(directory, normaliser, DEMO_KNOWN[0], "张伟")
    assert (card.opt_outs, card.address, card.tags) == (
        ("birthday", "marketing"),
        "广州市天河区",
        ("老客户", "车友会"),
    )
