"""Customer records out to CSV or XLSX, with the headers and values the importer reads back unchanged.

Headers are the first alias of each field in the chosen language (``fields``), choices their Chinese or
English names, dates ISO. CSV is UTF-8 with a byte-order mark: without it Excel reads UTF-8 as the ANSI
code page and shows Chinese as mojibake. XLSX keeps dates as dates and mileage as a number (Excel sorts and
filters them), and phone numbers as text (a number cell would drop a leading 0 and print 1.38E+10).

Text that Excel would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``: CSV injection) is
written as text: in XLSX by the cell's type, in CSV with a leading apostrophe that the importer removes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ctid.crm.imports.fields import BY_NAME, FIELDS
from ctid.crm.imports.records import SheetCustomer
from ctid.crm.imports.values import FLAG_WORDS, LABELS
from ctid.crm.models import Phone

ALL_FIELDS = tuple(field.name for field in FIELDS)
LANGUAGES = ("zh", "en")
_FORMULA_START = ("=", "+", "-", "@")
_LIST_JOINER = {"zh": "、", "en": ", "}
_SHEET_TITLE = {"zh": "客户", "en": "Customers"}
_WIDE = {"name": 24, "phone": 28, "address": 32, "notes": 40, "vin": 22, "tags": 20}
_TEXT_WIDTH = 14


def headers(fields: Sequence[str] = ALL_FIELDS, language: str = "zh") -> list[str]:
    """The header of each field in ``language`` ("zh" or "en")."""
    _check(fields, language)
    return [BY_NAME[name].zh[0] if language == "zh" else BY_NAME[name].en[0] for name in fields]


def write_csv(
    records: Iterable[SheetCustomer], fields: Sequence[str] = ALL_FIELDS, *, language: str = "zh"
) -> bytes:
    """``records`` as CSV (UTF-8 with BOM, comma-separated, CRLF lines as Excel writes them)."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers(fields, language))
    for record in records:
        writer.writerow(_guarded(cell_text(record, name, language)) for name in fields)
    return text.getvalue().encode("utf-8-sig")


def write_xlsx(
    records: Iterable[SheetCustomer], fields: Sequence[str] = ALL_FIELDS, *, language: str = "zh"
) -> bytes:
    """``records`` as an XLSX workbook of one sheet, written in openpyxl's streaming (write-only) mode."""
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(_SHEET_TITLE.get(language, "Customers"))
    sheet.freeze_panes = "A2"
    for number, name in enumerate(fields, start=1):
        width = _WIDE.get(name, _TEXT_WIDTH)
        sheet.column_dimensions[get_column_letter(number)].width = width  # type: ignore[attr-defined]  # stubs lack it
    bold = Font(bold=True)
    sheet.append([_cell(sheet, header, bold) for header in headers(fields, language)])
    for record in records:
        sheet.append([_xlsx_value(sheet, record, name, language) for name in fields])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def cell_text(record: SheetCustomer, field: str, language: str = "zh") -> str:
    """A field of ``record`` as the text of its cell."""
    value = record.value(field)
    if value is None:
        return ""
    if isinstance(value, bool):
        return FLAG_WORDS[language][value]
    if isinstance(value, StrEnum):
        return LABELS[language][value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        if field == "phone":
            return ", ".join(phone.number for phone in value if isinstance(phone, Phone))
        return _LIST_JOINER[language].join(str(item) for item in value)
    return str(value)


def _xlsx_value(sheet: WriteOnlyWorksheet, record: SheetCustomer, field: str, language: str) -> object:
    value = record.value(field)
    if isinstance(value, date) or (isinstance(value, int) and not isinstance(value, bool)):
        return value  # a date cell (openpyxl gives it the yyyy-mm-dd format) or a number cell
    text = ILLEGAL_CHARACTERS_RE.sub("", cell_text(record, field, language))
    return _cell(sheet, text) if text.startswith(_FORMULA_START) else text


def _cell(sheet: WriteOnlyWorksheet, text: str, font: Font | None = None) -> Cell:
    """A text cell, never a formula whatever it starts with."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _guarded(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _check(fields: Sequence[str], language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    unknown = [name for name in fields if name not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(unknown)}")
