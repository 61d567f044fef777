"""What goes wrong in an import: a file that cannot be read at all, or a row that cannot be imported.

A file error stops everything (there are no rows to talk about); row errors are collected, every one of them,
so that the dealer fixes the file once rather than once per error. Reasons are English templates marked with
``N_`` plus parameters, as in ``ctid.core.errors``: the web translates the template and fills it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctid.core.errors import ValidationError


class ImportFileError(ValidationError):
    """The file is not a CSV or XLSX we can read (wrong format, corrupt, empty, undecodable)."""

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__("file", message, **params)


class ImportCancelled(Exception):
    """The check stopped part-way because whoever asked for it has gone (the web's client closed its
    connection): ``rows`` rows had been checked. Nothing was written."""

    def __init__(self, rows: int) -> None:
        super().__init__(f"stopped after {rows} rows")
        self.rows = rows


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem on one row: where it is (row number and header as in the file), the field and the cell's
    text, and why. ``row`` is the spreadsheet's 1-based row number; ``column`` is "" when no single cell is at
    fault (a row with neither phone nor plate names the first of those columns instead, when there is one)."""

    row: int
    column: str
    field: str
    value: str
    reason: str  # an English template marked with N_
    params: tuple[tuple[str, str | int], ...] = ()

    @property
    def message(self) -> str:
        """The reason in English with its parameters filled in."""
        return self.reason % dict(self.params) if self.params else self.reason
