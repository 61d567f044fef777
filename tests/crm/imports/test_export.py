"""Export to CSV and XLSX, and the round trip: an exported file imports to the same records."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook

from ctid.crm.imports.export import ALL_FIELDS, headers, write_csv, write_xlsx
from ctid.crm.imports.mapping import guess_mapping
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.records import SheetCustomer, SheetVehicle
from ctid.crm.imports.validation import check_rows
from ctid.crm.models import CustomerKind, Gender, VehicleRole
from tests.crm.imports.support import NORMALISER, phone, record_lists, vin_for

WANG = SheetCustomer(
    name="王伟",
    phones=(phone("13800138000"), phone("020-8888-1234")),
    kind=CustomerKind.PERSON,
    gender=Gender.MALE,
    birthday=date(1980, 5, 17),
    tags=("VIP", "老客户"),
    notes="第一行\n第二行",
    vehicle=SheetVehicle(
        plate="粤A12345",
        role=VehicleRole.DRIVER,
        vin=vin_for(1),
        brand="大众",
        model="朗逸",
        mileage_km=12345,
        insurance_expiry=date(2026, 4, 1),
    ),
)
FORMULA = SheetCustomer(name='=HYPERLINK("http://x")', phones=(phone("+86 139 0013 9000"),), notes="@SUM(1)")


def reimport(data: bytes, filename: str) -> list[SheetCustomer]:
    table = read_table(data, filename)
    mapping = guess_mapping(table.headers)
    assert mapping.ok and mapping.ignored == ()
    report = check_rows(table, mapping, NORMALISER)
    assert report.errors == ()
    return [row.record for row in report.rows]


def test_headers_in_both_languages() -> None:
    assert headers(["name", "phone", "plate", "mileage_km"]) == ["名称", "电话", "车牌", "里程（公里）"]
    assert headers(["name", "phone", "plate", "mileage_km"], "en") == [
        "Name",
        "Phone",
        "Plate",
        "Mileage (km)",
    ]
    with pytest.raises(ValueError, match="language"):
        headers(["name"], "fr")
    with pytest.raises(ValueError, match="unknown fields: colour_code"):
        headers(["colour_code"])


def test_csv_is_utf8_with_bom_and_chinese_values() -> None:
    data = write_csv(
        [WANG], ["name", "phone", "gender", "tags", "plate", "role", "mileage_km", "insurance_expiry"]
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["名称", "电话", "性别", "标签", "车牌", "角色", "里程（公里）", "保险到期"],
        [
            "王伟",
            "13800138000, 020-8888-1234",
            "男",
            "VIP、老客户",
            "粤A12345",
            "司机",
            "12345",
            "2026-04-01",
        ],
    ]


def test_csv_in_english() -> None:
    data = write_csv([WANG], ["name", "kind", "gender", "tags", "role"], language="en")
    assert data.decode("utf-8-sig").splitlines() == [
        "Name,Kind,Gender,Tags,Role",
        '王伟,person,male,"VIP, 老客户",driver',
    ]


def test_xlsx_keeps_dates_numbers_and_text() -> None:
    data = write_xlsx([WANG, FORMULA], ["name", "phone", "birthday", "mileage_km", "notes"])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "客户"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == ["名称", "电话", "生日", "里程（公里）", "备注"]
    _name, phones, birthday, mileage, notes = sheet[2]
    assert (phones.data_type, phones.value) == ("s", "13800138000, 020-8888-1234")
    assert birthday.number_format == "yyyy-mm-dd"
    assert isinstance(birthday.value, datetime) and birthday.value.date() == WANG.birthday
    assert (mileage.data_type, mileage.value) == ("n", 12345)
    assert notes.value == "第一行\n第二行"
    assert [cell.data_type for cell in sheet[3]][:2] == ["s", "s"]  # never formulas
    assert sheet[3][0].value == FORMULA.name


def test_csv_guards_formulas_and_the_importer_removes_the_guard() -> None:
    data = write_csv([FORMULA], ["name", "phone", "notes"])
    row = next(csv.reader(io.StringIO(data.decode("utf-8-sig").splitlines()[1])))
    assert row == ['\'=HYPERLINK("http://x")', "'+86 139 0013 9000", "'@SUM(1)"]
    assert reimport(data, "a.csv") == [FORMULA]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_round_trip_of_a_known_record(language: str) -> None:
    records = [
        WANG,
        FORMULA,
        SheetCustomer(name="广州恒通物流有限公司", phones=(phone("88881234"),), kind=CustomerKind.COMPANY),
    ]
    assert reimport(write_csv(records, language=language), "a.csv") == records
    assert reimport(write_xlsx(records, language=language), "a.xlsx") == records


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=record_lists())
def test_export_then_import_gives_the_same_records(records: list[SheetCustomer]) -> None:
    """Also: valid generated records always pass every check."""
    assert reimport(write_csv(records), "customers.csv") == records
    assert reimport(write_csv(records, language="en"), "customers.csv") == records


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=record_lists(max_size=4))
def test_xlsx_round_trip(records: list[SheetCustomer]) -> None:
    assert reimport(write_xlsx(records), "customers.xlsx") == records


def test_all_fields_are_exported_by_default() -> None:
    table = read_table(write_csv([WANG]), "a.csv")
    assert len(table.headers) == len(ALL_FIELDS)
