"""Cell text into values: dates, mileage, phone numbers, choices, text limits, plates and VINs."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.text import clean_text
from ctid.crm.imports import values
from ctid.crm.imports.values import CellError
from ctid.crm.models import CustomerKind, Gender, Transmission, VehicleRole
from tests.crm.imports.support import NORMALISER, vin_for


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024年3月5日",
        "2024 年 3 月 5 日",
        "20240305",
        "２０２４－０３－０５",
        "2024-03-05 00:00:00",
        "2024/3/5 10:30",
        "2024-03-05T10:30:00",
        "45356",
        "45356.0",
    ],
)
def test_dates_in_many_forms(text: str) -> None:
    assert values.parse_date(text) == date(2024, 3, 5)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("3/5/2024", "year first"),
        ("24-3-5", "year first"),
        ("2024-3", "year first"),
        ("2024-03-05 lunch", "year first"),
        ("2024-02-30", "No such day"),
        ("20241305", "No such day"),
        ("1899-12-31", "between 1900 and 2100"),
        ("tomorrow", "year first"),
    ],
)
def test_dates_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(CellError, match=reason):
        values.parse_date(text)


def test_blank_is_no_value() -> None:
    assert values.parse_date("  ") is None
    assert values.mileage("") is None
    assert values.choice(" ", Gender) is None
    assert values.plate("") is None
    assert values.vin(" ") is None
    assert values.phones(" ", NORMALISER) == []


_FORMATS = (
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: f"{d.isoformat()} 08:15:00",
)


@given(day=st.dates(date(1900, 1, 1), date(2100, 12, 31)), form=st.sampled_from(_FORMATS))
def test_date_parser_round_trips_generated_dates(day: date, form: Callable[[date], str]) -> None:
    assert values.parse_date(form(day)) == day


@pytest.mark.parametrize(
    ("text", "km"),
    [
        ("12345", 12345),
        ("12,345", 12345),
        ("1,234,567", 1234567),
        ("12345公里", 12345),
        ("12345 km", 12345),
        ("12345KM", 12345),
        ("1.2万", 12000),
        ("1.2万公里", 12000),
        ("12345.6", 12346),
        ("0", 0),
        ("１２３４５", 12345),
    ],
)
def test_mileage(text: str, km: int) -> None:
    assert values.mileage(text) == km


@pytest.mark.parametrize(
    ("text", "reason"),
    [("-5", "negative"), ("about 5000", "Not a mileage"), ("12,34", "Not a mileage"), ("300万", "2000000")],
)
def test_mileage_refused(text: str, reason: str) -> None:
    with pytest.raises(CellError, match=reason):
        values.mileage(text)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("13800138000", ["+8613800138000"]),
        ("138 0013 8000", ["+8613800138000"]),
        ("020-8888-1234", ["+862088881234"]),
        ("88881234", ["+862088881234"]),
        ("13800138000, 13900139000", ["+8613800138000", "+8613900139000"]),
        ("13800138000;13900139000", ["+8613800138000", "+8613900139000"]),
        ("13800138000/020-88881234", ["+8613800138000", "+862088881234"]),
        ("13800138000、13900139000", ["+8613800138000", "+8613900139000"]),
        ("13800138000 13900139000", ["+8613800138000", "+8613900139000"]),
        ("+86 138 0013 8000, 020 8888 1234", ["+8613800138000", "+862088881234"]),
        ("13800138000，13800138000", ["+8613800138000"]),
        ("'+86 138 0013 8000", ["+8613800138000"]),
    ],
)
def test_phones_in_one_cell(text: str, numbers: list[str]) -> None:
    assert [phone.e164 for phone in values.phones(text, NORMALISER)] == numbers


def test_phones_keep_what_was_given() -> None:
    assert [p.number for p in values.phones("020-8888-1234, 13800138000", NORMALISER)] == [
        "020-8888-1234",
        "13800138000",
    ]


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        ("12345", "12345"),
        ("13800138000, 1390013900", "1390013900"),
        ("138 0013 800", "138 0013 800"),
        ("call me", "call me"),
    ],
)
def test_a_bad_phone_is_named(text: str, culprit: str) -> None:
    with pytest.raises(CellError) as raised:
        values.phones(text, NORMALISER)
    assert raised.value.params["number"] == culprit
    assert "is not a phone number" in raised.value.reason


def test_scientific_notation_is_explained() -> None:
    with pytest.raises(CellError, match="scientific notation"):
        values.phones("1.38001E+10", NORMALISER)


@pytest.mark.parametrize(
    ("text", "enum", "value"),
    [
        ("个人", CustomerKind, CustomerKind.PERSON),
        ("单位", CustomerKind, CustomerKind.COMPANY),
        ("Company", CustomerKind, CustomerKind.COMPANY),
        ("男", Gender, Gender.MALE),
        ("女士", Gender, Gender.FEMALE),
        ("F", Gender, Gender.FEMALE),
        ("车主", VehicleRole, VehicleRole.OWNER),
        ("使用人", VehicleRole, VehicleRole.USER),
        ("送修人", VehicleRole, VehicleRole.DRIVER),
        ("司机", VehicleRole, VehicleRole.DRIVER),
        ("自动挡", Transmission, Transmission.AUTOMATIC),
        ("cvt", Transmission, Transmission.CVT),
        ("双离合", Transmission, Transmission.DCT),
    ],
)
def test_choices(text: str, enum: type, value: object) -> None:
    assert values.choice(text, enum) == value


def test_a_wrong_choice_lists_the_allowed_ones() -> None:
    with pytest.raises(CellError) as raised:
        values.choice("未知", Gender)
    assert raised.value.params["allowed"] == "男 (male)、女 (female)"


def test_text_limits_and_cleaning() -> None:
    assert values.text("  王\u200b伟  ", 100) == "王伟"
    with pytest.raises(CellError, match="Longer than 3 characters"):
        values.text("abcd", 3)
    assert values.long_text(" 第一行 \r\n\r\n 第二行 \n", 100) == "第一行\n\n第二行"
    assert values.text("'=SUM(A1)", 100) == "=SUM(A1)"
    assert values.text("'quoted'", 100) == "'quoted'"


def test_tags() -> None:
    assert values.text_list("VIP、老客户, VIP;车队", 16, 20) == ("VIP", "老客户", "车队")
    with pytest.raises(CellError, match="At most 2"):
        values.text_list("a,b,c", 16, 2)
    with pytest.raises(CellError, match="longer than 3"):
        values.text_list("abcd", 3, 2)


def test_plates_through_the_crm_rule() -> None:
    assert values.plate("粤a·12345") == "粤A12345"
    with pytest.raises(CellError) as raised:
        values.plate("粤A1234")
    assert raised.value.reason  # the reason comes from ctid.crm.plates


def test_vins_through_the_crm_rule() -> None:
    vin = vin_for(42)
    assert values.vin(vin.lower()) == vin
    with pytest.raises(CellError, match="17 characters") as raised:
        values.vin(vin[:-1])
    assert raised.value.params["length"] == 16


@given(st.text())
def test_arbitrary_text_gives_a_value_or_a_cell_error(text: str) -> None:
    for parse in (
        values.parse_date,
        values.mileage,
        values.plate,
        values.vin,
        lambda raw: values.phones(raw, NORMALISER),
        lambda raw: values.choice(raw, CustomerKind),
        lambda raw: values.text(raw, 10),
        lambda raw: values.long_text(raw, 10),
        lambda raw: values.text_list(raw, 5, 3),
    ):
        try:
            parse(text)
        except CellError as error:
            assert error.reason % error.params if error.params else error.reason


@given(st.text() | st.text(st.sampled_from(" \u3000\u00a0\ufffd\u200b\t\n王a\u0301é1")))
def test_clean_is_clean_text(text: str) -> None:
    assert values.clean(text) == clean_text(text)


def test_a_cell_of_thousands_of_numbers_stops_at_the_one_too_many() -> None:
    """Each try is a parse (~35 µs for a landline, up to 5 tries a number): 10,000 numbers are not read."""
    cell = ", ".join(f"020-3{n:07d}" for n in range(10_000))
    started = time.process_time()
    with pytest.raises(values.CellError) as refused:
        values.phones(cell, NORMALISER, at_most=10)
    assert refused.value.params == {"count": 10}
    assert time.process_time() - started < 0.5
    assert len(values.phones(", ".join(f"020-3{n:07d}" for n in range(10)), NORMALISER, at_most=10)) == 10


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("是", True),
        ("农历", True),
        (" Yes ", True),
        ("√", True),
        ("否", False),
        ("公历", False),
        ("0", False),
    ],
)
def test_a_yes_or_no(text: str, value: bool) -> None:
    assert values.flag(text) is value


def test_a_yes_or_no_refused_or_blank() -> None:
    assert values.flag("  ") is None
    with pytest.raises(values.CellError):
        values.flag("也许")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("wang@163.com", "wang@163.com"),
        (" Li@QQ.COM ", "Li@qq.com"),
        ("ｗａｎｇ＠１６３．ｃｏｍ", "wang@163.com"),
    ],
)
def test_an_email_address(text: str, value: str) -> None:
    assert values.email(text) == value


def test_an_email_address_refused_or_blank() -> None:
    assert values.email("  ") is None
    with pytest.raises(values.CellError) as refused:
        values.email("wang at 163")
    assert "e-mail" in str(refused.value)
