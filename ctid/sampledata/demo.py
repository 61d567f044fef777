"""Demo customers for a new install, the simulated demo line and the tests.

``seed_demo`` writes a few hand-made customers with KNOWN numbers, then ``count`` in all with random (seeded)
ones. Ring a known number and the pop shows:

- ``13800138000`` (``DEMO_KNOWN[0]``): 张伟 alone: a VIP with two cars, an insurance expiring in 10 days, a
  maintenance 5 days overdue, his birthday in 3 days, an open complaint and a follow-up;
- ``020-8888-1234`` (``DEMO_KNOWN[1]``): the switchboard of 广州恒通物流有限公司, three candidates: the
  company and its drivers 李强 and 陈静 (李强 first: he was in most recently);
- ``020-3888-6666`` (``DEMO_KNOWN[2]``): the home line of 刘洋 and 王芳, two candidates sharing a car.

``DEMO_UNKNOWN`` is never in the demo data: ring it for the "new customer" form.
Deterministic for one (seed, count, today); seeding a branch that has the demo already does nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.phone import PhoneNormaliser
from ctid.crm import search_store, store
from ctid.crm.models import (
    CustomerKind,
    FollowUpKind,
    FollowUpStatus,
    Gender,
    MileageSource,
    VehicleRole,
    VehicleStatus,
)
from ctid.sampledata import samples
from ctid.sampledata.demo_plan import (
    CustomerPlan,
    DemoPlan,
    FollowUpPlan,
    VehiclePlan,
    VisitPlan,
    random_plan,
)
from ctid.storage.db import Database

DEMO_KNOWN = ("13800138000", "020-8888-1234", "020-3888-6666")
DEMO_UNKNOWN = "13700000000"
DEMO_SEED = 20260322
_KNOWN_PLATES = ("粤A12345", "粤AD12345", "粤AB8812", "粤AC6603", "粤A6N888")


async def seed_demo(
    db: Database,
    normaliser: PhoneNormaliser,
    branch_id: int,
    count: int = 200,
    rng_seed: int = DEMO_SEED,
    today: date | None = None,
) -> int:
    """Write the demo customers into a branch in one transaction; returns how many (0 if already there)."""
    today = today or date.today()
    plan = demo_plan(count, rng_seed, today)
    async with db.begin() as conn:
        known = normaliser.normalise(DEMO_KNOWN[0]).e164 or ""
        if any(c.branch_id == branch_id for c in await conn.run_sync(store.match, known)):
            return 0
        await _Writer(conn, normaliser, branch_id, today).write(plan)
        after = {"customers": len(plan.customers), "seed": rng_seed}
        now = datetime.combine(today, time(9), UTC)
        await audit.record(
            conn, Actor.system("demo"), "crm.seed_demo", ("branch", branch_id), now, after=after
        )
    return len(plan.customers)


def demo_plan(count: int, rng_seed: int, today: date) -> DemoPlan:
    """The known customers, then random ones up to ``count`` (pure: the same plan for the same inputs)."""
    plan = known_plan(today)
    reserved = {*DEMO_KNOWN, DEMO_UNKNOWN, *_KNOWN_PLATES, *(n for c in plan.customers for n, _ in c.phones)}
    rest = max(0, count - len(plan.customers))
    plan.extend(random_plan(random.Random(rng_seed), rest, today, reserved))
    return plan


def known_plan(today: date) -> DemoPlan:
    """The hand-made customers behind DEMO_KNOWN, with dates relative to today."""
    plan = DemoPlan()
    _zhang_wei(plan, today)
    _hengtong(plan, today)
    _liu_family(plan, today)
    return plan


def _days(today: date, n: int) -> date:
    return today + timedelta(days=n)


def _born(year: int, day: date) -> date:
    """A birthday on ``day``'s month and day (28 February for a 29th in a common year)."""
    return date(year, 2, 28) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def _items(*names: str) -> tuple[tuple[str, Decimal], ...]:
    prices = dict(samples.SERVICE_ITEMS)
    return tuple((name, Decimal(prices[name])) for name in names)


def _car(
    today: date, plate: str, car: tuple[str, str, str], vin: str | None, km: int, days: tuple[int, ...]
) -> VehiclePlan:
    """A known car; ``days`` from today: bought, insurance expiry, inspection due, next service due."""
    bought, insurance, inspection, service = (_days(today, n) for n in days)
    brand, model, colour = car
    return VehiclePlan(plate, brand, model, colour, vin, km, bought, insurance, inspection, service)


