"""How much of a file an import reads: columns, rows, and what an XLSX may unpack to.

Why caps: a file is outside input of any shape. One CSV line of 240,000 commas, a 1.6 KB workbook with a cell
in column XFD, or a 438 KB workbook whose shared strings unpack to hundreds of MB cost seconds of CPU and
hundreds of MB each without them. The caps sit far above a dealer's real list (a few dozen columns, 100,000
rows; ``ctid``'s own export of 100,000 customers with every field unpacks to 113 MB) and are checked before
the work they bound: an XLSX's unpacked sizes before openpyxl reads a part, a row's width and number as it
streams (a value past a cap refuses the file, naming the cap and the limit; blank cells and rows past it are
skipped without being stored).

Unpacked sizes are the ones the zip declares; Python's ``zipfile`` (which openpyxl reads through) never
returns more bytes of a part than declared and fails the CRC check of a part that says less than it holds,
so a lying size makes a damaged file, not a bigger one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctid.core.errors import N_
from ctid.crm.imports.errors import ImportFileError

MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps one import reads a file under (the defaults are the daemon's)."""

    columns: int = 200  # a value in column 201 (GS) or later refuses the file
    rows: int = 200_000  # a value in a row numbered above this refuses the file (the header's row counts)
    xlsx_unpacked_mb: int = 256  # every part of the workbook together, unpacked
    xlsx_in_memory_mb: int = 64  # the parts read whole (shared strings, styles, ...): all but the sheets,
    # which stream; what is read whole is held as Python objects, ~2-3 times its XML


DEFAULT = Limits()
# Hard bounds that are no setting: nothing a spreadsheet program writes comes near them.
MAX_CELLS_PARSED = 1 << 20  # separators in one CSV record (Excel's widest row has 16,384 cells)
MAX_XLSX_DIRECTORY = 1 * MB  # a workbook's list of parts (Excel's: ~1 KB); ~20,000 parts, a ZipInfo each


def column_letters(number: int) -> str:
    """Excel's name of a 1-based column (1 -> A, 27 -> AA, 16384 -> XFD), as the dealer sees it."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def check_caps(row: int, width: int, limits: Limits) -> None:
    """Refuse a row that has a value and is numbered past the row cap, or whose last value (``width``, its
    1-based column) is past the column cap."""
    if row > limits.rows:
        raise too_many_rows(limits)
    if width > limits.columns:
        raise ImportFileError(
            N_("Row %(row)d has a value in column %(column)s: an import reads at most %(limit)d columns."),
            row=row,
            column=column_letters(width),
            limit=limits.columns,
        )


def too_many_rows(limits: Limits) -> ImportFileError:
    return ImportFileError(
        N_("The file has more than %(limit)d rows: an import reads at most %(limit)d; split the file."),
        limit=limits.rows,
    )
