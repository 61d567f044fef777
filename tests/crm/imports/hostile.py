"""Hostile files, generated (no binaries in the repository): what issue 14 measured, and their cousins.

Each is small on the wire and costly to read naively: a CSV line of 240,000 commas (40 s of CPU when blank
cells were dropped one at a time), a 1.6 KB workbook with cells in column XFD (5 s), a workbook of a few
hundred KB whose shared strings unpack to hundreds of MB (200 MB more memory).
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable

from tests.crm.imports.support import xlsx_bytes

HEADER = "客户名称,电话\r\n".encode()


def comma_row(commas: int = 240_000, first: bytes = b"") -> bytes:
    """A header, then one row that is ``first`` followed by ``commas`` commas (240 KB by default)."""
    return HEADER + first + b"," * commas + b"\r\n"


def _rewritten(data: bytes, rewrite: Callable[[str, bytes], bytes | None]) -> bytes:
    """``data`` (a workbook) with each part replaced by ``rewrite(name, content)`` (None: kept as is)."""
    source, output = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for item in source.infolist():
            content = source.read(item)
            archive.writestr(item.filename, rewrite(item.filename, content) or content)
    return output.getvalue()


def _sheet(rows_xml: str, dimension: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def xfd_workbook(rows: int = 40) -> bytes:
    """A header and ``rows`` rows of a name and a phone, each with an empty styled cell in column XFD (the
    last column there is), the sheet's dimension A1:XFD1048576 and a last blank cell at XFD1048576: a
    1.6 KB file that made every row 16,384 cells wide, then trimmed one cell at a time."""
    cells = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>王伟</t></is></c>'
        f'<c r="B{n}"><v>138001{n:05d}</v></c><c r="XFD{n}" s="0"/></row>'
        for n in range(2, rows + 2)
    )
    header = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>电话</t></is></c><c r="XFD1" s="0"/></row>'
    )
    last = '<row r="1048576"><c r="XFD1048576" s="0"/></row>'
    sheet = _sheet(header + cells + last, "A1:XFD1048576")
    return _rewritten(xlsx_bytes([["x"]]), lambda name, _c: sheet if name.endswith("sheet1.xml") else None)


def xfd_value_workbook() -> bytes:
    """A header and one row with a value in column XFD: past the column cap."""
    sheet = _sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>客户名称</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>电话</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>王伟</t></is></c><c r="B2"><v>13800138000</v></c>'
        '<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>',
        "A1:XFD2",
    )
    return _rewritten(xlsx_bytes([["x"]]), lambda name, _c: sheet if name.endswith("sheet1.xml") else None)


def with_shared_strings(data: bytes, strings: bytes) -> bytes:
    """``data`` (a workbook) with ``strings`` as its shared strings part (declared, and used by A1)."""
    sheet = _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', "A1")
    return _with_strings(data, sheet, [strings])


@functools.cache
def shared_strings_bomb(megabytes: int = 400) -> bytes:
    """A workbook whose sharedStrings.xml unpacks to ``megabytes`` MB, nearly all empty strings (600 KB
    zipped at 400 MB); its sheet uses the first two. openpyxl held every one of them in a list.

    Made once per process and size (compressing 400 MB takes ~1.7 s; half a dozen tests read it)."""
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>客户名称</t></si><si><t>王伟</t></si>"
    ).encode()
    filler = b"<si/>" * 13_107
    sheet = _sheet(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>', "A1:A2"
    )
    chunks = [head, *[filler] * (megabytes * (1 << 20) // len(filler)), b"</sst>"]
    return _with_strings(xlsx_bytes([["x"]]), sheet, chunks)


def _with_strings(data: bytes, sheet: bytes, strings: list[bytes]) -> bytes:
    """``data`` with ``sheet`` as its first sheet and the ``strings`` chunks, written one after the other
    (never joined: 400 MB), as its declared shared strings."""
    base, output = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for item in base.infolist():
            content = base.read(item)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
                )
            elif item.filename.endswith("sheet1.xml"):
                content = sheet
            archive.writestr(item.filename, content)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            for chunk in strings:
                part.write(chunk)
    return output.getvalue()


def lying_bomb(megabytes: int = 400, declared: int = 1000) -> bytes:
    """``shared_strings_bomb`` whose zip says the shared strings unpack to ``declared`` bytes."""
    data = bytearray(shared_strings_bomb(megabytes))
    name = b"xl/sharedStrings.xml"
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == name:
            data[central + 24 : central + 28] = declared.to_bytes(4, "little")
            local = int.from_bytes(data[central + 42 : central + 46], "little")
            data[local + 22 : local + 26] = declared.to_bytes(4, "little")
            return bytes(data)
        central = data.find(b"PK\x01\x02", central + 4)
    raise AssertionError("no shared strings in the bomb")


def styles_bomb(styles: int = 50_000, format_code: str | None = None) -> bytes:
    """A workbook (a header and a customer) whose styles part has ``styles`` cell styles (1 MB at 50,000),
    all with a date format, or ``format_code`` when given: openpyxl built an object for each (3.6 s)."""
    number_formats = (
        f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{format_code}"/></numFmts>'
        if format_code
        else ""
    )
    style = f'<xf numFmtId="{164 if format_code else 14}"/>'
    styles_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{number_formats}<cellXfs count="{styles}">{style * styles}</cellXfs></styleSheet>'
    ).encode()
    data = xlsx_bytes([["客户名称", "电话"], ["王伟", "13800138000"]])
    return _rewritten(data, lambda name, _c: styles_xml if name == "xl/styles.xml" else None)
