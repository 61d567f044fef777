"""A simulate request from the control socket: any JSON object is a SimCall or an error naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.errors import CtidError
from ctid.voicecard.sim import MAX_RINGS, MAX_TALK_S, SimCall

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
keys = st.sampled_from(["number", "name", "rings", "answer_after", "talk_s", "ring_period_s", "line", "x"])


@given(st.dictionaries(keys, json_values))
def test_any_request_is_a_call_within_bounds_or_an_error_naming_the_field(request: dict[str, Any]) -> None:
    try:
        call = SimCall.from_request(request)
    except CtidError as exc:
        assert str(exc).split(":")[0] in request, f"names a field that was sent: {exc}"
        return
    assert 1 <= call.rings <= MAX_RINGS and isinstance(call.rings, int)
    assert call.answer_after is None or 1 <= call.answer_after <= call.rings
    assert 0 <= call.talk_s <= MAX_TALK_S
    assert call.number is None or (isinstance(call.number, str) and call.number.isprintable())


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"rings": "3"}, "rings: must be a whole number, got '3'"),
        ({"rings": 2.5}, "rings: must be a whole number, got 2.5"),
        ({"rings": float("inf")}, "rings: must be between 1 and 50, got inf"),
        ({"talk_s": float("nan")}, "talk_s: must be between 0.0 and 3600.0, got nan"),
        ({"rings": 2, "answer_after": 3}, "answer_after: must be between 1 and 2, got 3"),
        ({"number": 13912345678}, "number: must be printable text"),
        ({"name": "王\n伟"}, "name: must be printable text"),
    ],
)
def test_wrong_values_are_refused_with_the_field_and_the_value(
    request_: dict[str, Any], message: str
) -> None:
    with pytest.raises(CtidError) as raised:
        SimCall.from_request(request_)
    assert str(raised.value).startswith(message)


def test_a_plain_request_takes_the_defaults() -> None:
    call = SimCall.from_request({"number": "13912345678", "name": "王伟", "rings": 1.0})
    assert call == SimCall("13912345678", "王伟", rings=1)
