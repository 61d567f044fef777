"""One cell's text into a field's value, or a precise reason why not (a ``CellError``).

Spreadsheets from dealers' old systems write the same thing many ways: dates as ``2024/3/5``,
``2024年3月5日`` or ``20240305``, mileage as ``12,345``, ``12345公里`` or ``1.2万``, several phone numbers in
one cell. Everything that is unambiguous is accepted; everything else is refused with a reason the dealer can
act on, never guessed (``3/5/2024`` could be March or May).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from ctid.core.errors import N_
from ctid.core.phone import PhoneNormaliser
from ctid.core.text import clean_text
from ctid.crm.email_address import NotAnAddress, parse_email
from ctid.crm.models import CustomerKind, Gender, Phone, Transmission, VehicleRole
from ctid.crm.plates import normalise_plate, plate_error
from ctid.crm.vin import VinError, normalise_vin

E = TypeVar("E", bound=StrEnum)

MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_MILEAGE_KM = 2_000_000
MAX_PHONE_LENGTH = 40  # customer_phones.number
_WINDOW = 5  # a number written in parts: "+86 138 0013 8000" is 4 of them

_DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?"
    r"|(?P<cy>\d{4})(?P<cm>\d{2})(?P<cd>\d{2})",
    re.ASCII,
)
_TIME = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?", re.ASCII)
_SERIAL = re.compile(r"\d{5}(?:\.0+)?", re.ASCII)  # an Excel day number that reached us as text (1927-2173)
_EXCEL_EPOCH = date(1899, 12, 30)
_MILEAGE = re.compile(
    r"(?P<number>\d+(?:\.\d+)?)\s*(?P<wan>万)?\s*(?:公里|千米|km)?", re.IGNORECASE | re.ASCII
)
_THOUSANDS = re.compile(r"(?<=\d)[,，'’](?=\d{3}(?!\d))")
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?e\+?[0-9]+", re.IGNORECASE)
_PHONE_PART = re.compile(r"[^,;/、，；\s]+")
_LIST_SEPARATORS = re.compile(r"[,;、，；|\n]")
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@])")  # the apostrophe export puts before =, +, - and @

CHOICES: dict[type[StrEnum], dict[str, StrEnum]] = {
    CustomerKind: {
        **dict.fromkeys(("个人", "个人客户", "私人", "私户", "person", "individual"), CustomerKind.PERSON),
        **dict.fromkeys(
            ("单位", "单位客户", "公司", "企业", "集团", "company", "business"), CustomerKind.COMPANY
        ),
    },
    Gender: {
        **dict.fromkeys(("男", "男性", "先生", "male", "m"), Gender.MALE),
        **dict.fromkeys(("女", "女性", "女士", "female", "f"), Gender.FEMALE),
    },
    Transmission: {
        **dict.fromkeys(("手动", "手动挡", "手动档", "mt", "manual"), Transmission.MANUAL),
        **dict.fromkeys(("自动", "自动挡", "自动档", "at", "auto", "automatic"), Transmission.AUTOMATIC),
        **dict.fromkeys(("手自一体", "电控机械", "amt"), Transmission.AMT),
        **dict.fromkeys(("无级变速", "cvt"), Transmission.CVT),
        **dict.fromkeys(("双离合", "湿式双离合", "干式双离合", "dct", "dsg"), Transmission.DCT),
        **dict.fromkeys(("单速", "固定齿比", "single speed", "single_speed"), Transmission.SINGLE_SPEED),
    },
    VehicleRole: {
        **dict.fromkeys(("车主", "owner"), VehicleRole.OWNER),
        **dict.fromkeys(("使用人", "用车人", "user"), VehicleRole.USER),
        **dict.fromkeys(("司机", "送修人", "driver"), VehicleRole.DRIVER),
    },
}
LABELS: dict[str, dict[StrEnum, str]] = {
    "zh": {
        CustomerKind.PERSON: "个人",
        CustomerKind.COMPANY: "单位",
        Gender.MALE: "男",
        Gender.FEMALE: "女",
        Transmission.MANUAL: "手动",
        Transmission.AUTOMATIC: "自动",
        Transmission.AMT: "手自一体",
        Transmission.CVT: "无级变速",
        Transmission.DCT: "双离合",
        Transmission.SINGLE_SPEED: "单速",
        VehicleRole.OWNER: "车主",
        VehicleRole.USER: "使用人",
        VehicleRole.DRIVER: "司机",
    },
    "en": {value: value.value for choices in CHOICES.values() for value in choices.values()},
}


class CellError(ValueError):
    """Why a cell's text is not a value: an English template (marked with ``N_``) and its parameters."""

    def __init__(self, reason: str, **params: str | int) -> None:
        super().__init__(reason % params if params else reason)
        self.reason = reason
        self.params = params


