"""Opening a workbook for an import: openpyxl's read-only reader, less what an import never uses, and with
its shared strings read as a stream.

openpyxl reads the shared strings (the text of Excel's cells) into a list, deserialising each into a
rich-text object (~6 µs) and leaving an emptied element behind for each in the XML tree: a 94 KB workbook
whose shared strings are 60 MB of empty ones cost 84 s and 1.1 GB. Here each string's text is read as
openpyxl's ``Text.content`` gives it (plain text and runs, not the phonetic hints), its element dropped, and
more strings than any customer list has refuse the file.

openpyxl's ``load_workbook`` also reads the document properties, keeps the theme whole, and builds the
stylesheet as objects: a styles part of 10 MB (500,000 cell styles, 26 KB zipped) cost 11 s and 430 MB.
An import needs only which styles show dates or durations (a number in such a cell is a day count): they
are read here from the styles part as a stream, 8 bytes a style, each number format judged once (openpyxl's
test is a regex quadratic in the format's length: a format longer than Excel allows, 255 characters, is no
date), and more cell styles than Excel can keep refuse the file.
"""

from __future__ import annotations

import io
from array import array
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.workbook.workbook import Workbook
from openpyxl.xml.constants import ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from ctid.core.errors import N_
from ctid.crm.imports.archive import check_directory, check_parts
from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.limits import DEFAULT, Limits

_CELL_XFS = f"{{{SHEET_MAIN_NS}}}cellXfs"
_XF = f"{{{SHEET_MAIN_NS}}}xf"
_NUM_FMT = f"{{{SHEET_MAIN_NS}}}numFmt"
_STRING = f"{{{SHEET_MAIN_NS}}}si"
_TEXT = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"
_EVENTS = ("start", "end")
MAX_FORMAT_LENGTH = 255  # Excel's longest number format
MAX_CELL_STYLES = 100_000  # Excel keeps at most 64,000
MAX_SHARED_STRINGS = 2_000_000  # 10 different texts on each of 200,000 rows


def open_workbook(data: bytes, limits: Limits = DEFAULT) -> Workbook:
    """The workbook in read-only mode, with its sheets and shared strings, and the indexes of the cell
    styles that show dates (``_date_formats``) and durations (``_timedelta_formats``) as openpyxl sets them.
    The zip is checked (``archive``) through the one ``ZipFile`` openpyxl reads it with, before any part is
    read. Raises ImportFileError past ``limits``, and what openpyxl raises for a damaged file."""
    check_directory(data)
    reader = _ImportReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    check_parts(reader.archive, limits)
    reader.read()
    workbook: Workbook = reader.wb
    return workbook


class _ImportReader(ExcelReader):
    def read(self) -> None:
        """``ExcelReader.read`` without the properties, the theme, the stylesheet and the names."""
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        workbook: Any = self.wb  # openpyxl's own private attributes, read by its sheet parser
        workbook._date_formats, workbook._timedelta_formats = date_styles(self.archive)
        self.read_worksheets()

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)  # type: ignore[no-untyped-call]
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = shared_strings(source)


def shared_strings(source: Any, at_most: int = MAX_SHARED_STRINGS) -> list[str]:
    """The workbook's shared strings, as openpyxl's ``read_string_table`` reads them; ImportFileError past
    ``at_most`` of them."""
    strings: list[str] = []
    open_elements: list[Any] = []
    in_string = 0
    for event, element in iterparse(source, events=_EVENTS):
        if event == "start":
            open_elements.append(element)
            in_string += element.tag == _STRING
            continue
        open_elements.pop()
        if element.tag == _STRING:
            in_string -= 1
            strings.append(rich_text(element).replace("x005F_", ""))
            if len(strings) > at_most:
                raise _too_many_strings(at_most)
        if not in_string and open_elements:
            open_elements[-1].clear()
    return strings


def rich_text(node: Any) -> str:
    """What openpyxl's ``Text.content`` gives: the plain text and the runs' text (not the phonetic hints)."""
    if len(node) == 1 and node[0].tag == _TEXT:  # nearly every string: its plain text alone
        return node[0].text or ""
    if not len(node):
        return ""
    return (node.findtext(_TEXT) or "") + "".join(run.findtext(_TEXT) or "" for run in node.iterfind(_RUN))


def date_styles(archive: Any) -> tuple[set[int], set[int]]:
    """The indexes of the cell styles (``cellXfs``) whose number format shows a date, and a duration."""
    try:
        source = archive.open(ARC_STYLE)
    except KeyError:
        return set(), set()
    with source:
        custom, styles = _number_formats(source)
    dates: set[int] = set()
    durations: set[int] = set()
    judged: dict[int, tuple[bool, bool]] = {}
    for index, format_id in enumerate(styles):
        if format_id not in judged:
            code = custom[format_id] if format_id in custom else builtin_format_code(format_id)
            if code is not None and len(code) > MAX_FORMAT_LENGTH:
                code = None
            judged[format_id] = (is_date_format(code), is_timedelta_format(code))
        is_date, is_duration = judged[format_id]
        if is_date:
            dates.add(index)
        if is_duration:
            durations.add(index)
    return dates, durations


def _number_formats(source: Any) -> tuple[dict[int, str], array[int]]:
    """The custom number formats by id, and each cell style's format id in order (8 bytes each); every
    element is dropped once read (its parent's children are cleared)."""
    custom: dict[int, str] = {}
    styles = array("q")
    open_elements: list[Any] = []
    in_cell_styles = False
    for event, element in iterparse(source, events=_EVENTS):
        if event == "start":
            open_elements.append(element)
            if element.tag == _CELL_XFS:
                in_cell_styles = True
            elif element.tag == _XF and in_cell_styles:
                styles.append(int(element.get("numFmtId", 0)))
                if len(styles) > MAX_CELL_STYLES:
                    raise _too_many_styles()
            elif element.tag == _NUM_FMT:
                custom[int(element.get("numFmtId"))] = element.get("formatCode") or ""
            continue
        open_elements.pop()
        if element.tag == _CELL_XFS:
            in_cell_styles = False
        if open_elements:
            open_elements[-1].clear()
    return custom, styles


def _too_many_styles() -> ImportFileError:
    return ImportFileError(
        N_("The Excel file has more than %(limit)d cell styles (Excel keeps 64,000 at most)."),
        limit=MAX_CELL_STYLES,
    )


def _too_many_strings(limit: int) -> ImportFileError:
    return ImportFileError(
        N_("The Excel file has more than %(limit)d different texts: an import reads at most %(limit)d."),
        limit=limit,
    )
