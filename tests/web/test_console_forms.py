"""Property tests of the console API's body parsers (ctid.web.console_forms): whatever JSON arrives, typed
values or a ValidationError naming a field, never a 500. The strategies are tests/web/forms_support.py's."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.screenpop.console import AddNumber
from ctid.web import console_forms, forms
from tests.web.forms_support import FORMS, outcome, values

bodies = st.dictionaries(
    st.sampled_from(console_forms.CUSTOMER_LINK) | st.text(max_size=4), values, max_size=4
)
yes_no = st.sampled_from([True, False, None, "true", "false", "yes", "no", "1", "0"])


@FORMS
@given(data=bodies)
def test_a_customer_link_is_typed_or_names_the_field(data: dict[str, Any]) -> None:
    found = outcome(lambda: console_forms.customer_link(data))
    if found is not None:
        customer_id, add_number = found
        assert isinstance(customer_id, int) and 1 <= customer_id <= forms.MAX_ID
        assert add_number is None or isinstance(add_number, AddNumber)
        assert set(data) <= set(console_forms.CUSTOMER_LINK)


@FORMS
@given(customer_id=st.integers(1, forms.MAX_ID), add=yes_no, confirm=yes_no)
def test_the_number_is_added_only_when_asked(customer_id: int, add: Any, confirm: Any) -> None:
    data = {"customer_id": customer_id, "add_number": add, "confirm_shared_phone": confirm}
    found_id, add_number = console_forms.customer_link(data)
    asked = forms.flag(data, "add_number")
    assert found_id == customer_id and (add_number is not None) == asked
    if add_number is not None:
        assert add_number.confirm_shared_phone == forms.flag(data, "confirm_shared_phone")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customer_id"),
        ({"customer_id": 0}, "customer_id"),
        ({"customer_id": True}, "customer_id"),
        ({"customer_id": 1, "add_number": "perhaps"}, "add_number"),
        ({"customer_id": 1, "add_number": True, "confirm_shared_phone": {}}, "confirm_shared_phone"),
        ({"customer_id": 1, "number": "13800138000"}, "number"),
    ],
)
def test_examples_refused(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        console_forms.customer_link(body)
    assert refused.value.field == field


def test_examples_accepted() -> None:
    assert console_forms.customer_link({"customer_id": "7"}) == (7, None)
    assert console_forms.customer_link({"customer_id": 7, "add_number": True}) == (7, AddNumber(False))
    both = {"customer_id": 7, "add_number": "true", "confirm_shared_phone": True}
    assert console_forms.customer_link(both) == (7, AddNumber(True))
