"""The SMS API's parsers (ctid.web.sms_forms), fuzzed: whatever arrives, a clean value or a
ValidationError naming a field that was sent (or the one that was missing)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.web import sms_forms

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(
        st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers(), st.none()), max_size=3
    ),
    st.sampled_from(["13800138000", "insurance", "marketing", "service", "粤A12345", "", "x" * 1001, "0"]),
)
bodies = st.dictionaries(st.sampled_from([*sms_forms.SEND, "colour"]), anything, max_size=6)
queries = st.dictionaries(
    st.sampled_from(["customer", "number", "status", "purpose", "from", "to", "branch", "page", "per_page"]),
    st.one_of(st.text(max_size=12), st.sampled_from(["2026-03-22", "queued", "sent", "1", "0", "-1", "abc"])),
    max_size=5,
)
previews = st.dictionaries(st.sampled_from([*sms_forms.PREVIEW, "colour"]), anything, max_size=5)
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(bodies)
def test_a_body_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        parsed = sms_forms.sms_body(body)
    except ValidationError as exc:
        assert exc.field in body or exc.field in ("customer_id", "text"), (exc.field, body)
        return
    assert parsed.customer_id is not None or parsed.number
    assert (parsed.text is None) != (parsed.template is None)
    assert parsed.text is None or 0 < len(parsed.text) <= sms_forms.MAX_TEXT
    assert all(k.isidentifier() and isinstance(v, str) for k, v in parsed.values.items())


@FUZZ
@given(queries)
def test_a_history_query_is_clean_or_refused_by_name(query: dict[str, str]) -> None:
    try:
        parsed = sms_forms.history_query(query, ZoneInfo("Asia/Shanghai"))
    except ValidationError as exc:
        assert exc.field in query, (exc.field, query)
        return
    assert parsed.page.page >= 1
    assert parsed.customer_id is None or parsed.customer_id >= 1


def test_a_template_with_its_values() -> None:
    values = {"due_date": "2026-12-31"}
    body = sms_forms.sms_body({"customer_id": 3, "template": "insurance", "values": values})
    assert (body.template, body.values, body.text) == ("insurance", {"due_date": "2026-12-31"}, None)


@FUZZ
@given(previews)
def test_a_preview_body_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        parsed = sms_forms.preview_body(body)
    except ValidationError as exc:
        assert exc.field in body, (exc.field, body)
        return
    given_texts = [parsed.text, parsed.template, parsed.template_text]
    assert sum(value is not None for value in given_texts) <= 1
    assert parsed.template_text is None or 0 < len(parsed.template_text) <= 500
