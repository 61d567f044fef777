"""The demo data set as a plan: plain records, drawn from a seeded generator, before anything is written.

A pure function of (seed, count, today), so it is deterministic and testable without a database; dates are
placed around ``today`` so that the cards always show something due. ``ctid.sampledata.demo`` writes the plan.
Records refer to each other by customer ``key`` and vehicle ``plate``: a family car or a company's fleet
belongs to several customers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ctid.crm.models import CustomerKind, FollowUpKind, FollowUpStatus, Gender, VehicleRole, VisitStatus
from ctid.sampledata import samples


@dataclass(frozen=True)
class CustomerPlan:
    key: str
    kind: CustomerKind
    name: str
    gender: Gender | None = None
    birthday: date | None = None
    level: str = ""
    source: str = ""
    notes: str = ""
    phones: tuple[tuple[str, str], ...] = ()  # (number as written, label)


@dataclass(frozen=True)
class VehiclePlan:
    plate: str
    brand: str
    model: str
    colour: str = ""
    vin: str | None = None
    mileage_km: int | None = None
    purchase_date: date | None = None
    insurance_expiry: date | None = None
    inspection_due: date | None = None
    next_service_due: date | None = None


@dataclass(frozen=True)
class VisitPlan:
    plate: str
    customer_key: str
    visited_on: date
    mileage_km: int
    advisor: str
    items: tuple[tuple[str, Decimal], ...]
    status: VisitStatus = VisitStatus.COMPLETED


@dataclass(frozen=True)
class FollowUpPlan:
    customer_key: str
    kind: FollowUpKind
    category: str
    channel: str
    content: str
    status: FollowUpStatus
    due_on: date | None


@dataclass
class DemoPlan:
    customers: list[CustomerPlan] = field(default_factory=list)
    vehicles: list[VehiclePlan] = field(default_factory=list)
    links: list[tuple[str, str, VehicleRole]] = field(default_factory=list)  # (customer key, plate, role)
    visits: list[VisitPlan] = field(default_factory=list)
    follow_ups: list[FollowUpPlan] = field(default_factory=list)

    def extend(self, other: DemoPlan) -> None:
        self.customers += other.customers
        self.vehicles += other.vehicles
        self.links += other.links
        self.visits += other.visits
        self.follow_ups += other.follow_ups


_CONTENT = {
    FollowUpKind.COMPLAINT: "客户来电反映问题，需回电处理",
    FollowUpKind.FOLLOW_UP: "回访客户用车情况",
}


def random_plan(rng: random.Random, count: int, today: date, reserved: set[str]) -> DemoPlan:
    """``count`` customers: mostly private car owners, some families sharing a home line, and companies
    whose switchboard their staff share. ``reserved``: numbers and plates never to hand out."""
    builder = _Builder(rng, today, reserved)
    while len(builder.plan.customers) < count:
        left = count - len(builder.plan.customers)
        draw = rng.random()
        if draw < 0.06 and left >= 2:
            builder.company(staff=min(left - 1, rng.randint(1, 3)))
        elif draw < 0.16 and left >= 2:
            builder.family()
        else:
            builder.person()
    return builder.plan


class _Builder:
    def __init__(self, rng: random.Random, today: date, reserved: set[str]) -> None:
        self.rng = rng
        self.today = today
        self.taken = set(reserved)
        self.plan = DemoPlan()

    def person(self, extra_phones: tuple[tuple[str, str], ...] = ()) -> CustomerPlan:
        rng = self.rng
        female = rng.random() < 0.4
        customer = CustomerPlan(
            key=f"c{len(self.plan.customers)}",
            kind=CustomerKind.PERSON,
            name=samples.person_name(rng, female),
            gender=Gender.FEMALE if female else Gender.MALE,
            birthday=self._birthday(),
            level=rng.choice(samples.LEVELS),
            source=rng.choice(samples.SOURCES),
            phones=((self._unique(samples.mobile), samples.PHONE_LABELS["mobile"]), *extra_phones),
        )
        self.plan.customers.append(customer)
        for _ in range(rng.choices((0, 1, 2), (1, 7, 2))[0]):
            self.vehicle(((customer.key, (VehicleRole.OWNER, VehicleRole.USER, VehicleRole.DRIVER)),))
        self._follow_ups(customer.key)
        return customer

    def family(self) -> None:
        """Two people sharing a home landline and a car (one owns it, the other drives it)."""
        home = (self._unique(samples.guangzhou_landline), samples.PHONE_LABELS["home"])
        owner, partner = self.person((home,)), self.person((home,))
        self.vehicle(
            ((owner.key, (VehicleRole.OWNER,)), (partner.key, (VehicleRole.USER, VehicleRole.DRIVER)))
        )

    def company(self, staff: int) -> None:
        """A company (its fleet registered to it) and staff who drive the fleet and share the switchboard."""
        switchboard = self._unique(samples.guangzhou_landline)
        company = CustomerPlan(
            key=f"c{len(self.plan.customers)}",
            kind=CustomerKind.COMPANY,
            name=samples.company_name(self.rng),
            level=self.rng.choice(samples.LEVELS),
            source=self.rng.choice(samples.SOURCES),
            phones=((switchboard, samples.PHONE_LABELS["switchboard"]),),
        )
        self.plan.customers.append(company)
        for _ in range(staff):
            driver = self.person(((switchboard, samples.PHONE_LABELS["office"]),))
            self.vehicle(((company.key, (VehicleRole.OWNER,)), (driver.key, (VehicleRole.DRIVER,))))

    def vehicle(self, holders: tuple[tuple[str, tuple[VehicleRole, ...]], ...]) -> None:
        """A car, its service history (brought in by the last holder: the driver) and who holds it how."""
        rng, today = self.rng, self.today
        brand, model, new_energy, wmi = rng.choice(samples.CARS)
        plate = self._unique(lambda r: samples.plate(r, new_energy))
        bought = today - timedelta(days=rng.randrange(60, 9 * 365))
        visits = self._visits(plate, holders[-1][0], bought)
        serviced = visits[-1].visited_on if visits else bought
        vehicle = VehiclePlan(
            plate=plate,
            brand=brand,
            model=model,
            colour=rng.choice(samples.COLOURS),
            vin=samples.random_vin(rng, wmi) if rng.random() < 0.8 else None,
            mileage_km=visits[-1].mileage_km if visits else None,
            purchase_date=bought,
            insurance_expiry=_next_anniversary(bought, today),
            inspection_due=_inspection_due(bought, today),
            next_service_due=serviced + timedelta(days=rng.choice((150, 180, 180, 365))),
        )
        self.plan.vehicles.append(vehicle)
        self.plan.visits += visits
        for key, roles in holders:
            self.plan.links += [(key, plate, role) for role in roles]

    def _visits(self, plate: str, customer_key: str, bought: date) -> list[VisitPlan]:
        """Every 4-8 months since the purchase, at most the last 4, oldest first."""
        rng, day, mileage, found = self.rng, bought, 0, []
        while (day := day + timedelta(days=rng.randrange(120, 240))) < self.today:
            mileage += rng.randrange(4000, 9000)
            items = tuple((n, Decimal(p)) for n, p in rng.sample(samples.SERVICE_ITEMS, rng.randint(1, 3)))
            found.append(VisitPlan(plate, customer_key, day, mileage, rng.choice(samples.ADVISORS), items))
        return found[-4:]

    def _follow_ups(self, key: str) -> None:
        rng = self.rng
        draw = rng.random()
        if draw < 0.05:
            kind, category = FollowUpKind.COMPLAINT, rng.choice(samples.COMPLAINT_CATEGORIES)
        elif draw < 0.15:
            kind, category = FollowUpKind.FOLLOW_UP, rng.choice(samples.FOLLOW_UP_CATEGORIES)
        else:
            return
        content = _CONTENT[kind]
        status = rng.choice(tuple(FollowUpStatus))
        due = self.today + timedelta(days=rng.randrange(-5, 10))
        channel = rng.choice(samples.CHANNELS)
        self.plan.follow_ups.append(FollowUpPlan(key, kind, category, channel, content, status, due))

    def _birthday(self) -> date:
        start = self.today.replace(month=1, day=1) - timedelta(days=65 * 365)
        return start + timedelta(days=self.rng.randrange(43 * 365))

    def _unique(self, draw: Callable[[random.Random], str]) -> str:
        """A number or plate not handed out yet."""
        while (value := draw(self.rng)) in self.taken:
            pass
        self.taken.add(value)
        return value


def _next_anniversary(start: date, today: date) -> date:
    """The first anniversary of ``start`` on or after today (insurance renews yearly)."""
    for year in (today.year, today.year + 1):
        day = start.replace(year=year) if (start.month, start.day) != (2, 29) else date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable")


def _inspection_due(registered: date, today: date) -> date:
    """Private cars are exempt for their first 6 years, then inspected every year (simplified)."""
    exempt_until = date(registered.year + 6, registered.month, min(registered.day, 28))
    return exempt_until if exempt_until >= today else _next_anniversary(registered, today)
