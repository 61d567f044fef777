"""Rows of a table into checked customer records, or every reason why not, without touching the database.

Each row is checked on its own first (every cell, so that one pass over the file reports every mistake),
then against the earlier rows (``duplicates``), then, given ``ExistingKeys``, against the database
(``matching``). Rows stream in and only checked records and errors are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from ctid.core.errors import N_
from ctid.core.phone import PhoneNormaliser
from ctid.crm.imports import values
from ctid.crm.imports.duplicates import FileIndex
from ctid.crm.imports.errors import ImportCancelled, RowError
from ctid.crm.imports.fields import BY_NAME, FIELDS, MAX_TAGS, Entity, Field, Kind
from ctid.crm.imports.mapping import ColumnMapping, MappedColumn
from ctid.crm.imports.matching import ExistingKeys, match_existing
from ctid.crm.imports.records import SheetCustomer, SheetVehicle
from ctid.crm.imports.report import CheckedRow, Report
from ctid.crm.imports.table import Row, Table
from ctid.crm.models import CustomerKind, Gender, Phone, Transmission, VehicleRole
from ctid.crm.new_customer import MAX_PHONES  # one limit for the form and the import

_SHOWN_VALUE = 200  # characters of a bad cell kept in its error
_ENUMS = {"kind": CustomerKind, "gender": Gender, "role": VehicleRole, "transmission": Transmission}
_READERS: dict[Kind, Callable[[str], object]] = {
    Kind.DATE: values.parse_date,
    Kind.FLAG: values.flag,
    Kind.EMAIL: values.email,
    Kind.MILEAGE: values.mileage,
    Kind.PLATE: values.plate,
    Kind.VIN: values.vin,
}
_EMPTY = (None, "", ())
_VEHICLE_FIELDS = frozenset(field.name for field in FIELDS if field.entity is Entity.VEHICLE)
_VEHICLE_DETAILS = _VEHICLE_FIELDS - {"plate", "role"}  # a role alone is no vehicle (a default in many files)


def check_rows(
    table: Table,
    mapping: ColumnMapping,
    normaliser: PhoneNormaliser,
    existing: ExistingKeys | None = None,
    *,
    cancelled: Callable[[], bool] | None = None,
) -> Report:
    """Check every row of ``table`` under ``mapping``; with ``existing``, also match the database.

    A mapping with problems checks no row: its problems are the report's errors, on the header's row.
    Raises ImportFileError if the file turns out to be damaged part-way, ImportCancelled as soon as
    ``cancelled()`` says so (asked before each row: the check runs in a thread, which only stops itself).
    """
    if not mapping.ok:
        problems = tuple(replace(problem, row=table.header_row) for problem in mapping.problems)
        return Report(mapping, (), problems, 0)
    checker = _RowChecker(mapping, normaliser, len(table.headers))
    index = FileIndex()
    rows: list[CheckedRow] = []
    errors: list[RowError] = []
    total = 0
    for row in table.rows:
        if cancelled is not None and cancelled():
            raise ImportCancelled(total)
        total += 1
        record = checker.record(row)
        if isinstance(record, list):
            errors += record
            continue
        identity = index.add(row.number, record)
        if isinstance(identity, list):
            errors += [checker.error(row, field, error) for field, error in identity]
            continue
        rows.append(
            CheckedRow(
                row.number, record, identity.duplicates, identity.same_customer_as, identity.same_vehicle_as
            )
        )
    report = Report(mapping, tuple(rows), tuple(errors), total)
    return report if existing is None else match_existing(report, existing)


class _RowChecker:
    """Turns one row into a record: every mapped cell parsed, then the rules that span cells."""

    def __init__(self, mapping: ColumnMapping, normaliser: PhoneNormaliser, width: int) -> None:
        self._columns = mapping.mapped
        self._has_phones = any(c.field == "phone" for c in self._columns)
        self._headers = {c.field: c.header for c in reversed(self._columns) if c.field is not None}
        self._normaliser = normaliser
        self._width = width
        # per column, what the loop over a row's cells needs, looked up once (the loop runs ~2M times)
        self._parsers = tuple(
            (column, BY_NAME[column.field or ""].name, _parser(BY_NAME[column.field or ""]))
            for column in self._columns
        )

    def record(self, row: Row) -> SheetCustomer | list[RowError]:
        """The row's record, or every error in it in column order."""
        errors: list[RowError] = []
        fields: dict[str, Any] = {}
        phones: dict[str, Phone] = {}
        given: set[str] = set()
        cells, width = row.cells, len(row.cells)
        for column, name, parse in self._parsers:
            raw = cells[column.index] if column.index < width else ""
            if not raw or raw.isspace():
                continue
            given.add(name)
            try:
                if parse is None:
                    if len(phones) > MAX_PHONES:
                        continue  # too many already: said once below, the other cells not parsed
                    for phone in values.phones(raw, self._normaliser, MAX_PHONES):
                        phones.setdefault(phone.e164 or "", phone)
                else:
                    fields[name] = parse(raw)
            except values.CellError as error:
                errors.append(self.error(row, name, error, column))
        if len(phones) > MAX_PHONES:
            too_many = values.CellError(N_("At most %(count)d phone numbers per customer."), count=MAX_PHONES)
            errors.append(self.error(row, "phone", too_many))
        errors += [self.error(row, field, error) for field, error in self._row_rules(row, fields, given)]
        if errors:
            return errors
        return _build(fields, tuple(phones.values()))

    def error(
        self, row: Row, field: str, error: values.CellError, column: MappedColumn | None = None
    ) -> RowError:
        header = column.header if column else self._headers.get(field, "")
        raw = _cell(row, column) if column else _cell_of(row, self._columns, field)
        shown = raw if len(raw) <= _SHOWN_VALUE else raw[: _SHOWN_VALUE - 1] + "…"
        return RowError(row.number, header, field, shown, error.reason, tuple(error.params.items()))

    def _row_rules(
        self, row: Row, fields: dict[str, Any], given: set[str]
    ) -> Iterator[tuple[str, values.CellError]]:
        """Rules on the whole row, as (field, error); a cell that failed on its own is not blamed twice."""
        if "name" not in given:
            yield "name", values.CellError(N_("The name is blank: every customer needs one."))
        elif "name" in fields and not fields["name"]:
            yield "name", values.CellError(N_("The name has no visible characters."))
        if not given & {"phone", "plate"}:
            reason = N_("Neither a phone number nor a plate: every customer needs one of them.")
            yield ("phone" if self._has_phones else "plate"), values.CellError(reason)
        if "plate" not in given and given & _VEHICLE_DETAILS:
            reason = N_("The row has vehicle details but no plate: give the plate, or leave them blank.")
            yield "plate", values.CellError(reason)
        if len(row.cells) > self._width:
            reason = N_(
                "The row has %(cells)d cells but the header only %(headers)d: a cell probably holds the "
                "separator without quotes."
            )
            yield "", values.CellError(reason, cells=len(row.cells), headers=self._width)


