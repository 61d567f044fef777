"""Property tests of the CRM records API's parsers: whatever JSON arrives, typed fields or a
ValidationError naming a field, never a 500; and only the fields given come back (a PATCH changes what it
names). The strategies are tests/web/test_forms.py's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.crm.models import ContactType, CustomerKind, VehicleRole
from ctid.crm.new_customer import NewCustomer, NewPhone
from ctid.web import crm_forms
from tests.web.forms_support import FORMS, outcome, values

FIELDS = [
    *crm_forms.NEW_CUSTOMER,
    *crm_forms.VEHICLE,
    *crm_forms.NEW_VISIT,
    *crm_forms.NEW_FOLLOW_UP,
    *crm_forms.FOLLOW_UP,
    *crm_forms.CATALOGUE,
    "customers",
    "opt_outs",
    "page",
    "per_page",
    "branch",
    "due_from",
    "due_to",
]
bodies = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), values, max_size=6)

PARSERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "customer_changes": crm_forms.customer_changes,
    "new_customer": crm_forms.new_customer,
    "opt_outs": crm_forms.opt_outs,
    "vehicle": crm_forms.vehicle,
    "vehicle_changes": crm_forms.vehicle_changes,
    "reading": crm_forms.reading,
    "new_visit": crm_forms.new_visit,
    "visit_changes": crm_forms.visit_changes,
    "catalogue_item": crm_forms.catalogue_item,
    "new_follow_up": crm_forms.new_follow_up,
    "follow_up_changes": crm_forms.follow_up_changes,
    "customer_filter": crm_forms.customer_filter,
    "vehicle_filter": crm_forms.vehicle_filter,
    "visit_filter": crm_forms.visit_filter,
    "follow_up_filter": crm_forms.follow_up_filter,
    "catalogue_filter": crm_forms.catalogue_filter,
}


@pytest.mark.parametrize("parser", sorted(PARSERS))
@FORMS
@given(data=bodies)
def test_parsers_give_typed_values_or_name_the_field(parser: str, data: dict[str, Any]) -> None:
    outcome(lambda: PARSERS[parser](data))


@FORMS
@given(data=bodies)
def test_a_change_holds_exactly_the_fields_given(data: dict[str, Any]) -> None:
    for parse, known in (
        (crm_forms.customer_changes, crm_forms.CUSTOMER),
        (crm_forms.visit_changes, crm_forms.VISIT),
        (crm_forms.follow_up_changes, crm_forms.FOLLOW_UP),
    ):
        changes = outcome(lambda parse=parse: parse(data))  # type: ignore[misc]
        if changes is not None:
            assert set(changes) == set(data) and set(data) <= set(known)


def test_new_customer_examples() -> None:
    body = {
        "name": " 张伟 ",
        "phones": ["138 0013 8000", {"number": "020-1", "label": "家"}],
        "plate": "粤A1",
    }
    new, call = crm_forms.new_customer({**body, "call_id": "ab12", "vehicle_role": "driver"})
    assert new == NewCustomer(
        "张伟",
        CustomerKind.PERSON,
        0,
        (NewPhone("138 0013 8000"), NewPhone("020-1", "家")),
        plate="粤A1",
        vehicle_role=VehicleRole.DRIVER,
    )
    assert call == "ab12"
    for bad, field in [
        ({"phones": ["1"]}, "name"),
        ({**body, "phones": [{"number": "1", "extension": "2"}]}, "phones"),
        ({**body, "birthday": "1985-02-30"}, "birthday"),
        ({**body, "branch_id": 0}, "branch_id"),
        ({**body, "surname": "张"}, "surname"),
    ]:
        with pytest.raises(ValidationError) as refused:
            crm_forms.new_customer(bad)
        assert refused.value.field == field, bad


def test_changes_examples() -> None:
    assert crm_forms.customer_changes({"birthday": None, "gender": ""}) == {"birthday": None, "gender": None}
    assert crm_forms.customer_changes({"licence_review_on": "2027-01-31"}) == {
        "licence_review_on": date(2027, 1, 31)
    }
    assert crm_forms.opt_outs({"opt_outs": [{"contact_type": "birthday"}]}) == {ContactType.BIRTHDAY: ""}
    fields, links, km, branch = crm_forms.vehicle(
        {"plate": "粤A12345", "customers": [{"customer_id": 3, "role": "user"}]}
    )
    assert (fields, links, km, branch) == ({"plate": "粤A12345"}, [(3, VehicleRole.USER)], None, None)
    [item] = crm_forms.new_visit({"vehicle_id": 1, "items": [{"name": "洗车", "price": "30"}]})["items"]
    assert (item.name, item.price, item.quantity) == ("洗车", Decimal("30.00"), 1)
    with pytest.raises(ValidationError) as refused:
        crm_forms.new_visit({"items": []})
    assert refused.value.field == "vehicle_id"
    with pytest.raises(ValidationError) as refused:
        crm_forms.catalogue_item({"code": "WASH", "name": "洗车"}, new=True)
    assert refused.value.field == "price"
