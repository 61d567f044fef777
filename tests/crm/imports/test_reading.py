"""Reading files: CSV in the encodings and separators Excel produces, real XLSX workbooks, damaged files."""

from __future__ import annotations

import codecs
import contextlib
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.xlsx import cell_text
from tests.crm.imports.support import csv_bytes, xlsx_bytes

ROWS = [
    ["客户名称", "电话", "车牌号", "备注"],
    ["王伟", "13800138000", "粤A12345", "老客户"],
    ["李娜", "020-8888-1234", "", "多行\n备注"],
]


def rows_of(
    data: bytes, filename: str = "customers.csv", **options: str
) -> tuple[tuple[str, ...], list[tuple[int, list[str]]]]:
    table = read_table(data, filename, **options)
    return table.headers, [(row.number, list(row.cells)) for row in table.rows]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_csv_encodings_excel_saves(encoding: str, expected: str) -> None:
    table = read_table(csv_bytes(ROWS, encoding), "客户.csv")
    assert table.format == "csv"
    assert table.encoding == expected
    assert table.headers == tuple(ROWS[0])
    assert [list(row.cells) for row in table.rows] == ROWS[1:]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiters_are_detected(delimiter: str) -> None:
    table = read_table(csv_bytes(ROWS, delimiter=delimiter), "customers.csv")
    assert table.delimiter == delimiter
    assert [list(row.cells) for row in table.rows] == ROWS[1:]


def test_rows_are_numbered_as_the_spreadsheet_numbers_them() -> None:
    """Blank rows are skipped but counted; a cell with line breaks is one row; the header is the first row
    with a value."""
    data = csv_bytes([[], ["", ""], *ROWS[:1], ["", ""], *ROWS[1:], [" ", ""], ["赵六", "13900139000"]])
    headers, rows = rows_of(data)
    assert headers == tuple(ROWS[0])
    assert [number for number, _ in rows] == [5, 6, 8]
    assert rows[-1][1] == ["赵六", "13900139000"]


def test_trailing_blank_cells_are_dropped() -> None:
    _, rows = rows_of(b"a,b,c\r\nx,,\r\n")
    assert rows == [(2, ["x"])]


def test_headers_are_cleaned() -> None:
    headers, _ = rows_of("\ufeff 客户名称 ,电\u200b话\r\nx,y\r\n".encode())
    assert headers == ("客户名称", "电话")


def test_a_path_is_read_and_named(tmp_path: Path) -> None:
    path = tmp_path / "客户.csv"
    path.write_bytes(csv_bytes(ROWS, "gbk"))
    table = read_table(path)
    assert table.filename == "客户.csv"
    assert len(list(table.rows)) == 2


def test_xlsx_cells_become_the_text_a_dealer_sees() -> None:
    data = xlsx_bytes(
        [
            ["客户名称", "电话", "购车日期", "里程", "上牌日期", "VIP"],
            ["王伟", 13800138000.0, date(2024, 3, 5), 12345, datetime(2024, 3, 6, 10, 30), True],
            [None, None, None],
            ["李娜", 13900139000, datetime(2024, 3, 7), 12345.5, None, False],
        ]
    )
    table = read_table(data, "客户.xlsx")
    assert table.format == "xlsx"
    assert table.encoding is None
    assert table.headers == ("客户名称", "电话", "购车日期", "里程", "上牌日期", "VIP")
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ("王伟", "13800138000", "2024-03-05", "12345", "2024-03-06 10:30:00", "TRUE")),
        (4, ("李娜", "13900139000", "2024-03-07", "12345.5", "", "FALSE")),
    ]


def test_xlsx_gaps_keep_row_numbers() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A3"], sheet["B3"] = "客户名称", "电话"
    sheet["A7"], sheet["B7"] = "王伟", "13800138000"
    output = io.BytesIO()
    workbook.save(output)
    table = read_table(output.getvalue(), "gaps.xlsx")
    assert table.header_row == 3
    assert [row.number for row in table.rows] == [7]


