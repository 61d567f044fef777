"""The caps an import reads a file under, and the steps that must stay linear in a row's width and in the
number of rows: each cap refuses the file naming the row or part, the cap and its limit; blank cells and rows
past a cap cost nothing."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.limits import DEFAULT, MAX_CELLS_PARSED, Limits, column_letters
from ctid.crm.imports.mapping import guess_mapping
from ctid.crm.imports.reading import read_table, trimmed
from tests.crm.imports import hostile
from tests.crm.imports.support import csv_bytes, xlsx_bytes


def naive_trimmed(cells: list[str]) -> tuple[str, ...]:
    """The definition: drop the last cell while it is blank (empty, or whitespace only)."""
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return tuple(cells)


@given(st.lists(st.sampled_from(["", " ", "\t", "\u3000", "\u00a0 ", "a", " b ", "王伟", "\u200b"])))
def test_trimming_is_the_naive_definition(cells: list[str]) -> None:
    assert trimmed(cells) == naive_trimmed(cells)
    assert trimmed(tuple(cells)) == naive_trimmed(cells)


def test_trimming_240000_blank_cells_is_one_pass() -> None:
    started = time.process_time()
    assert trimmed(["x", *[""] * 240_000]) == ("x",)
    assert time.process_time() - started < 1.0


def rows_of(data: bytes, filename: str, limits: Limits = DEFAULT) -> list[tuple[int, tuple[str, ...]]]:
    table = read_table(data, filename, limits=limits)
    return [(row.number, row.cells) for row in table.rows]


@pytest.mark.parametrize(
    ("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (201, "GS"), (16384, "XFD")]
)
def test_column_letters(number: int, letters: str) -> None:
    assert column_letters(number) == letters


def test_a_value_past_the_column_cap_names_row_column_and_limit() -> None:
    wide = csv_bytes([["客户名称", "电话"], ["王伟", "13800138000", *[""] * 198, "x"]])
    with pytest.raises(ImportFileError) as refused:
        rows_of(wide, "a.csv")
    assert refused.value.message == (
        "Row %(row)d has a value in column %(column)s: an import reads at most %(limit)d columns."
    )
    assert refused.value.params == {"row": 2, "column": "GS", "limit": 200}


def test_blank_cells_past_the_column_cap_are_dropped() -> None:
    full = ["王伟", *[f"c{n}" for n in range(2, 201)]]
    data = csv_bytes([["客户名称", "电话"], [*full, *[" "] * 5000]])
    assert rows_of(data, "a.csv") == [(2, tuple(full))]


def test_a_header_past_the_column_cap_is_refused() -> None:
    data = csv_bytes([[f"h{n}" for n in range(1, 202)], ["x"]])
    with pytest.raises(ImportFileError, match="Row 1 has a value in column GS"):
        rows_of(data, "a.csv")


def test_a_csv_past_the_row_cap_is_refused_blank_lines_too() -> None:
    limits = Limits(rows=4)
    assert len(rows_of(b"name\r\na\r\nb\r\nc\r\n", "a.csv", limits)) == 3
    for data in (b"name\r\na\r\nb\r\nc\r\nd\r\n", b"name\r\na\r\n\r\n\r\n\r\n"):
        with pytest.raises(ImportFileError) as refused:
            rows_of(data, "a.csv", limits)
        assert refused.value.params == {"limit": 4}
        assert refused.value.message.startswith("The file has more than %(limit)d rows")


def test_a_million_blank_lines_are_refused_at_the_row_cap_in_a_second() -> None:
    data = b"name,phone\r\n" + b"\r\n" * 1_000_000
    started = time.process_time()
    with pytest.raises(ImportFileError, match="more than 200000 rows"):
        rows_of(data, "a.csv")
    assert time.process_time() - started < 1.0


def test_a_csv_record_of_more_separators_than_any_sheet_has_is_refused() -> None:
    """csv would build the record first (8 bytes a cell: 400 MB for a 50 MB upload); the separators are
    counted as the record's lines arrive, across the lines of a quoted cell too."""
    one_line = b"name\r\nx" + b"," * (MAX_CELLS_PARSED + 1) + b"\r\n"
    half = b"," * (MAX_CELLS_PARSED // 2 + 1)
    spread = b"name\r\nx" + half + b'"\n"' + half + b"\r\n"  # a quoted line break between the halves
    for data in (one_line, spread):
        with pytest.raises(ImportFileError) as refused:
            rows_of(data, "a.csv")
        assert refused.value.params == {"row": 2, "limit": MAX_CELLS_PARSED}
    assert rows_of(b"name\r\nx" + b"," * MAX_CELLS_PARSED + b"\r\n", "a.csv") == [(2, ("x",))]


def test_xlsx_rows_are_as_wide_as_their_last_value() -> None:
    """Blank styled cells in column XFD, a dimension of A1:XFD1048576 and a blank row 1,048,576: 40 rows of
    two cells."""
    table = read_table(hostile.xfd_workbook(), "a.xlsx")
    assert table.headers == ("客户名称", "电话")
    found = [(row.number, row.cells) for row in table.rows]
    assert found[0] == (2, ("王伟", "13800100002")) and len(found) == 40
    assert {len(cells) for _number, cells in found} == {2}


def test_an_xlsx_value_past_a_cap_is_refused() -> None:
    with pytest.raises(ImportFileError) as refused:
        rows_of(hostile.xfd_value_workbook(), "a.xlsx")
    assert refused.value.params == {"row": 2, "column": "XFD", "limit": 200}
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        rows_of(xlsx_bytes([["客户名称"], ["王伟"], ["李娜"]]), "a.xlsx", Limits(rows=2))


def test_an_xlsx_keeps_blank_cells_between_values() -> None:
    data = xlsx_bytes([["客户名称", "备注", "电话"], ["王伟", " ", "13800138000", " ", None, ""]])
    assert rows_of(data, "a.xlsx") == [(2, ("王伟", " ", "13800138000"))]


def test_a_shared_strings_bomb_is_refused_before_it_is_read() -> None:
    with pytest.raises(ImportFileError) as refused:
        rows_of(hostile.shared_strings_bomb(400), "a.xlsx")
    assert refused.value.params == {"size": 401, "limit": 256}
    with pytest.raises(ImportFileError) as refused:
        rows_of(hostile.shared_strings_bomb(70), "a.xlsx")
    assert refused.value.message.startswith("The Excel file's shared strings, styles and other parts")
    assert refused.value.params == {"size": 71, "limit": 64}


def test_a_part_that_unpacks_to_more_than_it_declares_is_a_damaged_file() -> None:
    """The zip says 1,000 bytes, the part holds 400 MB: zipfile stops at 1,000 and the CRC check fails."""
    bomb = hostile.lying_bomb()
    started = time.process_time()
    with pytest.raises(ImportFileError, match=r"damaged.*CRC"):
        rows_of(bomb, "a.xlsx")
    assert time.process_time() - started < 1.0


def test_a_zip_with_a_directory_larger_than_any_workbook_is_refused() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for number in range(25_000):
            archive.writestr(f"xl/media/part{number:05d}.bin", b"")
    with pytest.raises(ImportFileError) as refused:
        rows_of(output.getvalue(), "a.xlsx")
    assert refused.value.message.startswith("The Excel file's list of parts takes %(size)d KB")


def test_xml_entities_are_refused() -> None:
    """A 'billion laughs' in a few KB: 0.9 MB of XML unpacked to 87 MB of strings through the entities."""
    entity = "x" * 290
    strings = (
        f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "{entity}">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + ("<si><t>" + "&a;" * 1000 + "</t></si>") * 300
        + "</sst>"
    )
    data = hostile.with_shared_strings(xlsx_bytes([["客户名称"]]), strings.encode())
    with pytest.raises(ImportFileError, match="declares an XML document type"):
        rows_of(data, "a.xlsx")


def test_a_nul_byte_and_undecodable_text_name_their_line() -> None:
    with pytest.raises(ImportFileError) as refused:
        rows_of(b"name,phone\r\nx,1\r\ny\x00,2\r\n", "a.csv")
    assert refused.value.params == {"line": 3}
    with pytest.raises(ImportFileError) as refused:
        rows_of("name,phone\r\n王伟,1\r\n\r\n".encode() + b"\x80\xff\r\n", "a.csv")
    assert refused.value.message.startswith("Line %(line)d is neither UTF-8 nor GBK")
    assert refused.value.params == {"line": 4}


def test_headers_with_unclosed_brackets_are_read_in_one_pass() -> None:
    """A header's units in brackets are left out (里程(公里)); 20,000 unclosed "(" in a header took 1.6 s."""
    data = csv_bytes([["客户名称", "电话(手机)", "(" * 100_000, "[" * 100_000], ["王伟", "13800138000"]])
    started = time.process_time()
    table = read_table(data, "a.csv")
    assert guess_mapping(table.headers).fields == {"name", "phone"}
    assert time.process_time() - started < 1.0
