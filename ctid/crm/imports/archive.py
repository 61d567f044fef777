"""An XLSX's zip, checked before openpyxl reads a part of it: how many parts, what they unpack to, and that
no part declares a document type.

Why before: openpyxl reads the zip's directory into one object per part, and reads the shared strings,
styles and the workbook's own parts whole, as Python objects, when the workbook opens. A 438 KB workbook
whose shared strings unpack to hundreds of MB cost 200 MB that way; a 50 MB zip of empty parts, a million
objects. Both numbers are in the zip's directory, so they are checked without unpacking anything: its size
in the end record, on the bytes, before anything reads the directory (``check_directory``); each part's
declared size in the directory openpyxl's own ``ZipFile`` read (``check_parts``, before openpyxl reads a
part). A part that unpacks to more than it declares is no bigger for it: ``zipfile`` stops at the declared
size and the CRC check fails (a damaged file).

A document type declaration (``<!DOCTYPE``) is where XML declares entities, and entities make a "billion
laughs": 2 KB zipped became 90 MB of strings. Excel never writes one (OOXML forbids it), so a part that has
one refuses the file. It can only stand before the part's first element, so expat reads each part up to
there and no further (whatever its encoding), at C speed: this is what lets openpyxl and the parsers here
use the standard library's parser rather than defusedxml's, which is twice as slow on every element.
"""

from __future__ import annotations

import struct
import zipfile
from typing import IO
from xml.parsers import expat

from ctid.core.errors import N_
from ctid.crm.imports.errors import ImportFileError
from ctid.crm.imports.limits import MAX_XLSX_DIRECTORY, MB, Limits

_END = b"PK\x05\x06"  # end of central directory record (22 bytes + a comment of up to 65,535)
_END_64_LOCATOR = b"PK\x06\x07"  # 20 bytes, just before the end record of a zip64 file
_END_64 = b"PK\x06\x06"
_STREAMED = "xl/worksheets/"  # sheets are read as a stream; everything else is read whole
_CHUNK = 1 << 16


def check_directory(data: bytes) -> None:
    """Refuse a zip whose list of parts is longer than any workbook's (before ``zipfile`` reads it)."""
    directory = _directory_size(data)
    if directory is not None and directory > MAX_XLSX_DIRECTORY:
        raise ImportFileError(
            N_(
                "The Excel file's list of parts takes %(size)d KB (a workbook's takes a few): it is not a "
                "workbook."
            ),
            size=directory // 1024,
        )


def check_parts(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a workbook that unpacks past ``limits`` or has a document type declaration in a part."""
    _check_sizes(archive.infolist(), limits)
    if any(_declares_doctype(archive, info) for info in archive.infolist()):
        raise ImportFileError(N_("The Excel file declares an XML document type, which Excel never writes."))


def _check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Every part together, and the parts read whole, within ``limits`` (as the zip declares them)."""
    total = sum(info.file_size for info in infos)
    if total > limits.xlsx_unpacked_mb * MB:
        raise ImportFileError(
            N_(
                "The Excel file unpacks to %(size)d MB: an import reads at most %(limit)d MB of a workbook. "
                "Save the sheet as CSV, or split it."
            ),
            size=_megabytes(total),
            limit=limits.xlsx_unpacked_mb,
        )
    whole = sum(info.file_size for info in infos if not info.filename.startswith(_STREAMED))
    if whole > limits.xlsx_in_memory_mb * MB:
        raise ImportFileError(
            N_(
                "The Excel file's shared strings, styles and other parts unpack to %(size)d MB: an import "
                "reads at most %(limit)d MB of them. Save the sheet as CSV, or split it."
            ),
            size=_megabytes(whole),
            limit=limits.xlsx_in_memory_mb,
        )


def _declares_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether the part has a document type declaration. Every part is asked, whatever its name (openpyxl
    finds parts by the content types and relations the file declares); one that is no XML fails at its first
    bytes, and one expat cannot read up to its first element is left to openpyxl (a damaged file)."""
    parser = expat.ParserCreate()
    found = False

    def doctype(*_args: object) -> None:
        nonlocal found
        found = True
        raise _Prolog

    def element(*_args: object) -> None:
        raise _Prolog

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = element
    try:
        with archive.open(info) as part:
            _feed(parser, part)
    except _Prolog:
        return found
    except Exception:  # a damaged part in any of zipfile's, zlib's or expat's ways: openpyxl will say so
        return False
    return found


def _feed(parser: expat.XMLParserType, part: IO[bytes]) -> None:
    while chunk := part.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


class _Prolog(Exception):
    """The parser reached the first element (or a document type): the rest of the part is not read."""


def _directory_size(data: bytes) -> int | None:
    """The size of the zip's directory (the list of its parts) as ``zipfile`` will read it: from the end
    record, or the zip64 one when a locator precedes the end record; None if there is no end record.

    Why the size and not the count of parts: ``zipfile`` reads entries until it has read that many bytes,
    whatever the count says."""
    end = data.rfind(_END, max(0, len(data) - 22 - 65_535))
    if end < 0 or len(data) < end + 22:
        return None
    (size,) = struct.unpack_from("<I", data, end + 12)
    locator = end - 20
    if locator >= 0 and data[locator : locator + 4] == _END_64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", data, locator + 8)
        if offset + 56 <= len(data) and data[offset : offset + 4] == _END_64:
            (size,) = struct.unpack_from("<Q", data, offset + 40)
    return int(size)


def _megabytes(size: int) -> int:
    return -(-size // MB)  # rounded up: 256 MB and a byte is "257 MB", over a limit of 256
