"""The first (or a named) sheet of an XLSX workbook as rows of text, in openpyxl's read-only (streaming) mode.

Cells become the text the dealer sees in Excel: dates ``2024-03-05``, whole numbers without ``.0`` (a phone
number typed into a number cell is ``13800138000.0`` to openpyxl), formulas by their last computed value.
openpyxl raises a zoo of exceptions for damaged files (zip, XML, key and value errors); all of them become one
ImportFileError, at opening or later while rows stream.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.table import Row
from ctid.errors import N_

_EXACT_FLOAT = 2.0**53  # floats up to here hold whole numbers exactly


def xlsx_rows(data: bytes, sheet: str | None) -> Iterator[Row]:
    """Rows of the sheet; ImportFileError when the workbook cannot be opened or the sheet is missing."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl has no common base for "damaged file"
        raise _damaged(error) from None
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            raise ImportFileError(
                N_("The workbook has no sheet %(sheet)s (it has %(sheets)s)."),
                sheet=sheet,
                sheets="、".join(names),
            )
        if not names:
            raise ImportFileError(N_("The workbook has no sheets."))
        worksheet = workbook[sheet if sheet is not None else names[0]]
        if not isinstance(worksheet, ReadOnlyWorksheet):
            raise ImportFileError(N_("The sheet %(sheet)s is a chart, not a table."), sheet=worksheet.title)
    except BaseException:
        workbook.close()
        raise
    return _rows(workbook, worksheet)


def _rows(workbook: Workbook, worksheet: ReadOnlyWorksheet) -> Iterator[Row]:
    """Numbered by enumeration: in read-only mode openpyxl yields an empty row for every missing one."""
    try:
        worksheet.reset_dimensions()  # files from other tools lie about their size
        for number, values in enumerate(worksheet.values, start=1):
            yield Row(number, tuple(cell_text(value) for value in values))
    except Exception as error:
        raise _damaged(error) from None
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """A cell's value as the text a dealer would type for it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _damaged(error: Exception) -> ImportFileError:
    return ImportFileError(
        N_("The Excel file is damaged or not a workbook: %(reason)s"),
        reason=str(error) or type(error).__name__,
    )