def _zhang_wei(plan: DemoPlan, today: date) -> None:
    plan.customers.append(
        CustomerPlan(
            key="zhang",
            kind=CustomerKind.PERSON,
            name="张伟",
            gender=Gender.MALE,
            birthday=_born(1985, _days(today, 3)),
            level="VIP",
            source="来电",
            notes="喜欢周末上午来店",
            phones=((DEMO_KNOWN[0], "手机"),),
        )
    )
    lavida_vin = samples.vin("LSV", "NV218", "E", "2", "100001")
    plan.vehicles += [
        _car(today, "粤A12345", ("大众", "朗逸", "白色"), lavida_vin, 45200, (-3 * 365, 10, 200, 60)),
        _car(today, "粤AD12345", ("比亚迪", "汉", "黑色"), None, 18800, (-400, 120, 5 * 365, -5)),
    ]
    plan.links += [("zhang", "粤A12345", VehicleRole.OWNER), ("zhang", "粤A12345", VehicleRole.DRIVER)]
    plan.links += [("zhang", "粤AD12345", VehicleRole.OWNER)]
    plan.visits += [
        VisitPlan("粤A12345", "zhang", _days(today, -200), 38900, "李明", _items("四轮定位", "洗车")),
        VisitPlan("粤A12345", "zhang", _days(today, -90), 45200, "李明", _items("常规保养", "更换机油机滤")),
        VisitPlan("粤AD12345", "zhang", _days(today, -30), 18800, "陈静", _items("空调清洗")),
    ]
    complaint = "对上次保养收费有疑问，要求回电说明"
    plan.follow_ups += [
        FollowUpPlan(
            "zhang",
            FollowUpKind.COMPLAINT,
            "收费异议",
            "电话",
            complaint,
            FollowUpStatus.OPEN,
            _days(today, 1),
        ),
        FollowUpPlan(
            "zhang",
            FollowUpKind.FOLLOW_UP,
            "保养回访",
            "电话",
            "询问保养后车辆情况",
            FollowUpStatus.IN_PROGRESS,
            today,
        ),
        FollowUpPlan(
            "zhang", FollowUpKind.FOLLOW_UP, "续保提醒", "微信", "已续保", FollowUpStatus.CLOSED, None
        ),
    ]


def _hengtong(plan: DemoPlan, today: date) -> None:
    switchboard = DEMO_KNOWN[1]
    company = CustomerPlan(
        key="hengtong",
        kind=CustomerKind.COMPANY,
        name="广州恒通物流有限公司",
        level="金卡",
        source="转介绍",
        phones=((switchboard, "总机"),),
    )
    plan.customers += [company, _staff("liqiang", "李强", Gender.MALE, "139 2222 1111", switchboard)]
    plan.customers.append(_staff("chenjing", "陈静", Gender.FEMALE, "+86 139 2222 2222", switchboard))
    gl8_vin = samples.vin("LSG", "UD84X", "K", "E", "000012")
    plan.vehicles += [
        _car(today, "粤AB8812", ("别克", "GL8", "银色"), gl8_vin, 132000, (-5 * 365, 25, 300, 15)),
        _car(today, "粤AC6603", ("丰田", "凯美瑞", "黑色"), None, 76000, (-4 * 365, 180, 700, 90)),
    ]
    for plate, driver in (("粤AB8812", "liqiang"), ("粤AC6603", "chenjing")):
        plan.links += [("hengtong", plate, VehicleRole.OWNER), (driver, plate, VehicleRole.DRIVER)]
    plan.visits += [
        VisitPlan("粤AB8812", "liqiang", _days(today, -10), 132000, "王磊", _items("常规保养", "更换刹车片")),
        VisitPlan("粤AC6603", "hengtong", _days(today, -40), 76000, "王磊", _items("钣金喷漆")),
    ]


def _staff(key: str, name: str, gender: Gender, mobile: str, switchboard: str) -> CustomerPlan:
    phones = ((mobile, "手机"), (switchboard, "公司"))
    return CustomerPlan(
        key, CustomerKind.PERSON, name, gender, date(1985, 5, 17), source="来电", phones=phones
    )


def _liu_family(plan: DemoPlan, today: date) -> None:
    home = (DEMO_KNOWN[2], "家庭")
    plan.customers += [
        CustomerPlan(
            key="liuyang",
            kind=CustomerKind.PERSON,
            name="刘洋",
            gender=Gender.MALE,
            birthday=_born(1988, _days(today, 100)),
            level="银卡",
            source="到店",
            phones=(("137 1111 3333", "手机"), home),
        ),
        CustomerPlan(
            key="wangfang",
            kind=CustomerKind.PERSON,
            name="王芳",
            gender=Gender.FEMALE,
            birthday=_born(1990, _days(today, 20)),
            level="银卡",
            source="到店",
            phones=(("13711112222", "手机"), home),
        ),
    ]
    accord_vin = samples.vin("LHG", "CV165", "J", "8", "000321")
    plan.vehicles.append(
        _car(today, "粤A6N888", ("本田", "雅阁", "香槟色"), accord_vin, 61000, (-6 * 365 - 30, 200, 40, 165))
    )
    plan.links += [("liuyang", "粤A6N888", VehicleRole.OWNER)]
    plan.links += [("wangfang", "粤A6N888", VehicleRole.USER), ("wangfang", "粤A6N888", VehicleRole.DRIVER)]
    plan.visits.append(VisitPlan("粤A6N888", "wangfang", _days(today, -15), 61000, "黄婷", _items("洗车")))


