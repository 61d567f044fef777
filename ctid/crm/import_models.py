"""What an import and an export of customers take and give: the file and its options, the dry run's check,
the result, and the two refusals (bad rows, the database's no). Shared by the importer, its bulk writer,
the exporter and the web."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ctid.core.errors import N_, Conflict, ValidationError
from ctid.crm.imports.errors import RowError
from ctid.crm.imports.planning import ImportPlan
from ctid.crm.imports.report import Report


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
