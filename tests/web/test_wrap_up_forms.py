"""The wrap-up parsers (ctid.web.wrap_up_forms, forms.wrap_up_code), fuzzed: whatever arrives, a clean
value or a ValidationError naming the field; a code that passes is one the list could hold."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.calls.wrap_up import MAX_CODE, MAX_LABEL, is_code
from ctid.core.errors import ValidationError
from ctid.web import forms, wrap_up_forms

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=80),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.sampled_from(["enquiry", "follow_up_done", "no-answer", " enquiry ", "Enquiry", "咨询", "a" * 33, ""]),
)
bodies = st.dictionaries(
    st.sampled_from(["code", "label", "position", "active", "result", "colour"]), anything, max_size=5
)


# a busy machine draws slowly: what is checked is the parsers, not the speed
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _refused_by_name(exc: ValidationError, sent: dict[str, Any]) -> None:
    assert exc.field in sent or exc.field in ("code", "label", "result"), (exc.field, sent)


@FUZZ
@given(bodies)
def test_a_new_result_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        parsed = wrap_up_forms.new_code(body)
    except ValidationError as exc:
        _refused_by_name(exc, body)
        return
    assert is_code(parsed["code"]) and 1 <= len(parsed["label"]) <= MAX_LABEL
    assert set(parsed) <= {"code", "label", "position", "active"}
    assert isinstance(parsed.get("active", True), bool)
    assert 0 <= parsed.get("position", 0) <= wrap_up_forms.MAX_POSITION


@FUZZ
@given(bodies)
def test_a_change_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        parsed = wrap_up_forms.code_changes(body)
    except ValidationError as exc:
        _refused_by_name(exc, body)
        return
    assert set(parsed) == set(body) <= {"label", "position", "active"}, "only what was sent changes"


@FUZZ
@given(bodies)
def test_a_calls_result_is_a_code_none_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        result = wrap_up_forms.call_result(body)
    except ValidationError as exc:
        _refused_by_name(exc, body)
        return
    assert set(body) == {"result"}
    assert result is None or is_code(result)


@FUZZ
@given(st.one_of(st.text(max_size=40), anything))
def test_a_filters_code_is_a_code_or_blank(value: Any) -> None:
    try:
        code = forms.wrap_up_code({"result": value})
    except ValidationError as exc:
        assert exc.field == "result"
        return
    assert code == "" or (is_code(code) and len(code) <= MAX_CODE)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ({"result": "enquiry"}, "enquiry"),
        ({"result": " no_answer "}, "no_answer"),
        ({"result": None}, None),
        ({"result": ""}, None),
    ],
)
def test_a_calls_result_as_sent(sent: dict[str, Any], expected: str | None) -> None:
    assert wrap_up_forms.call_result(sent) == expected


REFUSED = [{}, {"result": "Enquiry"}, {"result": "咨询"}, {"result": 3}, {"result": "x y"}]


@pytest.mark.parametrize("sent", REFUSED)
def test_a_calls_result_refused(sent: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        wrap_up_forms.call_result(sent)
    assert refused.value.field == "result"
