"""What each merge choice does with each row, decided without a database."""

from __future__ import annotations

from ctid.crm.imports.mapping import guess_mapping
from ctid.crm.imports.matching import ExistingKeys
from ctid.crm.imports.planning import Action, Existing, MergeChoice, New, plan
from ctid.crm.imports.reading import read_table
from ctid.crm.imports.report import Report
from ctid.crm.imports.validation import check_rows
from tests.crm.imports.support import NORMALISER, csv_bytes, vin_for

HEADER = ["客户名称", "电话", "车牌号", "车架号"]
EXISTING = ExistingKeys(
    phones={"+8613800138000": (10,), "+8613700137000": (11, 12)},
    plates={"粤A00001": 100},
    vins={vin_for(5): 105},
)
ROWS = [
    ["王伟", "13800138000", "粤A00001"],  # 2: customer 10 and vehicle 100
    ["王伟", "13800138000", "粤A00002"],  # 3: customer 10, a new car
    ["李娜", "13900139000", "粤A00003"],  # 4: all new
    ["李娜", "13900139000", "粤A00004"],  # 5: the customer of row 4, a new car
    ["赵六", "13600136000", "粤A00005", vin_for(5)],  # 6: a new customer, vehicle 105 (by VIN)
    ["钱七", "13500135000"],  # 7: all new, no vehicle
]


def report(rows: list[list[str]] = ROWS, existing: ExistingKeys = EXISTING) -> Report:
    table = read_table(csv_bytes([HEADER, *rows]), "a.csv")
    return check_rows(table, guess_mapping(table.headers), NORMALISER, existing)


def targets(choice: MergeChoice, rows: list[list[str]] = ROWS) -> dict[int, tuple[object, object]]:
    result = plan(report(rows), choice)
    return {step.row.number: (step.customer, step.vehicle) for step in result.steps}


def test_skip_leaves_the_crm_alone() -> None:
    result = plan(report(), MergeChoice.SKIP)
    assert result.ok
    assert [row.number for row in result.skipped] == [2, 3, 6]
    assert {step.row.number: (step.customer, step.vehicle) for step in result.steps} == {
        4: (New(4), New(4)),
        5: (New(4), New(5)),
        7: (New(7), None),
    }
    assert result.update == ()
    assert [step.action for step in result.create] == [Action.CREATE] * 3


def test_skip_also_skips_the_later_rows_of_a_skipped_customer() -> None:
    rows = [["王伟", "13800138000, 13300133000"], ["王伟", "13300133000", "粤A00009"]]
    result = plan(report(rows), MergeChoice.SKIP)
    assert [row.number for row in result.skipped] == [2, 3]


def test_update_writes_into_what_matches() -> None:
    result = plan(report(), MergeChoice.UPDATE)
    assert result.ok
    assert {step.row.number: (step.customer, step.vehicle) for step in result.steps} == {
        2: (Existing(10), Existing(100)),
        3: (Existing(10), New(3)),
        4: (New(4), New(4)),
        5: (New(4), New(5)),
        6: (New(6), Existing(105)),
        7: (New(7), None),
    }
    assert [step.row.number for step in result.update] == [2, 3, 6]
    assert result.skipped == ()


def test_create_adds_new_customers_but_never_a_second_plate_or_vin() -> None:
    result = plan(report(), MergeChoice.CREATE)
    assert [(e.row, e.column, e.field) for e in result.errors] == [
        (2, "车牌号", "plate"),
        (6, "车架号", "vin"),
    ]
    assert "plates are unique" in result.errors[0].message
    assert "VINs are unique" in result.errors[1].message
    assert not result.ok  # and so not to be written: row 3 refers to the customer that row 2 cannot create
    assert {step.row.number: (step.customer, step.vehicle) for step in result.steps} == {
        3: (New(2), New(3)),
        4: (New(4), New(4)),
        5: (New(4), New(5)),
        7: (New(7), None),
    }


def test_create_without_vehicle_collisions_is_fine() -> None:
    rows = [["王伟", "13800138000"], ["王伟", "13800138000", "粤A00002"]]
    result = plan(report(rows), MergeChoice.CREATE)
    assert result.ok
    assert [(s.customer, s.vehicle) for s in result.steps] == [(New(2), None), (New(2), New(3))]


def test_update_refuses_a_phone_of_several_customers() -> None:
    result = plan(report([["孙八", "13700137000"]]), MergeChoice.UPDATE)
    (error,) = result.errors
    assert (error.row, error.column, error.value) == (2, "电话", "13700137000")
    assert error.message.startswith("The phone numbers are those of 2 customers in the CRM (ids 11, 12)")
    assert plan(report([["孙八", "13700137000"]]), MergeChoice.CREATE).ok


def test_update_refuses_two_file_customers_on_one_crm_customer() -> None:
    rows = [["王伟", "13800138000"], ["王太太", "13800138000"]]
    result = plan(report(rows), MergeChoice.UPDATE)
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "Row 2 and this row are different customers but both match customer 10 in the CRM.")
    ]


def test_update_refuses_a_file_customer_that_only_partly_matches() -> None:
    rows = [["王伟", "13300133000"], ["王伟", "13300133000, 13800138000"]]
    result = plan(report(rows), MergeChoice.UPDATE)
    assert [e.row for e in result.errors] == [3]
    assert "Row 2 is the same customer" in result.errors[0].message


def test_report_errors_are_plan_errors() -> None:
    rows = [["王伟", "123"], *ROWS[2:4]]
    for choice in MergeChoice:
        result = plan(report(rows), choice)
        assert [e.row for e in result.errors] == [2]
        assert not result.ok


def test_a_dry_run_is_check_and_plan() -> None:
    """Nothing here writes: the same report planned twice gives the same plan."""
    checked = report()
    assert plan(checked, MergeChoice.UPDATE) == plan(checked, MergeChoice.UPDATE)
