"""A branch's customers with their vehicles as a CSV or XLSX file, in the import's columns, so that a file
exported from one shop imports into another. Read in batches and written in a worker thread as they arrive:
a million customers never sit in memory as rows."""

from __future__ import annotations

import asyncio
import queue
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.crm import import_store, scope
from ctid.crm.import_models import Format
from ctid.crm.imports.records import SheetCustomer, SheetVehicle
from ctid.crm.models import CustomerKind, Gender, Phone, Transmission, VehicleRole
from ctid.storage.db import Database

_EXPORT_BATCH = 2000


class Exporter:
    def __init__(self, db: Database) -> None:
        self._db = db

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


async def _put(batches: queue.Queue[Any], item: Any, task: asyncio.Future[Any]) -> None:
    """Hand ``item`` to the writer thread, unless the writer has already stopped (failed)."""
    while not task.done():
        try:
            batches.put_nowait(item)
            return
        except queue.Full:
            await asyncio.sleep(0.005)


def _sheet_rows(row: Any, phones: Sequence[Any], cars: Sequence[Any]) -> list[SheetCustomer]:
    customer = SheetCustomer(
        name=row["name"],
        phones=tuple(Phone(p.number, p.e164, p.label) for p in phones),
        kind=CustomerKind(row["kind"]),
        gender=Gender(row["gender"]) if row["gender"] else None,
        address=row["address"],
        email=row["email"],
        birthday=row["birthday"],
        birthday_lunar=True if row["birthday_lunar"] else None,  # only the lunar ones are written out
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
