"""Helpers for the import tests: files built in memory, records generated with hypothesis."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from datetime import date

from hypothesis import strategies as st
from openpyxl import Workbook

from ctid.core.phone import PhoneNormaliser
from ctid.core.text import clean_text
from ctid.crm.imports.records import SheetCustomer, SheetVehicle
from ctid.crm.models import CustomerKind, Gender, Phone, Transmission, VehicleRole
from ctid.sampledata import samples

NORMALISER = PhoneNormaliser("CN", "020")


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """A CSV as Excel writes it (CRLF, quotes where needed)."""
    import csv

    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], title: str = "Sheet1", before: int = 0) -> bytes:
    """A real workbook made with openpyxl (``before`` extra sheets in front of ours)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for number in range(before):
        workbook.create_sheet(f"Other{number}", 0)
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def phone(raw: str) -> Phone:
    number = NORMALISER.normalise(raw, dialed=False)
    assert number.e164 is not None, raw
    return Phone(number.raw, number.e164)


def plate_for(index: int) -> str:
    """A distinct blue plate per index (up to 24 offices x 100,000)."""
    return f"粤{samples.PLATE_OFFICES[index // 100_000 % 24]}{index % 100_000:05d}"


def vin_for(index: int) -> str:
    """A distinct VIN with a correct check digit per index."""
    return samples.vin("LSV", "AB12C", "K", "A", f"{index % 10**6:06d}")


_CLEAN_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    exclude_characters="'\u3000\u00a0\u2028\u2029",
)


def _clean(text: str) -> str:
    return clean_text(text)


def words(max_size: int, alphabet: st.SearchStrategy[str] = _CLEAN_ALPHABET) -> st.SearchStrategy[str]:
    """Text that is already clean (no control characters, single spaces, nothing to strip)."""
    return st.text(alphabet, max_size=max_size).map(_clean).filter(lambda text: len(text) <= max_size)


_TAG = (
    st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=16)
    .map(clean_text)
    .filter(lambda tag: 0 < len(tag) <= 16)  # NFC can lengthen a tag (བྷ is two characters): as stored
)
_DATES = st.dates(date(1900, 1, 1), date(2100, 12, 31))


@st.composite
def records(draw: st.DrawFn, index: int) -> SheetCustomer:
    """A valid customer record, with a vehicle whose plate and VIN are distinct per ``index``."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    numbers = draw(st.lists(st.sampled_from(("mobile", "landline")), min_size=1, max_size=3))
    phones = dict.fromkeys(
        phone(samples.mobile(rng) if kind == "mobile" else samples.guangzhou_landline(rng))
        for kind in numbers
    )
    vehicle = None
    if draw(st.booleans()):
        vehicle = SheetVehicle(
            plate=plate_for(index),
            role=draw(st.sampled_from(VehicleRole)),
            vin=draw(st.none() | st.just(vin_for(index))),
            brand=draw(words(32)),
            model=draw(words(64)),
            transmission=draw(st.none() | st.sampled_from(Transmission)),
            engine_number=draw(st.sampled_from(("", "EA211-123456", "2ZR 998877"))),
            colour=draw(st.sampled_from((*samples.COLOURS, ""))),
            purchase_date=draw(st.none() | _DATES),
            registration_date=draw(st.none() | _DATES),
            mileage_km=draw(st.none() | st.integers(0, 2_000_000)),
            insurer=draw(words(64)),
            insurance_expiry=draw(st.none() | _DATES),
            inspection_due=draw(st.none() | _DATES),
            warranty_expiry=draw(st.none() | _DATES),
        )
    notes = draw(st.lists(words(60), max_size=3).map(lambda lines: "\n".join(lines).strip("\n")))
    return SheetCustomer(
        name=draw(words(100).filter(bool)),
        phones=tuple({p.e164: p for p in phones}.values()),
        kind=draw(st.none() | st.sampled_from(CustomerKind)),
        gender=draw(st.none() | st.sampled_from(Gender)),
        address=draw(words(300)),
        birthday=draw(st.none() | _DATES),
        birthday_lunar=draw(st.none() | st.booleans()),
        email=draw(st.none() | st.sampled_from(("wang@163.com", "li.na@qq.com", "z+car@example.cn"))),
        level=draw(st.sampled_from(samples.LEVELS)),
        source=draw(st.sampled_from((*samples.SOURCES, ""))),
        industry=draw(words(32)),
        tags=tuple(draw(st.lists(_TAG, max_size=5, unique=True))),
        notes=notes,
        licence_review_on=draw(st.none() | _DATES),
        vehicle=vehicle,
    )


@st.composite
def record_lists(draw: st.DrawFn, max_size: int = 8) -> list[SheetCustomer]:
    count = draw(st.integers(1, max_size))
    return [draw(records(index)) for index in range(count)]