@lru_cache(maxsize=1 << 13)  # brands, models, colours, levels repeat: one string each, parsed once
def text(raw: str, max_length: int) -> str:
    """One line of text; refused when longer than its column."""
    value = clean(unguard(raw))
    _check_length(value, max_length)
    return value


def long_text(raw: str, max_length: int) -> str:
    """Text that keeps its line breaks (notes); each line cleaned as ``text`` is."""
    lines = (clean(line) for line in unguard(raw).replace("\r\n", "\n").split("\n"))
    value = "\n".join(lines).strip("\n")
    _check_length(value, max_length)
    return value


def text_list(raw: str, max_length: int, max_items: int) -> tuple[str, ...]:
    """Tags and the like: split on commas, semicolons, ``、``, ``|`` or line breaks; repeats dropped."""
    items = dict.fromkeys(item for part in _LIST_SEPARATORS.split(unguard(raw)) if (item := clean(part)))
    for item in items:
        if len(item) > max_length:
            raise CellError(
                N_("“%(item)s” is longer than %(count)d characters."), item=item, count=max_length
            )
    if len(items) > max_items:
        raise CellError(N_("At most %(count)d entries fit in this cell."), count=max_items)
    return tuple(items)


@lru_cache(maxsize=256)
def choice(raw: str, enum: type[E]) -> E | None:
    """A value of ``enum`` from its Chinese or English name; None for a blank cell."""
    key = clean(raw).casefold()
    if not key:
        return None
    found = CHOICES[enum].get(key)
    if found is None:
        labels = LABELS["zh"]
        allowed = "、".join(f"{labels[member]} ({member.value})" for member in enum)
        raise CellError(N_("Not one of the allowed values: %(allowed)s."), allowed=allowed)
    return enum(found)


@lru_cache(maxsize=1 << 14)  # a file's dates repeat (a few thousand days): one date object each
def parse_date(raw: str) -> date | None:
    """A date written year first (``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日``, ``20240305``),
    with or without a time after it, or an Excel day number; None for a blank cell."""
    value = unicodedata.normalize("NFKC", clean(raw))
    if not value:
        return None
    if _SERIAL.fullmatch(value):
        return _checked_year(_EXCEL_EPOCH + timedelta(days=int(float(value))))
    found = _DATE.match(value)
    if found is None or not (found.end() == len(value) or _TIME.fullmatch(value, found.end())):
        raise CellError(N_("Not a date: write it year first, such as 2024-03-05."))
    y, m, d = (found["y"], found["m"], found["d"]) if found["y"] else (found["cy"], found["cm"], found["cd"])
    try:
        day = date(int(y), int(m), int(d))
    except ValueError:
        reason = N_("No such day in the calendar: year %(y)d, month %(m)d, day %(d)d.")
        raise CellError(reason, y=int(y), m=int(m), d=int(d)) from None
    return _checked_year(day)


_YES = frozenset(("是", "农历", "阴历", "y", "yes", "true", "1", "√", "✓"))
_NO = frozenset(("否", "公历", "阳历", "新历", "n", "no", "false", "0", "×"))
FLAG_WORDS = {"zh": {True: "是", False: "否"}, "en": {True: "yes", False: "no"}}


def flag(raw: str) -> bool | None:
    """Yes or no: 是 / 否, and for the lunar birthday 农历 / 公历 (阴历 / 阳历); None for a blank cell."""
    key = clean(raw).casefold()
    if not key:
        return None
    if key in _YES or key in _NO:
        return key in _YES
    raise CellError(N_("Not one of the allowed values: %(allowed)s."), allowed="是、否、农历、公历 (yes, no)")


def email(raw: str) -> str | None:
    """An e-mail address (``wang@163.com``; full-width forms made plain, ctid.crm.email_address); None for
    a blank cell."""
    try:
        return parse_email(raw)
    except NotAnAddress:
        raise CellError(N_("Not an e-mail address like name@example.com.")) from None


