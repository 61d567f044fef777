"""The shape of a file once read: a header and a stream of numbered rows of text (see ``reading``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """A row's cells as text (trailing blank cells dropped) and its 1-based number in the spreadsheet."""

    number: int
    cells: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Table:
    """The header (cleaned text of the first row that is not blank) and the rows after it, blank rows skipped.

    ``rows`` can be iterated once; it raises ImportFileError if the file turns out to be corrupt further on.
    ``encoding`` and ``delimiter`` say how a CSV was read (None for XLSX), for the dry run to show.
    """

    filename: str
    format: str  # "csv" or "xlsx"
    header_row: int
    headers: tuple[str, ...]
    rows: Iterator[Row]
    encoding: str | None = None
    delimiter: str | None = None
