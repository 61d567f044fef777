"""Customer import against the database: a dry run that reports every bad row, an import that lands whole
or not at all (the writing is ``ctid.crm.import_writer``'s; the export is ``ctid.crm.exporter``).

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
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_
from ctid.core.phone import PhoneNormaliser
from ctid.crm import import_store, scope, search_store
from ctid.crm.import_models import Check, ImportFailed, ImportRejected, ImportResult, Upload
from ctid.crm.import_writer import ImportWriter, audit_row
from ctid.crm.imports.errors import ImportCancelled, RowError
from ctid.crm.imports.mapping import guess_mapping
from ctid.crm.imports.matching import ExistingKeys, file_keys, match_existing
from ctid.crm.imports.planning import ImportPlan, MergeChoice, plan
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.report import Report
from ctid.crm.imports.validation import check_rows
from ctid.storage.db import Database

log = logging.getLogger(__name__)


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
                writer = ImportWriter(conn, branch_id, now, self._today())
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


async def _refresh_search(conn: AsyncConnection, customer_ids: Sequence[int]) -> None:
    """The search index of every customer the import created or updated, in the import's transaction."""
    await search_store.refresh(conn, customer_ids)


async def _summary(
    conn: AsyncConnection,
    actor: Actor,
    upload: Upload,
    check: Check,
    result: ImportResult,
    writer: ImportWriter,
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
    summary = audit_row(actor, "crm.import", ("import", entity), now, None, after)
    await import_store.insert_audit(conn, [summary])


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    """Ids as [first, last] runs: a 100,000-row import is one or a few runs."""
    runs: list[list[int]] = []
    for number in sorted(ids):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return runs
