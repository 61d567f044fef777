"""Writes a checked import plan in bulk, in the caller's transaction: new customers and vehicles by batches
of INSERTs (a refusal names the file's rows of its batch), changed ones by one UPDATE each with the fields
that differ, the phones, mileage readings and links after. It keeps what the audit needs: the ids created
and, for every changed record, the fields before and after."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit.models import Actor
from ctid.audit.store import _dump
from ctid.core.errors import N_
from ctid.crm import import_store
from ctid.crm.history import auditable
from ctid.crm.import_models import ImportFailed, ImportResult
from ctid.crm.imports.planning import Existing, ImportPlan, New, Step, Target
from ctid.crm.models import CustomerKind, MileageSource, Phone, VehicleRole

_CUSTOMER_FIELDS = (
    "name", "kind", "gender", "address", "email", "birthday", "birthday_lunar", "level", "source", "industry",
    "tags", "notes", "licence_review_on",
)  # fmt: skip
_VEHICLE_FIELDS = (
    "vin", "brand", "model", "transmission", "engine_number", "colour", "purchase_date", "registration_date",
    "insurer", "insurance_expiry", "inspection_due", "warranty_expiry",
)  # fmt: skip
_BLANK = (None, "", ())
_NULLABLE = frozenset(
    {"gender", "email", "birthday", "licence_review_on", "vin", "purchase_date", "registration_date"}
    | {"insurance_expiry", "inspection_due", "warranty_expiry"}
)  # the other columns default to "" (one executemany needs every row to give every column)
_FLAGS = {"birthday_lunar": False}  # yes / no columns: a new record's is no unless the file says
_WRITE_BATCH = 500  # rows per INSERT: a failure names a narrow range of the file's rows


@dataclass
class _Record:
    """What the plan writes to one customer or vehicle, gathered over all of its rows."""

    first_row: int
    values: dict[str, Any]
    phones: dict[str, Phone] = field(default_factory=dict)
    mileage_km: int | None = None


class ImportWriter:
    """Writes an ImportPlan in bulk on one connection (the caller's transaction)."""

    def __init__(self, conn: AsyncConnection, branch_id: int, now: datetime, today: date) -> None:
        self.conn = conn
        self.branch_id = branch_id
        self.now = now
        self.today = today
        self.created_customers: list[int] = []
        self.created_vehicles: list[int] = []
        self.touched_customers: list[int] = []
        self._audits: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = []

    async def write(self, import_plan: ImportPlan) -> ImportResult:
        customers: dict[Target, _Record] = {}
        cars: dict[Target, _Record] = {}
        links: dict[tuple[Target, Target, VehicleRole], None] = {}
        for step in import_plan.steps:
            self._gather(step, customers, cars, links)
        customer_ids = await self._customers(customers)
        vehicle_ids = await self._vehicles(cars)
        await self._links(links, customer_ids, vehicle_ids)
        self.touched_customers = sorted(set(customer_ids.values()))
        return ImportResult(
            created=len(import_plan.create),
            updated=len(import_plan.update),
            skipped=len(import_plan.skipped),
            customers_created=sum(1 for t in customers if isinstance(t, New)),
            customers_updated=sum(1 for t in customers if isinstance(t, Existing)),
            vehicles_created=sum(1 for t in cars if isinstance(t, New)),
            vehicles_updated=sum(1 for t in cars if isinstance(t, Existing)),
        )

    def _gather(
        self,
        step: Step,
        customers: dict[Target, _Record],
        cars: dict[Target, _Record],
        links: dict[tuple[Target, Target, VehicleRole], None],
    ) -> None:
        """Fold the row into its customer's and vehicle's records: a new record takes the first value given
        for each field, an existing one the last (the file's latest word)."""
        record = step.row.record
        given = {name: record.value(name) for name in _CUSTOMER_FIELDS}
        target = customers.setdefault(step.customer, _Record(step.row.number, {}))
        _fold(target.values, given, overwrite=isinstance(step.customer, Existing))
        for phone in record.phones:
            target.phones.setdefault(phone.e164 or phone.number, phone)
        vehicle = record.vehicle
        if vehicle is None or step.vehicle is None:
            return
        car = cars.setdefault(step.vehicle, _Record(step.row.number, {"plate": vehicle.plate}))
        car_values = {name: getattr(vehicle, name) for name in _VEHICLE_FIELDS}
        _fold(car.values, car_values, overwrite=isinstance(step.vehicle, Existing))
        if vehicle.mileage_km is not None:
            car.mileage_km = max(car.mileage_km or 0, vehicle.mileage_km)
        links.setdefault((step.customer, step.vehicle, vehicle.role), None)

    async def _customers(self, records: dict[Target, _Record]) -> dict[Target, int]:
        ids: dict[Target, int] = {t: t.id for t in records if isinstance(t, Existing)}
        new = [(t, r) for t, r in records.items() if isinstance(t, New)]
        for batch in import_store.chunks(new, _WRITE_BATCH):
            rows = [self._new_customer(record) for _target, record in batch]
            created = await self._guarded(import_store.insert_customers(self.conn, rows), batch)
            for (target, _record), customer_id in zip(batch, created, strict=True):
                ids[target] = customer_id
        self.created_customers = [ids[t] for t, _r in new]
        phones = [
            {"customer_id": ids[t], "number": p.number, "e164": p.e164, "label": p.label, "position": i}
            for t, r in new
            for i, p in enumerate(r.phones.values())
        ]
        for batch in import_store.chunks(phones, 5000):
            await import_store.insert_phones(self.conn, batch)
        await self._update_customers({t.id: r for t, r in records.items() if isinstance(t, Existing)})
        return ids

    def _new_customer(self, record: _Record) -> dict[str, Any]:
        values = _defaults(_CUSTOMER_FIELDS) | {n: _column(n, v) for n, v in record.values.items()}
        return {
            "branch_id": self.branch_id,
            "kind": values.pop("kind", None) or CustomerKind.PERSON.value,
            "created_at": self.now,
            "updated_at": self.now,
            **values,
        }

    async def _update_customers(self, records: dict[int, _Record]) -> None:
        if not records:
            return
        current = await self.conn.run_sync(import_store.current_rows, "customers", list(records))
        have = await self.conn.run_sync(import_store.phone_counts, list(records))
        rows, phones, audits = [], [], []
        for customer_id, record in records.items():
            values = {name: _column(name, value) for name, value in record.values.items()}
            changed = {k: v for k, v in values.items() if current[customer_id].get(k) != v}
            added = [p for key, p in record.phones.items() if key not in have[customer_id]]
            phones += [
                {
                    "customer_id": customer_id,
                    "number": p.number,
                    "e164": p.e164,
                    "label": p.label,
                    "position": i,
                }
                for i, p in enumerate(added, start=len(have[customer_id]))
            ]
            if not changed and not added:
                continue
            rows.append({"id": customer_id, **changed, "updated_at": self.now})
            before = {k: auditable(current[customer_id].get(k)) for k in changed}
            after = {k: auditable(v) for k, v in changed.items()}
            if added:
                before["phones_added"], after["phones_added"] = [], [auditable(p) for p in added]
            audits.append(("customer", customer_id, before, after))
        await import_store.update_rows(self.conn, "customers", rows)
        await import_store.insert_phones(self.conn, phones)
        self._audits += audits

    async def _vehicles(self, records: dict[Target, _Record]) -> dict[Target, int]:
        ids: dict[Target, int] = {t: t.id for t in records if isinstance(t, Existing)}
        new = [(t, r) for t, r in records.items() if isinstance(t, New)]
        for batch in import_store.chunks(new, _WRITE_BATCH):
            rows = [self._new_vehicle(record) for _target, record in batch]
            created = await self._guarded(import_store.insert_vehicles(self.conn, rows), batch)
            for (target, _record), vehicle_id in zip(batch, created, strict=True):
                ids[target] = vehicle_id
        self.created_vehicles = [ids[t] for t, _r in new]
        readings = [self._reading(ids[t], r.mileage_km) for t, r in new if r.mileage_km is not None]
        for batch in import_store.chunks(readings, 5000):
            await import_store.insert_readings(self.conn, batch)
        await self._update_vehicles({t.id: r for t, r in records.items() if isinstance(t, Existing)})
        return ids

    def _new_vehicle(self, record: _Record) -> dict[str, Any]:
        values = _defaults(_VEHICLE_FIELDS) | {n: _column(n, v) for n, v in record.values.items()}
        return {
            "branch_id": self.branch_id,
            "status": "active",
            "mileage_km": record.mileage_km,
            "created_at": self.now,
            "updated_at": self.now,
            **values,
        }

    def _reading(self, vehicle_id: int, km: int) -> dict[str, Any]:
        return {
            "vehicle_id": vehicle_id,
            "mileage_km": km,
            "read_on": self.today,
            "source": MileageSource.IMPORT.value,
            "correction": False,
            "visit_id": None,
            "created_at": self.now,
        }

    async def _update_vehicles(self, records: dict[int, _Record]) -> None:
        """Given cells overwrite; a mileage is a new reading when it is above the vehicle's latest (an old
        file's lower figure is history, not a correction, and is left out)."""
        if not records:
            return
        current = await self.conn.run_sync(import_store.current_rows, "vehicles", list(records))
        rows, readings = [], []
        audits = self._audits
        for vehicle_id, record in records.items():
            values = {n: _column(n, v) for n, v in record.values.items() if n != "plate"}
            km, latest = record.mileage_km, current[vehicle_id]["mileage_km"]
            if km is not None and (latest is None or km > latest):
                values["mileage_km"] = km
                readings.append(self._reading(vehicle_id, km))
            changed = {k: v for k, v in values.items() if current[vehicle_id].get(k) != v}
            if not changed:
                continue
            rows.append({"id": vehicle_id, **changed, "updated_at": self.now})
            before = {k: auditable(current[vehicle_id].get(k)) for k in changed}
            audits.append(("vehicle", vehicle_id, before, {k: auditable(v) for k, v in changed.items()}))
        await import_store.update_rows(self.conn, "vehicles", rows)
        await import_store.insert_readings(self.conn, readings)

    async def _links(
        self,
        links: dict[tuple[Target, Target, VehicleRole], None],
        customers: dict[Target, int],
        cars: dict[Target, int],
    ) -> None:
        existing_cars = [cars[v] for _c, v, _r in links if isinstance(v, Existing)]
        have = await self.conn.run_sync(import_store.links_of, existing_cars) if existing_cars else set()
        rows = []
        for customer, car, role in links:
            key = (customers[customer], cars[car], role.value)
            if key not in have:
                have.add(key)
                rows.append({"customer_id": key[0], "vehicle_id": key[1], "role": key[2]})
        for batch in import_store.chunks(rows, 5000):
            await import_store.insert_links(self.conn, batch)

    async def _guarded(self, insert: Any, batch: Sequence[tuple[Target, _Record]]) -> list[int]:
        """Run an insert; a refusal (the whole import is rolled back) names the file's rows of the batch."""
        try:
            ids: list[int] = await insert
        except DBAPIError as error:
            rows = [record.first_row for _t, record in batch]
            raise ImportFailed(
                N_("Nothing was imported: the database refused rows %(first)d to %(last)d (%(reason)s)."),
                first=min(rows),
                last=max(rows),
                reason=str(error.orig),
            ) from None
        return ids

    def audit_rows(self, actor: Actor) -> list[dict[str, Any]]:
        return [
            audit_row(actor, f"{kind}.import", (kind, entity_id), self.now, before, after)
            for kind, entity_id, before, after in self._audits
        ]


def _defaults(names: Sequence[str]) -> dict[str, Any]:
    return {name: _FLAGS.get(name, None if name in _NULLABLE else "") for name in names}


def _fold(values: dict[str, Any], given: Mapping[str, Any], *, overwrite: bool) -> None:
    for name, value in given.items():
        if value in _BLANK:
            continue
        if overwrite or values.get(name) in _BLANK:
            values[name] = value


def _column(name: str, value: Any) -> Any:
    if name == "tags":
        return "\n".join(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def audit_row(
    actor: Actor,
    action: str,
    entity: tuple[str, object],
    at: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor_id": actor.user_id,
        "actor_name": actor.name,
        "address": actor.address,
        "action": action,
        "entity_type": entity[0],
        "entity_id": str(entity[1]),
        "before": _dump(before),
        "after": _dump(after),
    }
