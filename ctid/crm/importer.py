"""Customer import and export against the database: a dry run that reports every bad row, an import that
lands whole or not at all, an export of a branch's customers with their vehicles.

The pure layer (``ctid.crm.imports``) reads, checks and plans; this service fills ``ExistingKeys`` with the
file's own keys only (``import_store``), and writes the plan in one transaction in bulk. Reading and checking
100,000 rows is seconds of CPU: it runs in a worker thread, never on the event loop. A thread cannot be
cancelled from outside, so the caller passes a ``threading.Event`` that the row loop asks before each row:
set (the web's client went away), the check stops with ImportCancelled and nothing is written.

Audit: one ``crm.import`` entry per import (who, file, merge choice, counts, and the id ranges of the
customers and vehicles created), not one entry per created record; every customer and vehicle that an
``update`` import changes gets its own entry with the fields before and after (those are few and are the
changes a dealer will look for in a record's history).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit.models import Actor
from ctid.audit.store import _dump
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm import import_store, scope, search_store
from ctid.crm.history import auditable
from ctid.crm.imports.errors import ImportCancelled, RowError
from ctid.crm.imports.mapping import guess_mapping
from ctid.crm.imports.matching import ExistingKeys, file_keys, match_existing
from ctid.crm.imports.planning import Existing, ImportPlan, MergeChoice, New, Step, Target, plan
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.records import SheetCustomer, SheetVehicle
from ctid.crm.imports.report import Report
from ctid.crm.imports.validation import check_rows
from ctid.crm.models import CustomerKind, Gender, MileageSource, Phone, Transmission, VehicleRole
from ctid.storage.db import Database

log = logging.getLogger(__name__)
FORMATS = ("csv", "xlsx")
_CUSTOMER_FIELDS = (
    "name", "kind", "gender", "address", "birthday", "level", "source", "industry", "tags", "notes",
    "licence_review_on",
)  # fmt: skip
_VEHICLE_FIELDS = (
    "vin", "brand", "model", "transmission", "engine_number", "colour", "purchase_date", "registration_date",
    "insurer", "insurance_expiry", "inspection_due", "warranty_expiry",
)  # fmt: skip
_BLANK = (None, "", ())
_NULLABLE = frozenset(
    {"gender", "birthday", "licence_review_on", "vin", "purchase_date", "registration_date"}
    | {"insurance_expiry", "inspection_due", "warranty_expiry"}
)  # the other columns default to "" (one executemany needs every row to give every column)
_WRITE_BATCH = 500  # rows per INSERT: a failure names a narrow range of the file's rows
_EXPORT_BATCH = 2000


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class Upload:
    """A file to import and how to read it: ``mapping`` overrides the guessed columns (header -> field, or
    None to ignore the column); ``branch_id`` (admins) imports into another branch."""

    data: bytes
    filename: str = ""
    mapping: Mapping[str, str | None] = field(default_factory=dict)
    branch_id: int | None = None


@dataclass(frozen=True)
class Check:
    """A dry run: the file's format, the checked report, and what the merge choice would do."""

    format: str
    branch_id: int
    report: Report
    plan: ImportPlan

    @property
    def errors(self) -> tuple[RowError, ...]:
        return self.plan.errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.plan.errors})


@dataclass(frozen=True)
class ImportResult:
    """Rows written as new records (``created``), into existing ones (``updated``), left out (``skipped``);
    and how many customers and vehicles that made."""

    created: int
    updated: int
    skipped: int
    customers_created: int = 0
    customers_updated: int = 0
    vehicles_created: int = 0
    vehicles_updated: int = 0


class ImportRejected(ValidationError):
    """Rows with errors: nothing was written; ``check`` has every error for the dry-run report."""

    def __init__(self, check: Check) -> None:
        super().__init__(
            "file", N_("%(count)d rows have errors: nothing was imported."), count=check.bad_rows
        )
        self.check = check


class ImportFailed(Conflict):
    """The database refused a write part-way (a plate or VIN saved at the same moment by someone else):
    the transaction was rolled back, nothing was written."""


