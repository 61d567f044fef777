"""Row tuples for ``ctid.sampledata.bulk``: customers with their phones, vehicles, visits and follow-ups.

Written for speed (a million customers make ~9 million rows): pools of names and date strings drawn once,
``random()`` indexing instead of ``choice``, numbers and plates from counters through a bijection (unique
without a lookup). The shapes follow ``ctid.sampledata.samples``; the column lists follow ``ctid.crm.tables``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ctid.sampledata import samples

COLUMNS = {
    "customers": ("id", "branch_id", "kind", "name", "gender", "birthday", "level", "source", "created_at",
                  "updated_at"),
    "customer_phones": ("id", "customer_id", "number", "e164", "label", "position"),
    "vehicles": ("id", "branch_id", "plate", "vin", "brand", "model", "colour", "mileage_km", "purchase_date",
                 "registration_date", "insurance_expiry", "inspection_due", "next_service_due", "status",
                 "created_at", "updated_at"),
    "customer_vehicles": ("customer_id", "vehicle_id", "role"),
    "visits": ("id", "vehicle_id", "customer_id", "visited_on", "mileage_km", "amount", "advisor", "status"),
    "visit_items": ("id", "visit_id", "name", "price", "quantity"),
    "follow_ups": ("id", "customer_id", "kind", "category", "channel", "content", "status", "due_on",
                   "created_at", "updated_at"),
}  # fmt: skip

COMPANY_SHARE = 0.02  # of customers; each has 1-3 staff on its switchboard, driving its fleet
HOME_LINE_SHARE = 0.25  # of people, who also give a home landline
FAMILY_SHARE = 0.35  # of those, who share the previous person's home line (and use their car)
_MOBILE_STEP, _MOBILE_OFFSET, _MOBILES = 73_939_133, 12_345_671, 10**8  # step coprime with 10**8
_LINE_STEP, _LINE_OFFSET, _LINES = 7_654_321, 1_234_567, 10**7  # coprime with 10**7
_PLATE_STEP = 7_919  # a prime, coprime with both plate spaces below
_BLUE_SPACE = len(samples.PLATE_LETTERS) * 10**4  # 粤A + letter + 4 digits, per office
_GREEN_SPACE = len(samples.NEW_ENERGY_LETTERS) * 10**5  # 粤A + D/F + 5 digits, per office
_PAST_DAYS, _FUTURE_DAYS = 80 * 365, 3 * 365
_ITEMS = tuple((name, int(Decimal(price) * 100)) for name, price in samples.SERVICE_ITEMS)


@dataclass
class Rows:
    """One batch of rows, a list per table (in ``COLUMNS`` order)."""

    customers: list[tuple[object, ...]] = field(default_factory=list)
    phones: list[tuple[object, ...]] = field(default_factory=list)
    vehicles: list[tuple[object, ...]] = field(default_factory=list)
    links: list[tuple[object, ...]] = field(default_factory=list)
    visits: list[tuple[object, ...]] = field(default_factory=list)
    items: list[tuple[object, ...]] = field(default_factory=list)
    follow_ups: list[tuple[object, ...]] = field(default_factory=list)

    def tables(self) -> dict[str, list[tuple[object, ...]]]:
        lists = (
            self.customers,
            self.phones,
            self.vehicles,
            self.links,
            self.visits,
            self.items,
            self.follow_ups,
        )
        return dict(zip(COLUMNS, lists, strict=True))


def mobile_number(k: int, prefix: str) -> tuple[str, str]:
    """The ``k``-th mobile (unique for k < 10**8, whatever the prefix): (digits, E.164)."""
    digits = f"{prefix}{(k * _MOBILE_STEP + _MOBILE_OFFSET) % _MOBILES:08d}"
    return digits, "+86" + digits


def landline_number(k: int) -> tuple[str, str]:
    """The ``k``-th Guangzhou landline (unique for k < 4 * 10**7): (8-digit subscriber number, E.164)."""
    first = samples.GUANGZHOU_FIRST_DIGITS
    subscriber = f"{first[k % len(first)]}{((k // len(first)) * _LINE_STEP + _LINE_OFFSET) % _LINES:07d}"
    return subscriber, "+8620" + subscriber


def plate_for(vehicle_id: int, new_energy: bool) -> str:
    """A unique plate per vehicle id: the first ids in Guangzhou (粤A), later ones in other offices."""
    space = _GREEN_SPACE if new_energy else _BLUE_SPACE
    office, n = divmod(vehicle_id, space)
    n = (n * _PLATE_STEP + 1) % space
    head = f"{samples.PROVINCE}{samples.PLATE_OFFICES[office]}"
    if new_energy:
        return f"{head}{samples.NEW_ENERGY_LETTERS[n // 10**5]}{n % 10**5:05d}"
    return f"{head}{samples.PLATE_LETTERS[n // 10**4]}{n % 10**4:04d}"


def written_mobile(digits: str, style: float) -> str:
    """A mobile as people write it."""
    if style < 0.6:
        return digits
    if style < 0.75:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style < 0.85:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style < 0.95:
        return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
    return "+86" + digits


def written_landline(subscriber: str, style: float) -> str:
    """A Guangzhou landline as people write it."""
    if style < 0.5:
        return f"020-{subscriber[:4]}-{subscriber[4:]}"
    if style < 0.7:
        return f"(020) {subscriber}"
    if style < 0.85:
        return f"020 {subscriber[:4]} {subscriber[4:]}"
    return f"+86 20 {subscriber[:4]} {subscriber[4:]}"


class RowMaker:
    """Makes batches of customers; keeps the counters (ids, numbers) and the sharing state between them."""

    def __init__(self, rng: random.Random, today: date, branch_id: int, next_ids: dict[str, int]) -> None:
        self.rnd = rng.random
        self.rng = rng
        self.branch_id = branch_id
        self.ids = dict(next_ids)
        self.mobiles = self.lines = 0
        self.zero = _PAST_DAYS
        self.days = [(today + timedelta(days=d)).isoformat() for d in range(-_PAST_DAYS, _FUTURE_DAYS)]
        self.stamps = [_stamp(today - timedelta(days=d), rng) for d in range(1, 8 * 365)]
        self.men = [samples.person_name(rng, female=False) for _ in range(4096)]
        self.women = [samples.person_name(rng, female=True) for _ in range(4096)]
        self.companies = [samples.company_name(rng) for _ in range(512)]
        self.company: tuple[str, str, list[int]] | None = None  # switchboard (written, e164), fleet
        self.staff_left = 0
        self.home: tuple[str, str, int | None] | None = None  # last person's home line and first car

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _pick(self, items: tuple[str, ...] | list[str] | str) -> str:
        return items[int(self.rnd() * len(items))]

    def _day(self, offset: int) -> str:
        return self.days[self.zero + offset]

    def customers(self, count: int, vehicles_per_customer: float) -> Rows:
        rows = Rows()
        for _ in range(count):
            if self.staff_left == 0 and self.rnd() < COMPANY_SHARE:
                self._company(rows, vehicles_per_customer)
            else:
                self._person(rows, vehicles_per_customer)
        return rows

    def _person(self, rows: Rows, per_customer: float) -> None:
        rnd = self.rnd
        female = rnd() < 0.4
        customer_id = self._id("customers")
        birthday = self._day(-int(rnd() * 43 * 365) - 22 * 365)
        name = self._pick(self.women if female else self.men)
        rows.customers.append(
            self._customer_row(customer_id, "person", name, "female" if female else "male", birthday)
        )
        digits, e164 = self._mobile()
        rows.phones.append(
            (self._id("customer_phones"), customer_id, written_mobile(digits, rnd()), e164, "手机", 0)
        )
        cars = self._cars(rows, customer_id, per_customer)
        self._extra_phones(rows, customer_id, cars[0] if cars else None)
        self._follow_up(rows, customer_id)

    def _extra_phones(self, rows: Rows, customer_id: int, first_car: int | None) -> None:
        """Staff get the company switchboard (and drive a fleet car); others may give a home line, which a
        family shares (and the family car)."""
        if self.staff_left and self.company is not None:
            written, e164, fleet = self.company
            rows.phones.append((self._id("customer_phones"), customer_id, written, e164, "公司", 1))
            rows.links.append((customer_id, fleet[self.staff_left % len(fleet)], "driver"))
            self.staff_left -= 1
            return
        if self.rnd() >= HOME_LINE_SHARE:
            self.home = None
            return
        if self.home is not None and self.rnd() < FAMILY_SHARE:
            written, e164, car = self.home
            if car is not None and car != first_car:
                rows.links.append((customer_id, car, "user"))
        else:
            subscriber, e164 = landline_number(self.lines)
            self.lines += 1
            written = written_landline(subscriber, self.rnd())
            self.home = (written, e164, first_car)
        rows.phones.append((self._id("customer_phones"), customer_id, written, e164, "家庭", 1))

    def _company(self, rows: Rows, per_customer: float) -> None:
        customer_id = self._id("customers")
        rows.customers.append(
            self._customer_row(customer_id, "company", self._pick(self.companies), None, None)
        )
        subscriber, e164 = landline_number(self.lines)
        self.lines += 1
        written = written_landline(subscriber, self.rnd())
        rows.phones.append((self._id("customer_phones"), customer_id, written, e164, "总机", 0))
        fleet = self._cars(rows, customer_id, per_customer + 1, roles=("owner",))
        self.company = (written, e164, fleet) if fleet else None
        self.staff_left = self.rng.randint(1, 3) if fleet else 0
        self._follow_up(rows, customer_id)

    def _customer_row(
        self, customer_id: int, kind: str, name: str, gender: str | None, birthday: str | None
    ) -> tuple[object, ...]:
        stamp = self._pick(self.stamps)
        level, source = self._pick(samples.LEVELS), self._pick(samples.SOURCES)
        return (customer_id, self.branch_id, kind, name, gender, birthday, level, source, stamp, stamp)

    def _mobile(self) -> tuple[str, str]:
        digits, e164 = mobile_number(self.mobiles, self._pick(samples.MOBILE_PREFIXES))
        self.mobiles += 1
        return digits, e164

    def _cars(
        self, rows: Rows, customer_id: int, per_customer: float, roles: tuple[str, ...] = ()
    ) -> list[int]:
        whole = int(per_customer)
        count = whole + (self.rnd() < per_customer - whole)
        made = []
        for _ in range(count):
            vehicle_id = self._vehicle(rows, customer_id)
            held = roles or (("owner", "driver") if self.rnd() < 0.6 else ("owner",))
            rows.links += [(customer_id, vehicle_id, role) for role in held]
            made.append(vehicle_id)
        return made

    def _vehicle(self, rows: Rows, customer_id: int) -> int:
        rnd = self.rnd
        brand, model, new_energy, wmi = samples.CARS[int(rnd() * len(samples.CARS))]
        vehicle_id = self._id("vehicles")
        age = int(rnd() * 9 * 365) + 60
        last_visit, mileage = self._visits(rows, vehicle_id, customer_id, age)
        serviced = last_visit if last_visit is not None else -age
        stamp = self._pick(self.stamps)
        status = "active" if rnd() < 0.97 else self._pick(("sold", "scrapped"))
        plate, vin = plate_for(vehicle_id, new_energy), self._vin(vehicle_id, wmi)
        bought, insured, inspected = (
            self._day(-age),
            self._day(int(rnd() * 365) - 30),
            self._day(int(rnd() * 730) - 20),
        )
        colour, service = self._pick(samples.COLOURS), self._day(serviced + 180)
        rows.vehicles.append((
            vehicle_id, self.branch_id, plate, vin, brand, model, colour, mileage, bought, bought, insured,
            inspected, service, status, stamp, stamp,
        ))  # fmt: skip
        return vehicle_id

    def _vin(self, vehicle_id: int, wmi: str) -> str | None:
        if self.rnd() >= 0.8:
            return None
        descriptor = "".join(self._pick(_VIN_DESCRIPTOR) for _ in range(5))
        plant, serial = divmod(vehicle_id, 10**6)
        return samples.vin(
            wmi, descriptor, self._pick(samples.VIN_YEARS), _VIN_PLANTS[plant % 33], f"{serial:06d}"
        )

    def _visits(self, rows: Rows, vehicle_id: int, customer_id: int, age: int) -> tuple[int | None, int]:
        """0-2 visits in the car's last two years; returns the last one's day offset and the mileage."""
        rnd = self.rnd
        window = min(age, 720)
        offsets = sorted(-1 - int(rnd() * window) for _ in range(int(rnd() * 3)))
        km_per_day = 20 + int(rnd() * 40)
        for offset in offsets:
            visit_id = self._id("visits")
            total = 0
            for _ in range(1 + int(rnd() * 3)):
                name, price = _ITEMS[int(rnd() * len(_ITEMS))]
                rows.items.append((self._id("visit_items"), visit_id, name, price, 1))
                total += price
            mileage = (age + offset) * km_per_day
            advisor = self._pick(samples.ADVISORS)
            rows.visits.append((visit_id, vehicle_id, customer_id, self._day(offset), mileage, total, advisor,
                                "completed"))  # fmt: skip
        return (offsets[-1] if offsets else None), age * km_per_day

    def _follow_up(self, rows: Rows, customer_id: int) -> None:
        draw = self.rnd()
        if draw >= 0.04:
            return
        complaint = draw < 0.01
        kind = "complaint" if complaint else "follow_up"
        category = self._pick(samples.COMPLAINT_CATEGORIES if complaint else samples.FOLLOW_UP_CATEGORIES)
        status = self._pick(("open", "in_progress", "resolved", "closed"))
        content = "客户来电反映问题，需回电处理" if complaint else "回访客户用车情况"
        due = self._day(int(self.rnd() * 20) - 10)
        channel, stamp = self._pick(samples.CHANNELS), self._pick(self.stamps)
        row = (
            self._id("follow_ups"),
            customer_id,
            kind,
            category,
            channel,
            content,
            status,
            due,
            stamp,
            stamp,
        )
        rows.follow_ups.append(row)


_VIN_DESCRIPTOR = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VIN_PLANTS = _VIN_DESCRIPTOR


def _stamp(day: date, rng: random.Random) -> str:
    """A UTC time on ``day`` during business hours in China, as SQLAlchemy stores it in SQLite."""
    moment = datetime.combine(day, time(hour=rng.randrange(0, 10), minute=rng.randrange(60)))
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
