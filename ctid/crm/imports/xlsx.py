"""The first (or a named) sheet of an XLSX workbook as rows of text, in openpyxl's read-only (streaming) mode.

Cells become the text the dealer sees in Excel: dates ``2024-03-05``, whole numbers without ``.0`` (a phone
number typed into a number cell is ``13800138000.0`` to openpyxl), formulas by their last computed value.
openpyxl raises a zoo of exceptions for damaged files (zip, XML, key and value errors); all of them become one
ImportFileError, at opening or later while rows stream.

Cells are read by openpyxl's own cell parser, with one change: an inline string (``t="inlineStr"``, what
openpyxl's write-only mode and so our export write, and other tools too) is read as its text runs, not
deserialised into a rich-text object first (~10 µs a cell, 10 s of a 100,000-row file). Shared strings
(what Excel writes), numbers, dates and formulas' values are read as openpyxl reads them.

The workbook is opened without what an import never uses (``xlsx_workbook``: no stylesheet as objects).
The sheet's XML is walked here, one cell at a time, not a row at a time as openpyxl does: a row's cells are
kept only up to the column cap, and each parsed cell's element is dropped at once, so a row of millions of
cells (a zip of a few KB can hold one) is no list of millions of objects. A row is as wide as its last
value, whatever the sheet's stated size or its blank cells (a cell styled in column XFD made rows 16,384
cells wide, each trimmed again one cell at a time). The zip is checked as the workbook opens (``archive``:
sizes, and no XML document type, so no entities).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ctid.core.errors import N_
from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.limits import Limits, check_caps
from ctid.crm.imports.table import Row
from ctid.crm.imports.xlsx_workbook import open_workbook, rich_text

_EXACT_FLOAT = 2.0**53  # floats up to here hold whole numbers exactly
_ROW = f"{{{SHEET_MAIN_NS}}}row"
_CELL = f"{{{SHEET_MAIN_NS}}}c"
_EVENTS = ("start", "end")


def xlsx_rows(data: bytes, sheet: str | None, limits: Limits) -> Iterator[Row]:
    """Rows of the sheet with a value, trimmed; ImportFileError when the workbook cannot be opened, the sheet
    is missing, or the zip or a row is past ``limits``."""
    try:
        workbook = open_workbook(data, limits)
    except ImportFileError:
        raise
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
    return _rows(workbook, worksheet, limits)


def _rows(workbook: Workbook, worksheet: ReadOnlyWorksheet, limits: Limits) -> Iterator[Row]:
    """Numbered as Excel numbers them; a row numbered at or below one read before is left out."""
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
            last = 0
            for number, cells in parser.rows(limits):
                if number > last:
                    last = number
                    yield Row(number, cells)
    except ImportFileError:
        raise
    except Exception as error:
        raise _damaged(error) from None
    finally:
        workbook.close()


class _SheetParser(WorkSheetParser):
    """openpyxl's parser, walked one cell at a time, reading an inline string's text without building a
    rich-text object for it."""

    def rows(self, limits: Limits) -> Iterator[tuple[int, tuple[str, ...]]]:
        """Each row with a value: its number and its cells' text up to its last value.

        Elements are dropped as soon as they are read: a cell's once the cell is parsed, any other's when it
        ends (a cell's own children are what it is parsed from)."""
        open_elements: list[Any] = []
        in_cell = 0
        row = _RowTexts(0, limits)
        for event, element in iterparse(self.source, events=_EVENTS):
            if event == "start":
                open_elements.append(element)
                if element.tag == _CELL:
                    in_cell += 1
                elif element.tag == _ROW:
                    row = _RowTexts(self._start_row(element), limits)
                continue
            open_elements.pop()
            if element.tag == _CELL:
                in_cell -= 1
                cell = self.parse_cell(element)
                row.add(cell["column"], cell["value"])
            elif element.tag == _ROW and row.width:
                yield row.number, row.texts()
            if not in_cell and open_elements:
                open_elements[-1].clear()  # the parent's children read so far, this one included

    def _start_row(self, element: Any) -> int:
        """The row's number, as openpyxl's ``parse_row`` counts it (its cells' column count starts again)."""
        number = element.get("r")
        if number is None:
            self.row_counter += 1
        else:
            value = float(number)
            if not value.is_integer():
                raise ValueError(f"{number} is not a valid row number")
            self.row_counter = int(value)
        self.col_counter = 0
        return self.row_counter

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
        value, data_type = (None, "inlineStr") if child is None else (rich_text(child), "s")
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": 0}


class _RowTexts:
    """One row's cells as they are parsed: the text of those within the column cap, and the column of the
    last value; a value past a cap refuses the file there."""

    def __init__(self, number: int, limits: Limits) -> None:
        self.number = number
        self.width = 0  # the column of the last value (not blank) so far
        self._limits = limits
        self._texts: dict[int, str] = {}

    def add(self, column: int, value: object) -> None:
        if value is None or column < 1:
            return
        text = cell_text(value)
        if text and not text.isspace():
            check_caps(self.number, column, self._limits)
            self.width = max(self.width, column)
        if column <= self._limits.columns:
            self._texts[column] = text  # a blank text counts only if a value follows it

    def texts(self) -> tuple[str, ...]:
        cells = [""] * self.width
        for column, text in self._texts.items():
            if column <= self.width:
                cells[column - 1] = text
        return tuple(cells)


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