class _Writer:
    """Writes a DemoPlan through the CRM store, a table at a time (a few statements for the whole demo)."""

    def __init__(
        self, conn: AsyncConnection, normaliser: PhoneNormaliser, branch_id: int, today: date
    ) -> None:
        self.conn = conn
        self.normaliser = normaliser
        self.branch_id = branch_id
        self.now = datetime.combine(today, time(1), UTC)

    async def write(self, plan: DemoPlan) -> None:
        ids = await store.insert_customers(self.conn, [self.customer(c) for c in plan.customers])
        customer_ids = {c.key: i for c, i in zip(plan.customers, ids, strict=True)}
        phones = [
            self.phone(customer_ids[c.key], n, c.phones) for c in plan.customers for n in range(len(c.phones))
        ]
        await store.insert_phone_rows(self.conn, phones)
        ids = await store.insert_vehicles(self.conn, [self.vehicle(v) for v in plan.vehicles])
        vehicle_ids = {v.plate: i for v, i in zip(plan.vehicles, ids, strict=True)}
        links = [(customer_ids[key], vehicle_ids[plate], role) for key, plate, role in plan.links]
        await store.link_vehicles(self.conn, links)
        visits = [self.visit(v, vehicle_ids[v.plate], customer_ids[v.customer_key]) for v in plan.visits]
        items = [
            [{"name": name, "price": price, "quantity": 1} for name, price in v.items] for v in plan.visits
        ]
        visit_ids = await store.insert_visits(self.conn, visits, items)
        await store.insert_readings(self.conn, [self.reading(v) for v in zip(visits, visit_ids, strict=True)])
        follow_ups = [self.follow_up(f, customer_ids[f.customer_key]) for f in plan.follow_ups]
        await store.insert_follow_ups(self.conn, follow_ups)
        await search_store.refresh(self.conn, customer_ids.values())

    def customer(self, plan: CustomerPlan) -> dict[str, Any]:
        return {
            "branch_id": self.branch_id,
            "kind": plan.kind.value,
            "name": plan.name,
            "gender": plan.gender.value if plan.gender else None,
            "birthday": plan.birthday,
            "level": plan.level,
            "source": plan.source,
            "notes": plan.notes,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def phone(self, customer_id: int, position: int, phones: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        written, label = phones[position]
        number = self.normaliser.normalise(written)
        return {"customer_id": customer_id, "number": number.raw, "e164": number.e164, "label": label,
                "position": position}  # fmt: skip

    def vehicle(self, plan: VehiclePlan) -> dict[str, Any]:
        return {
            "branch_id": self.branch_id,
            "plate": plan.plate,
            "vin": plan.vin,
            "brand": plan.brand,
            "model": plan.model,
            "colour": plan.colour,
            "mileage_km": plan.mileage_km,
            "purchase_date": plan.purchase_date,
            "registration_date": plan.purchase_date,
            "insurance_expiry": plan.insurance_expiry,
            "inspection_due": plan.inspection_due,
            "next_service_due": plan.next_service_due,
            "status": VehicleStatus.ACTIVE.value,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def visit(self, plan: VisitPlan, vehicle_id: int, customer_id: int) -> dict[str, Any]:
        return {
            "vehicle_id": vehicle_id,
            "customer_id": customer_id,
            "visited_on": plan.visited_on,
            "mileage_km": plan.mileage_km,
            "amount": sum((price for _, price in plan.items), Decimal(0)),
            "advisor": plan.advisor,
            "notes": "",
            "status": plan.status.value,
        }

    def reading(self, visit: tuple[dict[str, Any], int]) -> dict[str, Any]:
        """A visit's odometer reading in the vehicle's mileage history, as closing it writes one: the
        vehicle's mileage is its last visit's, and a later visit is checked against it."""
        row, visit_id = visit
        return {
            "vehicle_id": row["vehicle_id"],
            "mileage_km": row["mileage_km"],
            "read_on": row["visited_on"],
            "source": MileageSource.VISIT.value,
            "correction": False,
            "visit_id": visit_id,
            "created_at": self.now,
        }

    def follow_up(self, plan: FollowUpPlan, customer_id: int) -> dict[str, Any]:
        return {
            "customer_id": customer_id,
            "kind": plan.kind.value,
            "category": plan.category,
            "channel": plan.channel,
            "content": plan.content,
            "status": plan.status.value,
            "due_on": plan.due_on,
            "created_at": self.now,
            "updated_at": self.now,
        }