def mileage(raw: str) -> int | None:
    """Kilometres as a whole number: ``12345``, ``12,345``, ``12345公里``, ``12345 km``, ``1.2万`` (12000)."""
    value = _THOUSANDS.sub("", unicodedata.normalize("NFKC", clean(raw)))
    if not value:
        return None
    if value.startswith("-"):
        raise CellError(N_("The mileage cannot be negative."))
    found = _MILEAGE.fullmatch(value)
    if found is None:
        raise CellError(N_("Not a mileage: write kilometres as a number, such as 12345 or 1.2万."))
    number = Decimal(found["number"]) * (10_000 if found["wan"] else 1)
    if number >= MAX_MILEAGE_KM + Decimal("0.5"):  # as rounded; checked first: quantize refuses > 28 digits
        raise CellError(N_("More than %(count)d km is not a car's mileage."), count=MAX_MILEAGE_KM)
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def phones(raw: str, normaliser: PhoneNormaliser, at_most: int | None = None) -> list[Phone]:
    """Every number in a cell, as given and as E.164, in order and without repeats; more than ``at_most``
    of them fail the cell as soon as the one too many is found (a cell of 10,000 numbers is not read to the
    end at ~35 µs a try).

    A cell may hold one number written with spaces (``138 0013 8000``) or several separated by commas,
    semicolons, slashes, ``、`` or spaces. The whole cell is tried first; then, from left to right, the
    longest run of parts (up to 5) that is one valid number. A part that is no number fails the cell with
    its text. Each try is a ``normalise``, the slow step (~35 µs), so no run is tried twice.
    """
    value = unguard(clean(raw))
    parts = list(_PHONE_PART.finditer(value))
    if len(parts) > _WINDOW and (whole := _number(value, normaliser)) is not None:
        return [whole]  # below, the first window is the whole cell
    found: dict[str, Phone] = {}
    start = 0
    while start < len(parts):
        for end in range(min(len(parts), start + _WINDOW), start, -1):
            phone = _number(value[parts[start].start() : parts[end - 1].end()], normaliser)
            if phone is not None:
                found.setdefault(phone.e164 or "", phone)
                if at_most is not None and len(found) > at_most:
                    raise CellError(N_("At most %(count)d phone numbers per customer."), count=at_most)
                start = end
                break
        else:
            raise _not_a_number(_up_to_separator(value, parts[start].start()))
    return list(found.values())


def plate(raw: str) -> str | None:
    """The canonical plate (``粤A12345``), through the CRM's one plate rule; None for a blank cell."""
    value = clean(raw)
    if not value:
        return None
    found = normalise_plate(value)
    if found is None:
        raise CellError(plate_error(value) or N_("Not a Chinese licence plate."))
    return found


def vin(raw: str) -> str | None:
    """The canonical VIN, through the CRM's one VIN rule (which says which position is wrong)."""
    value = clean(raw)
    if not value:
        return None
    try:
        return normalise_vin(value)
    except VinError as error:
        params = {name: param for name, param in error.params.items() if isinstance(param, str | int)}
        raise CellError(error.message, **params) from None


def clean(raw: str) -> str:
    """``clean_text(raw)``, skipping its per-character pass when ``raw`` is clean already, as most cells are.

    Why: that pass costs ~2 µs per cell of Chinese text, and 100,000 rows have ~2 million cells. The checks
    here are C loops: printable text has no control, format, private-use, unassigned or surrogate characters
    and no whitespace but the ASCII space, so when it is also NFC, has no U+FFFD and no space to strip or
    collapse, ``clean_text`` would return it unchanged (a property test holds them equal).
    """
    if (
        raw.isprintable()
        and "\ufffd" not in raw
        and "  " not in raw
        and raw[:1] != " "
        and raw[-1:] != " "
        and unicodedata.is_normalized("NFC", raw)
    ):
        return raw
    return clean_text(raw)


def unguard(raw: str) -> str:
    """Drop the apostrophe that export puts before ``=``, ``+``, ``-`` and ``@`` (so Excel shows a text, not
    a formula); nothing else starts with one."""
    return _FORMULA_GUARD.sub("", raw) if raw.startswith("'") else raw


def _number(candidate: str, normaliser: PhoneNormaliser) -> Phone | None:
    number = normaliser.normalise(candidate, dialed=False)
    if number.e164 is None:
        return None
    if len(number.raw) > MAX_PHONE_LENGTH:
        raise CellError(
            N_("“%(number)s” is longer than %(count)d characters."), number=number.raw, count=MAX_PHONE_LENGTH
        )
    return Phone(number.raw, number.e164)


def _not_a_number(part: str) -> CellError:
    if _SCIENTIFIC.fullmatch(part):
        return CellError(
            N_(
                "“%(number)s” lost its digits: Excel wrote it in scientific notation. Format the column as "
                "text and save the file again."
            ),
            number=part,
        )
    return CellError(N_("“%(number)s” is not a phone number."), number=part)


def _up_to_separator(value: str, start: int) -> str:
    """The text from ``start`` up to the next separator between numbers (``,`` ``;`` ``、``): the number that
    the dealer will look for in the cell."""
    end = re.search(r"[,;、，；]", value[start:])
    return value[start : start + end.start()] if end else value[start:]


def _check_length(value: str, max_length: int) -> None:
    if len(value) > max_length:
        raise CellError(
            N_("Longer than %(count)d characters (%(length)d)."), count=max_length, length=len(value)
        )


def _checked_year(day: date) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise CellError(N_("The year must be between %(min)d and %(max)d."), min=MIN_YEAR, max=MAX_YEAR)
    return day
