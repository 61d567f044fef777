"""What checking a file found: the rows that can be imported (with what they share with earlier rows and with
the database) and every row error, for the dry run to show and for ``planning`` to decide on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ctid.crm.imports.errors import RowError
from ctid.crm.imports.mapping import ColumnMapping
from ctid.crm.imports.records import SheetCustomer


class KeyKind(StrEnum):
    """The keys that make two rows (or a row and the database) the same customer or vehicle."""

    PHONE = "phone"  # E.164
    PLATE = "plate"  # canonical, unique within a branch
    VIN = "vin"  # canonical, unique everywhere


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An earlier row of the file with the same key (the first such row)."""

    key: KeyKind
    value: str
    row: int


@dataclass(frozen=True, slots=True)
class Match:
    """A record already in the database with the same key: a customer by phone, a vehicle by plate or VIN."""

    key: KeyKind
    value: str
    customer_id: int | None = None
    vehicle_id: int | None = None


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row that passed every check.

    ``same_customer_as`` / ``same_vehicle_as``: the first row of the file describing the same customer (same
    name, and a phone or plate in common) or vehicle (same plate or VIN); the database layer writes that
    customer or vehicle once. ``existing_customers``: customers in the database that are this row's customer
    (a phone in common, and the same name when the name is known); ``existing_vehicle``: the vehicle in the
    database with this plate or VIN. ``matches`` lists every collision with the database, for the dry run.
    """

    number: int
    record: SheetCustomer
    duplicates: tuple[Duplicate, ...] = ()
    same_customer_as: int | None = None
    same_vehicle_as: int | None = None
    matches: tuple[Match, ...] = ()
    existing_customers: tuple[int, ...] = ()
    existing_vehicle: int | None = None


@dataclass(frozen=True)
class Report:
    """The result of checking a file: ``rows`` that can be imported and ``errors`` sorted by row."""

    mapping: ColumnMapping
    rows: tuple[CheckedRow, ...]
    errors: tuple[RowError, ...]
    total_rows: int  # rows with any value, below the header

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def duplicate_rows(self) -> int:
        """Rows that share a phone, plate or VIN with an earlier row of the file."""
        return sum(1 for row in self.rows if row.duplicates)

    @property
    def matched_rows(self) -> int:
        """Rows that share a phone, plate or VIN with a customer or vehicle in the database."""
        return sum(1 for row in self.rows if row.matches)
