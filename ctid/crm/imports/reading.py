"""A CSV or XLSX file into a header and a stream of rows of text, numbered as the spreadsheet numbers them.

Why streaming: a dealer's customer list can have 100,000 rows; rows are produced one at a time
(``csv`` over a decoding stream, openpyxl in read-only mode) and only the checked records are kept.
Why the whole file as bytes: an upload arrives that way, and a path is read into memory once (a 100,000-row
file is a few megabytes), so no file handle outlives the call whatever the caller does with the rows.

The format comes from the content, not the name: an XLSX is a zip, an old ``.xls`` is an OLE file (refused
with advice), anything else named ``.csv``, ``.txt``, ``.tsv`` or nothing is read as text. Chinese Excel
saves CSV in GBK, so text that is not UTF-8 is read as GB18030 (a superset of GBK); "Unicode text" from Excel
is UTF-16 with a byte-order mark.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.table import Row, Table
from ctid.errors import N_
from ctid.text import clean_text

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other Office 97 files)
_TEXT_SUFFIXES = frozenset({"", ".csv", ".txt", ".tsv"})
_DELIMITERS = ",;\t"
_CHUNK = 1 << 20


def read_table(
    source: bytes | str | os.PathLike[str], filename: str = "", *, sheet: str | None = None
) -> Table:
    """Open ``source`` (the file's bytes, or a path) as a table; ``sheet`` picks an XLSX sheet by name (the
    first one by default). Raises ImportFileError naming what is wrong with the file."""
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

        return _table(filename, "xlsx", xlsx_rows(data, sheet))
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
    return _table(filename, "csv", _csv_rows(data, encoding, delimiter), encoding, delimiter)


def _table(
    filename: str, format: str, rows: Iterator[Row], encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """Take the header from the first row with a value; the rest stay a stream."""
    kept = _not_blank(rows)
    header = next(kept, None)
    if header is None:
        raise ImportFileError(N_("The file has no rows."))
    headers = tuple(clean_text(cell) for cell in header.cells)
    return Table(filename, format, header.number, headers, kept, encoding, delimiter)


def _not_blank(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        cells = row.cells
        while cells and not cells[-1].strip():
            cells = cells[:-1]
        if cells:
            yield row if len(cells) == len(row.cells) else Row(row.number, cells)


def _encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; text with NUL bytes is no text."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16" if _decodes(data, "utf-16") else _undecodable()
    elif b"\x00" in data:
        raise ImportFileError(N_("This is not a text file: save the sheet as CSV or Excel (.xlsx)."))
    else:
        encoding = "utf-8"
    if _decodes(data, encoding):
        return encoding
    return "gb18030" if _decodes(data, "gb18030") else _undecodable()


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether all of ``data`` decodes, checked a megabyte at a time (the text itself is not kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), _CHUNK):
            decoder.decode(data[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _undecodable() -> str:
    raise ImportFileError(
        N_("The text is neither UTF-8 nor GBK: save the sheet as CSV (UTF-8) or Excel (.xlsx).")
    )


def _delimiter(data: bytes, encoding: str) -> str:
    """The most frequent of comma, semicolon and tab on the first line with any (the header): Excel in some
    locales separates with semicolons, "Unicode text" with tabs."""
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data[:65536])
    for line in sample.splitlines():
        counts = {delimiter: line.count(delimiter) for delimiter in _DELIMITERS}
        if any(counts.values()):
            return max(_DELIMITERS, key=lambda delimiter: counts[delimiter])  # ties go to the comma
    return ","


def _csv_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[Row]:
    """Records as Excel numbers its rows: a quoted cell with line breaks is still one row."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield Row(number, tuple(cells))
    except csv.Error as error:
        raise ImportFileError(
            N_("Row %(row)d cannot be read as CSV: %(reason)s"), row=number + 1, reason=str(error)
        ) from None
