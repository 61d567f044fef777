"""A CSV or XLSX file into a header and a stream of rows of text, numbered as the spreadsheet numbers them.

Why streaming: a dealer's customer list can have 100,000 rows; rows are produced one at a time
(``csv`` over a decoding stream, openpyxl in read-only mode) and only the checked records are kept.
Why the whole file as bytes: an upload arrives that way, and a path is read into memory once (a 100,000-row
file is a few megabytes), so no file handle outlives the call whatever the caller does with the rows.

The format comes from the content, not the name: an XLSX is a zip, an old ``.xls`` is an OLE file (refused
with advice), anything else named ``.csv``, ``.txt``, ``.tsv`` or nothing is read as text. Chinese Excel
saves CSV in GBK, so text that is not UTF-8 is read as GB18030 (a superset of GBK); "Unicode text" from Excel
is UTF-16 with a byte-order mark.

Every step is linear in the file and bounded by ``limits``: a row's trailing blank cells are found from the
end in one pass (a CSV line of 240,000 commas), a CSV record's separators are counted as its lines arrive
(csv would otherwise build a list of millions of empty cells first), and a value past the column or row
cap refuses the file with the cap and its limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ctid.core.errors import N_
from ctid.core.text import clean_text
from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.limits import DEFAULT, MAX_CELLS_PARSED, Limits, check_caps, too_many_rows
from ctid.crm.imports.table import Row, Table

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other Office 97 files)
_TEXT_SUFFIXES = frozenset({"", ".csv", ".txt", ".tsv"})
_DELIMITERS = ",;\t"
_CHUNK = 1 << 20


def read_table(
    source: bytes | str | os.PathLike[str],
    filename: str = "",
    *,
    sheet: str | None = None,
    limits: Limits = DEFAULT,
) -> Table:
    """Open ``source`` (the file's bytes, or a path) as a table; ``sheet`` picks an XLSX sheet by name (the
    first one by default). Raises ImportFileError naming what is wrong with the file (also while the rows
    stream: a damaged part, a value past a cap of ``limits``)."""
    if isinstance(source, bytes):
        data = source
    else:
        filename = filename or Path(source).name
        try:
            data = Path(source).read_bytes()
        except OSError as error:
            raise ImportFileError(
                N_("Cannot read the file: %(reason)s"), reason=error.strerror or ""
            ) from None
    suffix = Path(filename).suffix.casefold()
    if not data or data.isspace():
        raise ImportFileError(N_("The file is empty."))
    if data.startswith(_ZIP):
        from ctid.crm.imports.xlsx import xlsx_rows  # openpyxl (~10 MB): loaded when a workbook comes

        return _table(filename, "xlsx", xlsx_rows(data, sheet, limits), limits)
    if data.startswith(_OLE):
        raise ImportFileError(N_("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV."))
    if suffix in (".xlsx", ".xlsm"):
        raise ImportFileError(N_("This is not an Excel workbook (.xlsx), or the file is damaged."))
    if suffix not in _TEXT_SUFFIXES:
        raise ImportFileError(
            N_("Only CSV and Excel (.xlsx) files can be imported, not %(suffix)s."), suffix=suffix
        )
    encoding = _encoding(data)
    delimiter = _delimiter(data, encoding)
    rows = _csv_rows(data, encoding, delimiter, limits)
    return _table(filename, "csv", rows, limits, encoding, delimiter)


def _table(
    filename: str,
    format: str,
    rows: Iterator[Row],
    limits: Limits,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Take the header from the first row with a value; the rest stay a stream."""
    kept = _not_blank(rows, limits)
    header = next(kept, None)
    if header is None:
        raise ImportFileError(N_("The file has no rows."))
    headers = tuple(clean_text(cell) for cell in header.cells)
    return Table(filename, format, header.number, headers, kept, encoding, delimiter)


