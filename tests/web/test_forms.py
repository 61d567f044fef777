"""Property tests of the input parsers: whatever arrives, a clean value or a ValidationError, never a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ctid.accounts.models import Role
from ctid.core.errors import ValidationError
from ctid.core.paging import MAX_PER_PAGE
from ctid.web import forms
from tests.web.forms_support import FORMS, no_control_characters, outcome, values

TZ = ZoneInfo("Asia/Shanghai")
NAMES = ["name", "page", "per_page", "from", "to", "actor", "action", "entity_type", "entity_id", "role"]

inputs = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=5), values, max_size=6)


@FORMS
@given(data=inputs, max_length=st.integers(0, 300), required=st.booleans())
@example(data={"name": "  a\x00b\u200bc\td\n "}, max_length=10, required=True)
@example(data={"name": "\x00\x01"}, max_length=10, required=True)
def test_text_is_clean_single_line_text(data: dict[str, Any], max_length: int, required: bool) -> None:
    value = outcome(lambda: forms.text(data, "name", max_length, required))
    if value is None:
        return
    assert isinstance(value, str)
    assert no_control_characters(value)
    assert value == value.strip()
    assert len(value) <= max_length
    assert value or not required


def test_text_examples() -> None:
    assert forms.text({"n": "  a\x00b\u200bc\td\n "}, "n") == "abcd"
    assert forms.text({"n": "王\u2028伟\u2029"}, "n") == "王伟"
    assert forms.text({}, "n") == ""
    with pytest.raises(ValidationError) as refused:
        forms.text({"n": " \x00 "}, "n", required=True)
    assert refused.value.field == "n"
    with pytest.raises(ValidationError):
        forms.text({"n": "x" * 11}, "n", max_length=10)
    with pytest.raises(ValidationError):
        forms.text({"n": ["a"]}, "n")


@FORMS
@given(data=inputs)
def test_secret_is_kept_as_typed_or_refused(data: dict[str, Any]) -> None:
    value = outcome(lambda: forms.secret(data, "name"))
    if value is not None:
        assert value == data.get("name", "")
        assert len(value) <= 1024


@FORMS
@given(
    data=inputs,
    low=st.integers(-(2**40), 2**40),
    span=st.integers(0, 2**40),
    default=st.none() | st.integers(),
)
def test_integer_is_in_bounds_or_refused(
    data: dict[str, Any], low: int, span: int, default: int | None
) -> None:
    high = low + span
    value = outcome(lambda: forms.integer(data, "page", low, high, default))
    if value is None:
        return
    assert isinstance(value, int) and not isinstance(value, bool)
    assert low <= value <= high or (value == default and data.get("page", "") in ("", None))


@FORMS
@given(data=inputs)
def test_optional_integer(data: dict[str, Any]) -> None:
    value = outcome(lambda: forms.optional_integer(data, "page", 1, 100))
    assert value is None or 1 <= value <= 100


def test_integer_examples() -> None:
    assert forms.integer({"n": " 42 "}, "n", 1, 100) == 42
    assert forms.integer({"n": 7}, "n", 1, 100) == 7
    assert forms.integer({}, "n", 1, 100, default=5) == 5
    for bad in ("4.5", "abc", "", True, 1.0, "9" * 5000, "101", "0", [1]):
        with pytest.raises(ValidationError) as refused:
            forms.integer({"n": bad}, "n", 1, 100)
        assert refused.value.field == "n"


@FORMS
@given(data=inputs)
def test_choice_is_a_member_or_refused(data: dict[str, Any]) -> None:
    value = outcome(lambda: forms.choice(data, "role", Role))
    assert value is None or isinstance(value, Role)
    value = outcome(lambda: forms.optional_choice(data, "role", Role))
    assert value is None or isinstance(value, Role)


def test_choice_examples() -> None:
    assert forms.choice({"role": "operator"}, "role", Role) is Role.OPERATOR
    assert forms.choice({}, "role", Role, default=Role.ADMIN) is Role.ADMIN
    assert forms.optional_choice({"role": ""}, "role", Role) is None
    for bad in ("Operator", "root", 1, ["operator"], {"a": 1}):
        with pytest.raises(ValidationError):
            forms.choice({"role": bad}, "role", Role)


@FORMS
@given(data=inputs)
def test_boolean_never_raises(data: dict[str, Any]) -> None:
    assert isinstance(forms.boolean(data, "name"), bool)


def test_boolean_examples() -> None:
    assert [forms.boolean({"b": v}, "b") for v in ("on", "1", " TRUE ", "yes", True)] == [True] * 5
    assert [forms.boolean({"b": v}, "b") for v in ("", "off", "0", "no", False, None, 1, ["on"])] == [
        False
    ] * 8
    assert forms.boolean({}, "b") is False


@FORMS
@given(data=inputs, default_per_page=st.integers(1, MAX_PER_PAGE))
def test_page_request_stays_in_bounds(data: dict[str, Any], default_per_page: int) -> None:
    request = outcome(lambda: forms.page_request(data, default_per_page))
    if request is None:
        return
    assert 1 <= request.page <= 1_000_000
    assert 1 <= request.per_page <= MAX_PER_PAGE
    assert request.offset == (request.page - 1) * request.per_page
    if data.get("per_page", "") in ("", None):
        assert request.per_page == default_per_page


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"page": "1000001"}, "page"), ({"per_page": "0"}, "per_page"),
     ({"per_page": str(MAX_PER_PAGE + 1)}, "per_page"), ({"page": "-1"}, "page")],
)  # fmt: skip
def test_page_request_refuses_out_of_bounds(query: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        forms.page_request(query)
    assert refused.value.field == field


dates = st.dates().map(date.isoformat)
day_inputs = st.fixed_dictionaries({}, optional={"from": dates | values, "to": dates | values})


@FORMS
@given(data=day_inputs | inputs)
@example(data={"to": "9999-12-31"})
@example(data={"from": "0001-01-01"})
@example(data={"from": "2026-03-22", "to": "2026-03-21"})
def test_day_range_is_an_ordered_aware_range_or_refused(data: dict[str, Any]) -> None:
    result = outcome(lambda: forms.day_range(data, TZ))
    if result is None:
        return
    since, until = result
    for moment in (since, until):
        if moment is not None:
            assert moment.tzinfo is not None
            moment.astimezone(UTC)  # storable: the database keeps UTC
    if since is not None and until is not None:
        assert until - since >= timedelta(days=1)


def test_day_range_examples() -> None:
    since, until = forms.day_range({"from": "2026-03-22", "to": "2026-03-22"}, TZ)
    assert since == datetime(2026, 3, 21, 16, tzinfo=UTC)
    assert until == datetime(2026, 3, 22, 16, tzinfo=UTC)
    assert forms.day_range({}, TZ) == (None, None)
    refused_ranges = [
        ({"from": "22/03/2026"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-23", "to": "2026-03-22"}, "to"),
        ({"to": "9999-12-31"}, "to"),  # the day after does not exist
        ({"from": "0001-01-01"}, "from"),  # midnight in Shanghai is not in year 1 in UTC
    ]
    for bad, field in refused_ranges:
        with pytest.raises(ValidationError) as refused:
            forms.day_range(bad, TZ)
        assert refused.value.field == field


@FORMS
@given(data=day_inputs | inputs)
def test_audit_filter_is_clean_or_refused(data: dict[str, Any]) -> None:
    where = outcome(lambda: forms.audit_filter(data, TZ))
    if where is None:
        return
    for value, limit in (
        (where.actor, 64),
        (where.action, 64),
        (where.entity_type, 32),
        (where.entity_id, 64),
    ):
        assert len(value) <= limit and no_control_characters(value)


@FORMS
@given(data=inputs | st.fixed_dictionaries({"name": st.decimals(allow_nan=True).map(str) | st.floats()}))
@example(data={"name": "1e999999999"})
@example(data={"name": "0.005"})
@example(data={"name": float("inf")})
def test_money_is_fen_within_bounds_or_refused(data: dict[str, Any]) -> None:
    value = outcome(lambda: forms.money(data, "name"))
    if value is None:
        return
    assert isinstance(value, Decimal) and value.is_finite()
    assert Decimal(0) <= value <= forms.MAX_MONEY
    assert value == value.quantize(Decimal("0.01"))


def test_money_examples() -> None:
    assert forms.money({"m": "480.5"}, "m") == Decimal("480.50")
    assert forms.money({"m": 30}, "m") == Decimal("30.00")
    assert forms.money({"m": 0.1}, "m") == Decimal("0.10")
    assert forms.money({"m": " 12.345 "}, "m") == Decimal("12.35")
    for bad in ("-1", "abc", "", None, True, "NaN", "Infinity", [1], "1" * 41):
        with pytest.raises(ValidationError) as refused:
            forms.money({"m": bad}, "m")
        assert refused.value.field == "m"


@FORMS
@given(data=inputs)
def test_optional_boolean_is_yes_no_or_either(data: dict[str, Any]) -> None:
    value = outcome(lambda: forms.optional_boolean(data, "name"))
    assert value is None or isinstance(value, bool)


def test_optional_boolean_examples() -> None:
    assert [forms.optional_boolean({"b": v}, "b") for v in ("true", " 1 ", True, "no", False, "", None)] == [
        True,
        True,
        True,
        False,
        False,
        None,
        None,
    ]
    with pytest.raises(ValidationError):
        forms.optional_boolean({"b": "maybe"}, "b")


@FORMS
@given(data=inputs)
def test_nullable_is_none_or_the_parsed_value(data: dict[str, Any]) -> None:
    value = outcome(lambda: forms.nullable(data, "page", lambda d, n: forms.integer(d, n, 1, 9)))
    assert value is None or 1 <= value <= 9
    if data.get("page") in (None, ""):
        assert value is None


@FORMS
@given(data=inputs, max_items=st.integers(0, 5))
def test_object_list_is_a_short_list_of_objects(data: dict[str, Any], max_items: int) -> None:
    value = outcome(lambda: forms.object_list(data, "name", max_items))
    if value is not None:
        assert len(value) <= max_items and all(isinstance(item, dict) for item in value)
