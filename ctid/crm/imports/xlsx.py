"""The first (or a named) sheet of an XLSX workbook as rows of text, in openpyxl's read-only (streaming) mode.

Cells become the text the dealer sees in Excel: dates ``2024-03-05``, whole numbers without ``.0`` (a phone
number typed into a number cell is ``13800138000.0`` to openpyxl), formulas by their last computed value.
openpyxl raises a zoo of exceptions for damaged files (zip, XML, key and value errors); all of them become one
ImportFileError, at opening or later while rows stream.

Rows come from openpyxl's own sheet parser, with one change: an inline string (``t="inlineStr"``, what
openpyxl's write-only mode and so our export write, and other tools too) is read as its text runs, not
deserialised into a rich-text object first (~10 µs a cell, 10 s of a 100,000-row file). Shared strings
(what Excel writes), numbers, dates and formulas' values are read as openpyxl reads them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.table import Row
from ctid.errors import N_

_EXACT_FLOAT = 2.0**53  # floats up to here hold whole numbers exactly
_TEXT = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"


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
    """Numbered as openpyxl's ``worksheet.values`` numbers them (a missing row is an empty one), each row as
    wide as its last cell (the sheet's stated size is not trusted: files from other tools lie about it)."""
    try:
        with worksheet._get_source() as source:  # type: ignore[attr-defined]
            parser = _SheetParser(
                source,
                worksheet._shared_strings,  # type: ignore[attr-defined]
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,  # type: ignore[attr-defined]
                timedelta_formats=workbook._timedelta_formats,  # type: ignore[attr-defined]
            )
            number = 1
            for index, cells in parser.parse():
                while number < index:
                    yield Row(number, ())
                    number += 1
                if number == index:
                    yield Row(number, _texts(cells))
                    number += 1
    except Exception as error:
        raise _damaged(error) from None
    finally:
        workbook.close()


def _texts(cells: list[dict[str, Any]]) -> tuple[str, ...]:
    if not cells:
        return ()
    texts = [""] * cells[-1]["column"]
    for cell in cells:
        column = cell["column"]
        if column >= 1:
            texts[column - 1] = cell_text(cell["value"])
    return tuple(texts)


class _SheetParser(WorkSheetParser):
    """openpyxl's parser, reading an inline string's text without building a rich-text object for it."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.get("t") != "inlineStr":
            return super().parse_cell(element)
        child = element.find(INLINE_STRING)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        value, data_type = (None, "inlineStr") if child is None else (_inline_text(child), "s")
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": 0}


def _inline_text(node: Any) -> str:
    """What openpyxl's ``Text.content`` gives: the plain text and the runs' text (not the phonetic hints)."""
    return (node.findtext(_TEXT) or "") + "".join(run.findtext(_TEXT) or "" for run in node.iterfind(_RUN))


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