class Importer:
    def __init__(
        self,
        db: Database,
        normaliser: PhoneNormaliser,
        today: Callable[[], date],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._normaliser = normaliser
        self._today = today
        self._clock = clock

    async def dry_run(
        self,
        user: User,
        upload: Upload,
        merge: MergeChoice = MergeChoice.SKIP,
        cancel: threading.Event | None = None,
    ) -> Check:
        """Check every row against the file and the branch's records; nothing is written. ImportCancelled
        when ``cancel`` is set before the check is done."""
        scope.require(user, Permission.CRM_IMPORT)
        cancel = cancel or threading.Event()
        async with self._db.connect() as conn:
            branch_id = await scope.branch_for_new(conn, user, upload.branch_id)
        report, format = await asyncio.to_thread(self._read, upload, cancel)
        async with self._db.connect() as conn:
            return await self._check(conn, branch_id, report, format, merge, cancel)

    async def apply(
        self,
        actor: Actor,
        user: User,
        upload: Upload,
        merge: MergeChoice,
        cancel: threading.Event | None = None,
    ) -> ImportResult:
        """Check again and write the plan in one transaction: all rows or none. ImportRejected (422, with
        the report) when any row is bad, ImportFailed (409) when the database refuses a write,
        ImportCancelled when ``cancel`` is set before the check is done (the writing is not cancelled)."""
        scope.require(user, Permission.CRM_IMPORT)
        cancel = cancel or threading.Event()
        report, format = await asyncio.to_thread(self._read, upload, cancel)
        now = self._clock()
        try:
            async with self._db.begin() as conn:
                branch_id = await scope.branch_for_new(conn, user, upload.branch_id)
                check = await self._check(conn, branch_id, report, format, merge, cancel)
                if check.errors:
                    raise ImportRejected(check)
                writer = _Writer(conn, branch_id, now, self._today())
                result = await writer.write(check.plan)
                await _refresh_search(conn, writer.touched_customers)
                await import_store.insert_audit(conn, writer.audit_rows(actor))
                await _summary(conn, actor, upload, check, result, writer, now)
                return result
        except DBAPIError as error:
            raise ImportFailed(
                N_("Nothing was imported: the database refused the import (%(reason)s)."),
                reason=str(error.orig),
            ) from None

    async def export(self, user: User, branch_id: int | None, format: Format, language: str) -> bytes:
        """The branch's customers with their vehicles (one row per vehicle; a customer without one is one
        row), read in batches and written in a worker thread as they arrive."""
        scope.require(user, Permission.CRM_IMPORT)
        if language not in ("zh", "en"):
            raise ValidationError("lang", N_("The language must be zh or en."))
        from ctid.crm.imports.export import write_csv, write_xlsx  # openpyxl: loaded when first exporting

        writer_of = write_xlsx if format is Format.XLSX else write_csv
        batches: queue.Queue[list[SheetCustomer] | None] = queue.Queue(maxsize=4)

        def records() -> Iterator[SheetCustomer]:
            while (batch := batches.get()) is not None:
                yield from batch

        task = asyncio.ensure_future(asyncio.to_thread(writer_of, records(), language=language))
        try:
            async with self._db.connect() as conn:
                branch = await scope.branch_for_new(conn, user, branch_id)
                after = 0
                while True:
                    batch = await conn.run_sync(import_store.customer_batch, branch, after, _EXPORT_BATCH)
                    if not batch:
                        break
                    after = batch[-1][0]["id"]
                    await _put(batches, [r for item in batch for r in _sheet_rows(*item)], task)
        finally:
            await _put(batches, None, task)
        return await task

    def _read(self, upload: Upload, cancel: threading.Event) -> tuple[Report, str]:
        """Read and check the file on its own (the worker thread's part). The check's start and its
        cancelling are logged here, in the thread: whoever awaited it may be cancelled itself and log
        nothing."""
        log.info("checking %s (%d KB)", upload.filename or "a file", len(upload.data) // 1024)
        table = read_table(upload.data, upload.filename)
        mapping = guess_mapping(table.headers, upload.mapping)
        try:
            return check_rows(table, mapping, self._normaliser, cancelled=cancel.is_set), table.format
        except ImportCancelled as stopped:
            log.info(
                "the check of %s (%d KB) was cancelled after %d rows",
                upload.filename or "a file",
                len(upload.data) // 1024,
                stopped.rows,
            )
            raise

    async def _check(
        self,
        conn: AsyncConnection,
        branch_id: int,
        report: Report,
        format: str,
        merge: MergeChoice,
        cancel: threading.Event,
    ) -> Check:
        keys = file_keys(report)
        stored = await conn.run_sync(import_store.stored_keys, branch_id, keys.phones, keys.plates, keys.vins)
        existing = ExistingKeys(
            stored.phones, stored.plates, stored.vins, stored.names, stored.vehicle_customers
        )
        checked = await asyncio.to_thread(_match, report, existing, stored.foreign_vins, merge, cancel)
        return Check(format, branch_id, *checked)


def _match(
    report: Report,
    existing: ExistingKeys,
    foreign_vins: set[str],
    merge: MergeChoice,
    cancel: threading.Event,
) -> tuple[Report, ImportPlan]:
    if cancel.is_set():
        raise ImportCancelled(report.total_rows)
    report = match_existing(report, existing)
    if foreign_vins:
        report = _refuse_foreign_vins(report, foreign_vins)
    return report, plan(report, merge)


def _refuse_foreign_vins(report: Report, foreign: set[str]) -> Report:
    """A VIN on another branch's vehicle: neither a new vehicle (VINs are unique) nor one to update."""
    header = report.mapping.header_of("vin")
    bad = [r for r in report.rows if r.record.vehicle is not None and r.record.vehicle.vin in foreign]
    if not bad:
        return report
    reason = N_("The VIN is on a vehicle of another branch.")
    errors = [
        RowError(r.number, header, "vin", (r.record.vehicle.vin if r.record.vehicle else "") or "", reason)
        for r in bad
    ]
    numbers = {r.number for r in bad}
    rows = tuple(r for r in report.rows if r.number not in numbers)
    return replace(report, rows=rows, errors=tuple(sorted((*report.errors, *errors), key=lambda e: e.row)))


async def _put(batches: queue.Queue[Any], item: Any, task: asyncio.Future[Any]) -> None:
    """Hand ``item`` to the writer thread, unless the writer has already stopped (failed)."""
    while not task.done():
        try:
            batches.put_nowait(item)
            return
        except queue.Full:
            await asyncio.sleep(0.005)


async def _refresh_search(conn: AsyncConnection, customer_ids: Sequence[int]) -> None:
    """The search index of every customer the import created or updated, in the import's transaction."""
    await search_store.refresh(conn, customer_ids)


async def _summary(
    conn: AsyncConnection,
    actor: Actor,
    upload: Upload,
    check: Check,
    result: ImportResult,
    writer: _Writer,
    now: datetime,
) -> None:
    after = {
        "file": upload.filename,
        "format": check.format,
        "branch_id": check.branch_id,
        "merge": check.plan.choice.value,
        "rows": check.report.total_rows,
        **{name: getattr(result, name) for name in result.__dataclass_fields__},
        "customer_ids": _ranges(writer.created_customers),
        "vehicle_ids": _ranges(writer.created_vehicles),
    }
    entity = writer.created_customers[0] if writer.created_customers else ""
    await import_store.insert_audit(conn, [_audit(actor, "crm.import", ("import", entity), now, None, after)])


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    """Ids as [first, last] runs: a 100,000-row import is one or a few runs."""
    runs: list[list[int]] = []
    for number in sorted(ids):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return runs


def _audit(
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


@dataclass
class _Record:
    """What the plan writes to one customer or vehicle, gathered over all of its rows."""

    first_row: int
    values: dict[str, Any]
    phones: dict[str, Phone] = field(default_factory=dict)
    mileage_km: int | None = None


class _Writer:
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
            _audit(actor, f"{kind}.import", (kind, entity_id), self.now, before, after)
            for kind, entity_id, before, after in self._audits
        ]


def _defaults(names: Sequence[str]) -> dict[str, Any]:
    return {name: None if name in _NULLABLE else "" for name in names}


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


# --- export rows ------------------------------------------------------------------------------------------


def _sheet_rows(row: Any, phones: Sequence[Any], cars: Sequence[Any]) -> list[SheetCustomer]:
    customer = SheetCustomer(
        name=row["name"],
        phones=tuple(Phone(p.number, p.e164, p.label) for p in phones),
        kind=CustomerKind(row["kind"]),
        gender=Gender(row["gender"]) if row["gender"] else None,
        address=row["address"],
        birthday=row["birthday"],
        level=row["level"],
        source=row["source"],
        industry=row["industry"],
        tags=tuple(tag for tag in row["tags"].split("\n") if tag),
        notes=row["notes"],
        licence_review_on=row["licence_review_on"],
    )
    if not cars:
        return [customer]
    return [replace(customer, vehicle=_sheet_vehicle(car)) for car in cars]


def _sheet_vehicle(car: Mapping[str, Any]) -> SheetVehicle:
    return SheetVehicle(
        plate=car["plate"],
        role=VehicleRole(car["role"]),
        vin=car["vin"],
        brand=car["brand"],
        model=car["model"],
        transmission=Transmission(car["transmission"]) if car["transmission"] else None,
        engine_number=car["engine_number"],
        colour=car["colour"],
        purchase_date=car["purchase_date"],
        registration_date=car["registration_date"],
        mileage_km=car["mileage_km"],
        insurer=car["insurer"],
        insurance_expiry=car["insurance_expiry"],
        inspection_due=car["inspection_due"],
        warranty_expiry=car["warranty_expiry"],
    )
