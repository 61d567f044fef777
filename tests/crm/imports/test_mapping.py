"""Guessing which column is which field, overrides, and what a mapping lacks."""

from __future__ import annotations

import pytest

from ctid.crm.imports.fields import FIELDS, header_key
from ctid.crm.imports.mapping import guess_field, guess_mapping


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户名称", "name"),
        ("姓名", "name"),
        (" Name ", "name"),
        ("CUSTOMER NAME", "name"),
        ("*姓名", "name"),
        ("客户类型", "kind"),
        ("性别", "gender"),
        ("手机号", "phone"),
        ("联系电话", "phone"),
        ("电话2", "phone"),
        ("Phone 3", "phone"),
        ("mobile", "phone"),
        ("车牌号", "plate"),
        ("车架号", "vin"),
        ("vin", "vin"),
        ("底盘号", "vin"),
        ("里程（公里）", "mileage_km"),
        ("行驶里程(km)", "mileage_km"),
        ("保险到期日", "insurance_expiry"),
        ("年检到期", "inspection_due"),
        ("驾驶证审验日期", "licence_review_on"),
        ("农历生日", "birthday_lunar"),
        ("生日类型", "birthday_lunar"),
        ("Lunar birthday", "birthday_lunar"),
        ("邮箱", "email"),
        ("电子邮箱", "email"),
        ("E-mail", "email"),
        ("Email", "email"),
        ("EMAIL", "email"),
        ("Engine_Number", "engine_number"),
        ("licence_review_on", "licence_review_on"),
        ("车主关系", "role"),
        ("上牌日期", "registration_date"),
        ("登记日期", "registration_date"),
    ],
)
def test_headers_name_fields(header: str, field: str) -> None:
    assert guess_field(header) == field


@pytest.mark.parametrize("header", ["", "未知列", "车牌号2", "客户名称2", "序号"])
def test_unknown_headers(header: str) -> None:
    assert guess_field(header) is None


def test_every_export_header_maps_back_to_its_field() -> None:
    for field in FIELDS:
        assert guess_field(field.zh[0]) == field.name
        assert guess_field(field.en[0]) == field.name
        assert header_key(field.zh[0])


def test_a_mapping_reports_ignored_columns() -> None:
    mapping = guess_mapping(["序号", "客户名称", "电话", "手机", "车牌号", "经销商"])
    assert mapping.ok
    assert mapping.ignored == ("序号", "经销商")
    assert [c.field for c in mapping.columns] == [None, "name", "phone", "phone", "plate", None]
    assert mapping.header_of("phone") == "电话"
    assert mapping.fields == {"name", "phone", "plate"}


def test_overrides_win() -> None:
    mapping = guess_mapping(
        ["客户名称", "联系人手机", "车牌号", "备注"], {"联系人手机": "phone", "备注": None}
    )
    assert mapping.ok
    assert [c.field for c in mapping.columns] == ["name", "phone", "plate", None]


def test_bad_overrides_are_problems() -> None:
    mapping = guess_mapping(["客户名称", "电话"], {"手机": "phone", "电话": "telephone"})
    reasons = {(p.column, p.message) for p in mapping.problems}
    assert ("手机", "The file has no column “手机”.") in reasons
    assert ("电话", "There is no field “telephone”.") in reasons


def test_required_fields() -> None:
    mapping = guess_mapping(["电话", "备注"])
    assert [p.field for p in mapping.problems] == ["name"]
    mapping = guess_mapping(["姓名", "备注"])
    assert [p.field for p in mapping.problems] == ["phone"]
    assert "phone number or a plate" in mapping.problems[0].message
    assert guess_mapping(["姓名", "车牌"]).ok


def test_vehicle_columns_without_a_plate_column() -> None:
    mapping = guess_mapping(["姓名", "电话", "品牌"])
    assert [p.field for p in mapping.problems] == ["plate"]


def test_two_columns_for_one_field() -> None:
    mapping = guess_mapping(["姓名", "客户名称", "电话"])
    assert len(mapping.problems) == 1
    problem = mapping.problems[0]
    assert (problem.column, problem.field) == ("客户名称", "name")
    assert "“姓名” and “客户名称”" in problem.message