def _parser(field: Field) -> Callable[[str], object] | None:
    """The function that reads a cell of ``field``; None for phones (they go to the row's list of phones)."""
    kind = field.kind
    if kind is Kind.PHONES:
        return None
    if kind is Kind.TEXT:
        return partial(values.text, max_length=field.max_length)
    if kind is Kind.LONG_TEXT:
        return partial(values.long_text, max_length=field.max_length)
    if kind is Kind.LIST:
        return partial(values.text_list, max_length=field.max_length, max_items=MAX_TAGS)
    if kind is Kind.CHOICE:
        return partial(values.choice, enum=_ENUMS[field.name])
    return _READERS[kind]


def _build(fields: dict[str, Any], phones: tuple[Phone, ...]) -> SheetCustomer:
    customer = {name: value for name, value in fields.items() if name not in _VEHICLE_FIELDS}
    vehicle = {
        name: value for name, value in fields.items() if name in _VEHICLE_FIELDS and value not in _EMPTY
    }
    record = SheetVehicle(**vehicle) if "plate" in vehicle else None
    return SheetCustomer(**customer, phones=phones, vehicle=record)


def _cell(row: Row, column: MappedColumn) -> str:
    return row.cells[column.index] if column.index < len(row.cells) else ""


def _cell_of(row: Row, columns: Sequence[MappedColumn], field: str) -> str:
    return next((_cell(row, c) for c in columns if c.field == field), "")
