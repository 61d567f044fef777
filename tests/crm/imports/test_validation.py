"""Checking rows: every bad cell reported with its row, column and reason; duplicates in the file and in the
database; arbitrary text never escapes as an exception."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.crm.imports.fields import FIELDS
from ctid.crm.imports.mapping import guess_mapping
from ctid.crm.imports.matching import ExistingKeys, file_keys, match_existing
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.report import Duplicate, KeyKind, Match, Report
from ctid.crm.imports.table import Row, Table
from ctid.crm.imports.validation import check_rows
from ctid.crm.models import CustomerKind, Gender, VehicleRole
from tests.crm.imports.support import NORMALISER, csv_bytes, vin_for

HEADER = ["客户名称", "客户类型", "手机", "电话2", "车牌号", "车架号", "品牌", "购车日期", "里程", "关系"]


def check(
    rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, existing: ExistingKeys | None = None
) -> Report:
    table = read_table(csv_bytes([header, *rows]), "customers.csv")
    return check_rows(table, guess_mapping(table.headers), NORMALISER, existing)


def good_row(n: int, name: str = "") -> list[str]:
    return [
        name or f"客户{n}",
        "个人",
        f"1380013{n:04d}",
        "",
        f"粤A{n:05d}",
        "",
        "大众",
        "2024/3/5",
        "12,345",
        "车主",
    ]


def test_a_good_row_becomes_a_record() -> None:
    report = check([["王伟", "单位", "13800138000", "020-8888-1234", "粤a·12345", vin_for(1).lower(), "大众",
                     "2024年3月5日", "1.2万", "司机"]])  # fmt: skip
    assert report.ok and report.total_rows == 1
    (row,) = report.rows
    record = row.record
    assert (row.number, record.name, record.kind) == (2, "王伟", CustomerKind.COMPANY)
    assert [(p.number, p.e164) for p in record.phones] == [
        ("13800138000", "+8613800138000"),
        ("020-8888-1234", "+862088881234"),
    ]
    assert record.vehicle is not None
    assert (record.vehicle.plate, record.vehicle.vin) == ("粤A12345", vin_for(1))
    assert (record.vehicle.mileage_km, record.vehicle.role, record.vehicle.brand) == (
        12000,
        VehicleRole.DRIVER,
        "大众",
    )
    assert str(record.vehicle.purchase_date) == "2024-03-05"


def test_exactly_three_bad_rows_give_exactly_three_errors() -> None:
    rows = [good_row(n) for n in range(1, 11)]
    rows[2][8] = "很多"  # row 4: mileage
    rows[5][4] = "粤A1234"  # row 7: plate
    rows[8][2] = "1380013800"  # row 10: phone
    report = check(rows)
    assert report.total_rows == 10
    assert len(report.rows) == 7
    assert [(e.row, e.column, e.field, e.value) for e in report.errors] == [
        (4, "里程", "mileage_km", "很多"),
        (7, "车牌号", "plate", "粤A1234"),
        (10, "手机", "phone", "1380013800"),
    ]
    assert report.errors[0].message == "Not a mileage: write kilometres as a number, such as 12345 or 1.2万."
    assert report.errors[2].message == "“1380013800” is not a phone number."
    assert report.bad_rows == 3


def test_every_bad_cell_of_a_row_is_reported_in_column_order() -> None:
    report = check([["王伟", "外星人", "12345", "", "粤A12345", "LSV123", "", "2024-13-01", "-1", "老板"]])
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "客户类型"),
        (2, "手机"),
        (2, "车架号"),
        (2, "购车日期"),
        (2, "里程"),
        (2, "关系"),
    ]
    assert not report.rows


def test_rules_over_the_whole_row() -> None:
    report = check(
        [
            ["", "", "13800138000"],  # no name
            ["王伟", "", "", "", "", "", "大众"],  # neither phone nor plate; vehicle details without a plate
            ["李娜", "", "13900139000", "", "", "", "", "", "", "", "stray"],  # more cells than headers
            [
                "赵六",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "车主",
            ],  # a role alone is no vehicle, but no phone either
        ]
    )
    assert [(e.row, e.column, e.field, e.message.split(":")[0]) for e in report.errors] == [
        (2, "客户名称", "name", "The name is blank"),
        (3, "手机", "phone", "Neither a phone number nor a plate"),
        (3, "车牌号", "plate", "The row has vehicle details but no plate"),
        (4, "", "", "The row has 11 cells but the header only 10"),
        (5, "手机", "phone", "Neither a phone number nor a plate"),
    ]


def test_a_mapping_with_problems_checks_no_rows() -> None:
    table = read_table(csv_bytes([["序号"], ["备注"], ["1"]]), "a.csv")
    report = check_rows(table, guess_mapping(table.headers), NORMALISER)
    assert report.rows == () and report.total_rows == 0
    assert [(e.row, e.field) for e in report.errors] == [(1, "name"), (1, "phone")]


def test_too_many_phones() -> None:
    numbers = ", ".join(f"1380013{n:04d}" for n in range(11))
    report = check([["王伟", "", numbers]])
    assert [e.message for e in report.errors] == ["At most 10 phone numbers per customer."]


def test_duplicates_within_the_file() -> None:
    vin = vin_for(7)
    rows = [
        ["王伟", "", "13800138000", "", "粤A00001", vin],  # 2
        ["王伟", "", "13800138000", "", "粤A00002"],  # 3: same customer, second car
        ["王太太", "", "", "13800138000", "粤A00001"],  # 4: shares the line and drives the car
        ["王 伟", "", "", "", "粤A00001", vin],  # 5: same customer by plate and name, same vehicle
        ["张三", "", "13900139000", "", "粤A00001", vin_for(8)],  # 6: the plate with another VIN
        ["李四", "", "13700137000", "", "粤B00009", vin],  # 7: the VIN with another plate
    ]
    report = check(rows)
    by_row = {row.number: row for row in report.rows}
    assert by_row[2].duplicates == () and by_row[2].same_customer_as is None
    assert by_row[3].duplicates == (Duplicate(KeyKind.PHONE, "+8613800138000", 2),)
    assert (by_row[3].same_customer_as, by_row[3].same_vehicle_as) == (2, None)
    assert by_row[4].duplicates == (
        Duplicate(KeyKind.PHONE, "+8613800138000", 2),
        Duplicate(KeyKind.PLATE, "粤A00001", 2),
    )
    assert (by_row[4].same_customer_as, by_row[4].same_vehicle_as) == (None, 2)
    assert (by_row[5].same_customer_as, by_row[5].same_vehicle_as) == (2, 2)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (6, "车架号", f"Row 2 has the plate 粤A00001 with another VIN ({vin}): a vehicle has one VIN."),
        (7, "车牌号", "Row 2 has this VIN with the plate 粤A00001: a vehicle has one plate."),
    ]
    assert report.duplicate_rows == 3


def test_a_vin_given_on_a_later_row_joins_the_vehicle() -> None:
    report = check([["王伟", "", "13800138000", "", "粤A00001"], ["李娜", "", "", "", "粤A00001", vin_for(3)],
                    ["赵六", "", "", "", "粤A00001", vin_for(4)]])  # fmt: skip
    assert [row.same_vehicle_as for row in report.rows] == [None, 2]
    assert [e.row for e in report.errors] == [4]


def test_matches_against_the_database() -> None:
    existing = ExistingKeys(
        phones={"+8613800138000": (10,), "+8613900139000": (11, 12)},
        plates={"粤A00001": 100, "粤A00003": 103},
        vins={vin_for(2): 101, vin_for(3): 102},
        names={10: "王伟", 11: "李娜", 12: "李娜的丈夫"},
        vehicle_customers={103: (13, 14)},
    )
    report = check(
        [
            ["王伟", "", "13800138000", "", "粤A00001"],  # 2: customer 10, vehicle 100
            ["李娜", "", "13900139000", "", "粤B00002", vin_for(2)],  # 3: customer 11 (12 has another name)
            ["赵六", "", "", "", "粤A00003"],  # 4: vehicle 103; its customers' names are unknown
            ["钱七", "", "13600136000", "", "粤A00001", vin_for(3)],  # 5: plate and VIN on two vehicles
            ["孙八", "", "13500135000"],  # 6: nothing in common
        ],
        existing=existing,
    )
    by_row = {row.number: row for row in report.rows}
    assert by_row[2].matches == (Match(KeyKind.PHONE, "+8613800138000", customer_id=10),
                                 Match(KeyKind.PLATE, "粤A00001", vehicle_id=100))  # fmt: skip
    assert (by_row[2].existing_customers, by_row[2].existing_vehicle) == ((10,), 100)
    assert (by_row[3].existing_customers, by_row[3].existing_vehicle) == ((11,), 101)
    assert len(by_row[3].matches) == 3
    assert (by_row[4].existing_customers, by_row[4].existing_vehicle) == ((), 103)
    assert by_row[6].matches == ()
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (5, "车架号", "The plate 粤A00001 and this VIN belong to two different vehicles in the CRM.")
    ]
    assert report.matched_rows == 3


def test_without_names_a_shared_phone_is_the_same_customer() -> None:
    report = check([["别名", "", "13800138000"]], existing=ExistingKeys(phones={"+8613800138000": (10,)}))
    assert report.rows[0].existing_customers == (10,)


def test_a_car_finds_its_customer_by_name() -> None:
    existing = ExistingKeys(
        plates={"粤A00001": 100}, names={13: "王伟", 14: "李娜"}, vehicle_customers={100: (13, 14)}
    )
    report = check([["王伟", "", "", "", "粤A00001"]], existing=existing)
    assert report.rows[0].existing_customers == (13,)


def test_file_keys_are_what_to_look_up() -> None:
    report = check(
        [["王伟", "", "13800138000", "020-88881234", "粤A00001", vin_for(1)], ["李娜", "", "13900139000"]]
    )
    keys = file_keys(report)
    assert keys.phones == {"+8613800138000", "+862088881234", "+8613900139000"}
    assert keys.plates == {"粤A00001"}
    assert keys.vins == {vin_for(1)}
    assert match_existing(report, ExistingKeys()) == report


_ALL_HEADERS = [field.zh[0] for field in FIELDS] + ["电话2", "未知"]
_CELL = st.text(max_size=30) | st.sampled_from(
    ("", "13800138000", "粤A12345", "2024-03-05", "男", "1.2万", "车主")
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CELL, max_size=len(_ALL_HEADERS) + 2), max_size=12))
def test_arbitrary_cells_give_records_or_row_errors(rows: list[list[str]]) -> None:
    table = Table(
        "fuzz.csv", "csv", 1, tuple(_ALL_HEADERS), iter(Row(n, tuple(c)) for n, c in enumerate(rows, 2))
    )
    mapping = guess_mapping(table.headers)
    assert mapping.ok
    report = check_rows(table, mapping, NORMALISER, ExistingKeys(phones={"+8613800138000": (1,)}))
    assert report.total_rows == len(rows)
    checked = {row.number for row in report.rows}
    failed = {error.row for error in report.errors}
    assert checked.isdisjoint(failed)
    assert checked | failed == set(range(2, len(rows) + 2))
    for error in report.errors:
        assert error.message and error.column in (*_ALL_HEADERS, "")


def test_gender_and_kind_stay_unset_when_blank() -> None:
    report = check([["王伟", "", "13800138000"]], header=["姓名", "性别", "电话"])
    record = report.rows[0].record
    assert (record.gender, record.kind, record.vehicle) == (None, None, None)
    assert (
        check([["王伟", "女", "13800138000"]], header=["姓名", "性别", "电话"]).rows[0].record.gender
        is Gender.FEMALE
    )