def test_xlsx_first_or_named_sheet() -> None:
    data = xlsx_bytes(ROWS, title="客户", before=1)
    with pytest.raises(ImportFileError, match="no rows"):
        read_table(data, "a.xlsx")
    assert read_table(data, "a.xlsx", sheet="客户").headers == tuple(ROWS[0])
    with pytest.raises(ImportFileError, match="no sheet") as raised:
        read_table(data, "a.xlsx", sheet="车辆")
    assert raised.value.params["sheets"] == "Other0、客户"


def test_xlsx_formulas_give_their_value_text_stays_text() -> None:
    data = xlsx_bytes([["客户名称", "电话"], ["王伟", "013800138000"]])
    assert [row.cells for row in read_table(data, "a.xlsx").rows] == [("王伟", "013800138000")]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (13800138000.0, "13800138000"), (1.5, "1.5"), (-3, "-3"), (2.0**60, repr(2.0**60))],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"", "a.csv", "empty"),
        (b"  \r\n ", "a.csv", "empty"),
        (b"\r\n,,\r\n", "a.csv", "no rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", r"\.xls"),
        (b"%PDF-1.4 ...", "a.pdf", "Only CSV and Excel"),
        (b"name,phone\r\n", "a.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04 garbage", "a.xlsx", "damaged"),
        (b"name\x00,phone", "a.csv", "Line 1 holds a NUL byte"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "a.csv", "neither UTF-8 nor GBK"),
        (b"\x80\xff\xfe name", "a.csv", "neither UTF-8 nor GBK"),
    ],
)
def test_files_that_cannot_be_read(data: bytes, filename: str, reason: str) -> None:
    with pytest.raises(ImportFileError, match=reason) as raised:
        table = read_table(data, filename)
        list(table.rows)
    assert raised.value.field == "file"


def test_a_zip_that_is_not_a_workbook() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError, match="damaged"):
        read_table(output.getvalue(), "a.docx")


def test_a_workbook_damaged_after_the_header_fails_while_streaming() -> None:
    """The sheet's XML is cut off: the header reads, the rest raises ImportFileError (never an XML error)."""
    good = xlsx_bytes([["客户名称", "电话"]] + [["王伟", f"1380013{n:04d}"] for n in range(2000)])
    source, output = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                content = content[: len(content) // 2]
            archive.writestr(item, content)
    table = read_table(output.getvalue(), "a.xlsx")
    assert table.headers == ("客户名称", "电话")
    with pytest.raises(ImportFileError, match="damaged"):
        list(table.rows)


def test_an_overlong_csv_cell_is_a_file_error() -> None:
    data = b'name,notes\r\nx,"' + b"a" * 200_000 + b'"\r\n'
    with pytest.raises(ImportFileError, match="Row 2"):
        list(read_table(data, "a.csv").rows)


_PREFIXES = st.sampled_from((b"", b"PK\x03\x04", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xd0\xcf\x11\xe0"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=_PREFIXES,
    data=st.binary(max_size=400),
    filename=st.sampled_from(("a.csv", "a.xlsx", "a", "a.txt")),
)
def test_arbitrary_bytes_raise_only_import_file_errors(prefix: bytes, data: bytes, filename: str) -> None:
    try:
        table = read_table(prefix + data, filename)
        for row in table.rows:
            assert all(isinstance(cell, str) for cell in row.cells)
    except ImportFileError:
        pass


@settings(max_examples=30, deadline=None)
@given(cut=st.integers(0, 10_000), flip=st.integers(0, 255))
def test_damaged_workbooks_raise_only_import_file_errors(cut: int, flip: int) -> None:
    good = xlsx_bytes(ROWS)
    position = cut % len(good)
    damaged = good[:position] + bytes([flip]) + good[position + 1 :]
    with contextlib.suppress(ImportFileError):
        list(read_table(damaged, "a.xlsx").rows)
