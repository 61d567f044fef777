"""A new custom rule's id (ctid.reminders.custom.with_new_ids): the next after every id in use and every id
ever given, never another rule's (an id is the key of the rule's items); an id sent must be a kept rule's.
Whatever an admin sends, rules with distinct ids or a refusal naming the rule."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.reminders.custom import ALLOWED_FIELDS, custom_rules_from_json, with_new_ids


def _rule(name: str, id: int | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": name, "field": "vehicle.purchase_date", "lead_days": [7]}
    return rule if id is None else {**rule, "id": id}


def test_new_rules_are_numbered_after_the_kept_ones_and_the_last_given() -> None:
    sent = [_rule("爱车生日", 2), _rule("首保"), {**_rule("驾照"), "id": None}]
    assert [r["id"] for r in with_new_ids(sent, [2, 5], 3)] == [2, 6, 7]
    assert [r["id"] for r in with_new_ids(sent[1:], [], 9)] == [10, 11], "9 was removed: not given again"
    assert [r["id"] for r in with_new_ids([_rule("首保")], [], 0)] == [1]
    assert sent[1] == _rule("首保"), "what was sent is left as it was"


def test_an_id_that_is_no_kept_rules_is_refused_naming_the_rule() -> None:
    with pytest.raises(ValidationError) as refused:
        with_new_ids([_rule("爱车生日", 2), _rule("首保", 4)], [2, 3], 4)
    assert refused.value.field == "rules[1].id"


def test_what_is_no_list_or_no_rule_is_left_for_the_reader() -> None:
    assert with_new_ids(None, [1], 1) is None
    assert with_new_ids(["x", {"id": "3"}], [1], 1) == ["x", {"id": "3"}]
    with pytest.raises(ValidationError) as refused:
        custom_rules_from_json(with_new_ids([_rule("a"), {"id": "3"}], [1], 1))
    assert refused.value.field.startswith("rules[1]")


ids = st.one_of(st.none(), st.integers(-2, 12), st.booleans(), st.text(max_size=2))
rules = st.fixed_dictionaries(
    {"name": st.sampled_from(["爱车生日", "首保", " "])},
    optional={
        "id": ids,
        "field": st.sampled_from([*ALLOWED_FIELDS, "vehicle.plate"]),
        "lead_days": st.just([7]),
    },
)
sent = st.one_of(
    st.lists(st.one_of(rules, st.integers(), st.text(max_size=3)), max_size=8), st.none(), st.text()
)


@given(sent, st.lists(st.integers(1, 12), unique=True, max_size=5), st.integers(0, 15))
def test_any_list_sent_is_rules_with_ids_of_their_own_or_refused_naming_a_rule(
    data: Any, kept: list[int], last_id: int
) -> None:
    try:
        read = custom_rules_from_json(with_new_ids(data, kept, last_id))
    except ValidationError as exc:
        assert exc.field == "rules" or exc.field.startswith("rules["), exc.field
        return
    ids = [rule.id for rule in read]
    assert len(set(ids)) == len(ids)
    highest = max([*kept, last_id])
    new = [rule.id for rule in read if rule.id not in kept]
    assert all(rule_id > highest for rule_id in new), (new, highest)
