"""The recordings filters and tag lists from HTTP input: a clean value or a ValidationError naming the
field, whatever arrives (property tests), and the values people type turned into the right filter."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.recording.service import MAX_TAG, MAX_TAGS
from ctid.web import recording_forms
from tests.web.forms_support import no_control_characters, outcome, values

FORMS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TZ = ZoneInfo("Asia/Shanghai")
FILTER_NAMES = [
    "from", "to", "line", "operator", "number", "match", "customer", "direction", "min_duration",
    "max_duration", "notes", "tag", "page", "per_page", "recording", "user", "action", "tags", "note",
]  # fmt: skip
plausible = st.one_of(
    st.sampled_from(["", "inbound", "outbound", "begins", "contains", "play", "download", "true", "no"]),
    st.from_regex(r"\s*-?\d{1,7}\s*", fullmatch=True),
    st.from_regex(r"20\d\d-[01]\d-[0-3]\d", fullmatch=True),
)
inputs = st.dictionaries(st.sampled_from(FILTER_NAMES) | st.text(max_size=4), values | plausible, max_size=8)


@FORMS
@given(inputs)
def test_recording_filter_is_clean_or_refused(data: dict[str, Any]) -> None:
    where = outcome(lambda: recording_forms.recording_filter(data, TZ))
    if where is None:
        return
    assert where.direction in ("", "inbound", "outbound")
    assert where.number_match in ("begins", "contains")
    assert not where.number or any(c.isdigit() for c in where.number)
    assert no_control_characters(where.line) and len(where.line) <= 40
    assert where.branch_id is None, "the branch is the service's to set, never the request's"
    if where.min_duration_s is not None and where.max_duration_s is not None:
        assert 0 <= where.min_duration_s <= where.max_duration_s
    if where.since and where.until:
        assert where.since < where.until
    assert "," not in where.tag and len(where.tag) <= MAX_TAG
    assert where.page.page >= 1


@FORMS
@given(inputs)
def test_access_filter_is_clean_or_refused(data: dict[str, Any]) -> None:
    where = outcome(lambda: recording_forms.access_filter(data, TZ))
    if where is None:
        return
    assert where.action in ("", "play", "download", "delete")
    assert where.recording_id is None or where.recording_id >= 1
    assert no_control_characters(where.user_name) and len(where.user_name) <= 80
    assert where.branch_id is None


@FORMS
@given(inputs)
def test_tags_and_notes_are_clean_or_refused(data: dict[str, Any]) -> None:
    tags = outcome(lambda: recording_forms.tags(data))
    if tags is not None:
        assert len(tags) <= MAX_TAGS and len(set(tags)) == len(tags)
        assert all(t and "," not in t and "、" not in t and len(t) <= MAX_TAG for t in tags)
        assert all(no_control_characters(t) and t == t.strip() for t in tags)
    note = outcome(lambda: recording_forms.note(data))
    assert note is None or len(note) <= 2000


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(st.characters(exclude_characters=",，、;；"), min_size=1, max_size=10), max_size=8))
def test_tags_typed_in_one_field_are_the_same_as_a_list(typed: list[str]) -> None:
    cleaned = [t.strip() for t in typed if recording_forms.forms.text({"t": t}, "t", 100)]
    as_list = outcome(lambda: recording_forms.tags({"tags": typed}))
    as_text = outcome(lambda: recording_forms.tags({"tags": "，".join(typed)}))
    assert as_list == as_text
    if as_list is not None:
        assert len(as_list) <= len(cleaned)


def test_what_people_type_becomes_the_filter() -> None:
    where = recording_forms.recording_filter(
        {
            "from": "2026-03-01",
            "to": "2026-03-31",
            "line": "desk",
            "operator": "7",
            "number": " 0755-8888 ",
            "match": "begins",
            "customer": "12",
            "direction": "outbound",
            "min_duration": "30",
            "max_duration": "600",
            "notes": "true",
            "tag": "投诉",
            "page": "2",
        },
        TZ,
    )
    assert where.since == datetime(2026, 3, 1, tzinfo=TZ) and where.until == datetime(2026, 4, 1, tzinfo=TZ)
    assert (where.line, where.operator_id, where.number, where.number_match) == (
        "desk",
        7,
        "0755-8888",
        "begins",
    )
    assert (where.customer_id, where.direction, where.has_notes, where.tag) == (12, "outbound", True, "投诉")
    assert (where.min_duration_s, where.max_duration_s, where.page.page) == (30.0, 600.0, 2)
    blank = recording_forms.recording_filter({"match": "", "notes": "", "operator": ""}, TZ)
    assert (blank.number_match, blank.has_notes, blank.operator_id) == ("contains", None, None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"match": "ends"}, "match"),
        ({"number": "abc"}, "number"),
        ({"min_duration": "60", "max_duration": "30"}, "max_duration"),
        ({"min_duration": "-1"}, "min_duration"),
        ({"notes": "maybe"}, "notes"),
        ({"tag": "a,b"}, "tag"),
        ({"from": "2026-02-30"}, "from"),
        ({"operator": "x"}, "operator"),
    ],
)
def test_bad_filters_name_the_field(data: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        recording_forms.recording_filter(data, TZ)
    assert caught.value.field == field


def test_tags_split_on_commas_and_keep_order() -> None:
    assert recording_forms.tags({"tags": "vip, 投诉，回访、 vip ,,"}) == ["vip", "投诉", "回访"]
    assert recording_forms.tags({"tags": ["late delivery", "vip"]}) == ["late delivery", "vip"]
    assert recording_forms.tags({}) == []
    with pytest.raises(ValidationError, match="At most"):
        recording_forms.tags({"tags": [f"t{i}" for i in range(MAX_TAGS + 1)]})
    with pytest.raises(ValidationError):
        recording_forms.tags({"tags": ["a,b"]})
    with pytest.raises(ValidationError):
        recording_forms.tags({"tags": 5})
