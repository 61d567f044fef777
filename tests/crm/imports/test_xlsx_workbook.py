"""Opening a workbook without openpyxl's stylesheet: the styles that show dates and durations are the ones
openpyxl finds, and a styles part of hundreds of thousands of styles costs no object per style."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.reader.strings import read_string_table

from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.xlsx_workbook import MAX_CELL_STYLES, date_styles, open_workbook, shared_strings
from tests.crm.imports import hostile

FORMATS = [
    "General", "0", "0.00", "@", "mm-dd-yy", "d-mmm-yy", "h:mm", "m/d/yy h:mm", "yyyy-mm-dd", "yyyy年m月d日",
    "[$-804]yyyy/m/d", "[h]:mm:ss", "[mm]:ss", "[Red]0.00", '"day"0', "0;[Red]-0", "mm:ss.0", "dd/mm;@",
    "#,##0_);(#,##0)", r"\d0",
]  # fmt: skip
_CODES = st.sampled_from(FORMATS) | st.text(st.sampled_from('dmyhs[]"0.;@_\\$-804 '), min_size=1, max_size=12)


def workbook_with(formats: list[str]) -> bytes:
    """A sheet with one number per format, each cell styled with it (openpyxl writes a cell style each)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row, code in enumerate(formats, start=1):
        sheet.cell(row, 1, 45000.5).number_format = code
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_CODES, min_size=1, max_size=8))
def test_date_and_duration_styles_are_openpyxls(formats: list[str]) -> None:
    data = workbook_with(formats)
    theirs = load_workbook(io.BytesIO(data), read_only=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert date_styles(archive) == (theirs._date_formats, theirs._timedelta_formats)  # type: ignore[attr-defined]


def test_cells_in_date_and_duration_styles_read_as_before() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["客户名称", "购车日期", "时长", "金额"])
    sheet.append(["王伟", date(2024, 3, 5), timedelta(hours=25, minutes=30), 1234.5])
    sheet["B2"].number_format = "yyyy年m月d日"
    sheet["C2"].number_format = "[h]:mm"
    sheet["D2"].number_format = "#,##0.00"
    sheet.append(["李娜", datetime(2024, 3, 6, 10, 30)])
    output = io.BytesIO()
    workbook.save(output)
    rows = [row.cells for row in read_table(output.getvalue(), "a.xlsx").rows]
    assert rows == [("王伟", "2024-03-05", "1 day, 1:30:00", "1234.5"), ("李娜", "2024-03-06 10:30:00")]
    assert open_workbook(output.getvalue()).sheetnames == ["Sheet"]


def test_a_styles_part_of_50000_styles_is_read_in_a_fraction_of_a_second() -> None:
    data = hostile.styles_bomb(50_000)
    started = time.process_time()
    assert [row.cells for row in read_table(data, "a.xlsx").rows] == [("王伟", "13800138000")]
    assert time.process_time() - started < 1.0


def test_more_cell_styles_than_excel_keeps_are_refused() -> None:
    with pytest.raises(ImportFileError) as refused:
        read_table(hostile.styles_bomb(MAX_CELL_STYLES + 1), "a.xlsx")
    assert refused.value.params == {"limit": MAX_CELL_STYLES}


def test_a_number_format_longer_than_excel_allows_is_no_date() -> None:
    """openpyxl's date test is quadratic in the format's length; each format is judged once, and one of
    100,000 "[" is not judged at all."""
    data = hostile.styles_bomb(1000, "[" * 100_000)
    started = time.process_time()
    assert [row.cells for row in read_table(data, "a.xlsx").rows] == [("王伟", "13800138000")]
    assert time.process_time() - started < 1.0


_TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8) | st.sampled_from(
    ["x005F_x", " 两端 ", "", "a\nb"]
)


@st.composite
def string_items(draw: st.DrawFn) -> str:
    """One ``<si>`` as Excel writes them: plain text, or rich-text runs, with or without phonetic hints."""
    escape = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

    def text(value: str) -> str:
        return '<t xml:space="preserve">' + "".join(escape.get(c, c) for c in value) + "</t>"

    hints = draw(st.sampled_from(["", '<rPh sb="0" eb="1"><t>ピン</t></rPh><phoneticPr fontId="1"/>']))
    if draw(st.booleans()):
        return "<si>" + text(draw(_TEXTS)) + hints + "</si>"
    runs = draw(st.lists(_TEXTS, max_size=3))
    plain = text(draw(_TEXTS)) if draw(st.booleans()) else ""
    return "<si>" + plain + "".join(f"<r><rPr><b/></rPr>{text(run)}</r>" for run in runs) + hints + "</si>"


@settings(max_examples=200)
@given(st.lists(string_items(), max_size=6))
def test_shared_strings_are_read_as_openpyxl_reads_them(items: list[str]) -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + "".join(items) + "</sst>"
    ).encode()
    assert shared_strings(io.BytesIO(xml)) == read_string_table(io.BytesIO(xml))


def test_more_shared_strings_than_a_list_of_customers_has_are_refused() -> None:
    xml = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"<si/>" * 11 + b"</sst>"
    )
    assert len(shared_strings(io.BytesIO(xml), at_most=11)) == 11
    with pytest.raises(ImportFileError) as refused:
        shared_strings(io.BytesIO(xml), at_most=10)
    assert refused.value.params == {"limit": 10}


def test_a_document_type_in_any_part_is_refused() -> None:
    """Where entities are declared; the part may be named anything (openpyxl follows the declared types)."""
    source, output = zipfile.ZipFile(io.BytesIO(hostile.styles_bomb(1))), io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for item in source.infolist():
            archive.writestr(item.filename, source.read(item))
        archive.writestr("customXml/item1.dat", '<?xml version="1.0"?>\n<!-- x -->\n<!DOCTYPE a []><a/>')
    with pytest.raises(ImportFileError, match="declares an XML document type"):
        read_table(output.getvalue(), "a.xlsx")