def _not_blank(rows: Iterable[Row], limits: Limits) -> Iterator[Row]:
    """The rows with a value (their cells trimmed already), each within the caps."""
    for row in rows:
        if row.cells:
            check_caps(row.number, len(row.cells), limits)
            yield row


def trimmed(cells: Sequence[str]) -> tuple[str, ...]:
    """``cells`` without its trailing blank cells (empty or whitespace only), in one pass from the end.

    Why not drop them one at a time (``cells = cells[:-1]``): each drop copies the rest, and a CSV line of
    240,000 commas took 40 s of CPU so."""
    end = len(cells)
    while end and (not cells[end - 1] or cells[end - 1].isspace()):
        end -= 1
    return tuple(cells[:end])


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; text with NUL bytes is no text. A file
    none of them reads is refused naming the line of the first byte that GB18030 (or UTF-16) cannot read."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig", "gb18030")
    elif (nul := data.find(b"\x00")) >= 0:
        raise ImportFileError(
            N_("Line %(line)d holds a NUL byte, which no text has: save the sheet as CSV or Excel (.xlsx)."),
            line=data.count(b"\n", 0, nul) + 1,
        )
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        bad = _undecodable_at(data, encoding)
        if bad is None:
            return encoding
    raise ImportFileError(
        N_("Line %(line)d is neither UTF-8 nor GBK text: save the sheet as CSV (UTF-8) or Excel (.xlsx)."),
        line=data[:bad].decode(encoding, errors="replace").count("\n") + 1,
    )


def _undecodable_at(data: bytes, encoding: str) -> int | None:
    """The offset of the first byte ``encoding`` cannot read (None: all of it reads), checked a megabyte
    at a time (the text itself is not kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    start = 0  # where the bytes of the current call begin (the decoder may hold a few before them)
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start : start + _CHUNK])
        start = len(data)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        held = len(decoder.getstate()[0])  # the error's offset counts them too
        return max(0, start - held + error.start)
    return None


def _delimiter(data: bytes, encoding: str) -> str:
    """The most frequent of comma, semicolon and tab on the first line with any (the header): Excel in some
    locales separates with semicolons, "Unicode text" with tabs."""
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data[:65536])
    for line in sample.splitlines():
        counts = {delimiter: line.count(delimiter) for delimiter in _DELIMITERS}
        if any(counts.values()):
            return max(_DELIMITERS, key=lambda delimiter: counts[delimiter])  # ties go to the comma
    return ","


def _csv_rows(data: bytes, encoding: str, delimiter: str, limits: Limits) -> Iterator[Row]:
    """Records as Excel numbers its rows (a quoted cell with line breaks is still one row), trimmed. Every
    record counts against the row cap, blank or not: a CSV's blank lines are lines the dealer can see."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    lines = _CountedLines(text, delimiter)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            lines.separators = 0  # csv read exactly this record's lines
            if number > limits.rows:
                raise too_many_rows(limits)
            yield Row(number, trimmed(cells))
    except csv.Error as error:
        raise ImportFileError(
            N_("Row %(row)d cannot be read as CSV: %(reason)s"), row=number + 1, reason=str(error)
        ) from None
    except _TooManyCells:
        raise ImportFileError(
            N_("Row %(row)d has more than %(limit)d cells: no spreadsheet has so many columns."),
            row=number + 1,
            limit=MAX_CELLS_PARSED,
        ) from None


class _TooManyCells(Exception):
    pass


class _CountedLines:
    """The text's lines for ``csv.reader``, counting the separators of the record being read: past
    ``MAX_CELLS_PARSED`` it stops before csv builds the record (a list of millions of empty cells)."""

    def __init__(self, text: Iterator[str], delimiter: str) -> None:
        self._text = text
        self._delimiter = delimiter
        self.separators = 0

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self.separators += line.count(self._delimiter)
        if self.separators > MAX_CELLS_PARSED:
            raise _TooManyCells
        return line
