"""The customer list's query string (the page's filters, kept in the URL): a clean filter or a
ValidationError naming the field, whatever arrives (property tests), and a filter written back into a URL
reads back the same."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.crm.due_dates import MAX_WITHIN_DAYS
from ctid.crm.models import ReminderKind
from ctid.crm.record_models import CustomerFilter
from ctid.web import crm_forms
from tests.web.forms_support import no_control_characters, values

FORMS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = [
    "level", "source", "tag", "assigned_user", "kind", "due", "within", "visited_after", "visited_before",
    "page", "per_page", "branch",
]  # fmt: skip
plausible = st.one_of(
    st.sampled_from(["", "insurance", "inspection", "maintenance", "birthday", "person", "company", "VIP"]),
    st.from_regex(r"\s*-?\d{1,4}\s*", fullmatch=True),
    st.from_regex(r"20\d\d-[01]\d-[0-3]\d", fullmatch=True),
)
queries = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=4), values | plausible, max_size=8)


@FORMS
@given(queries)
def test_the_filter_is_clean_or_refused_by_name(data: dict[str, Any]) -> None:
    try:
        where = crm_forms.customer_filter(data)
    except ValidationError as refused:
        assert refused.field in NAMES
        return
    for text, limit in ((where.level, 16), (where.source, 32), (where.tag, 40)):
        assert no_control_characters(text) and len(text) <= limit and text == text.strip()
    assert 0 <= where.due_within <= MAX_WITHIN_DAYS
    assert where.due is None or isinstance(where.due, ReminderKind)
    assert where.page.page >= 1


def _query(where: CustomerFilter) -> dict[str, str]:
    """The filter as the page's form writes it into the URL."""
    found = {
        "level": where.level,
        "source": where.source,
        "tag": where.tag,
        "assigned_user": str(where.assigned_user_id or ""),
        "due": where.due.value if where.due else "",
        "within": str(where.due_within),
        "visited_after": where.visited_after.isoformat() if where.visited_after else "",
        "visited_before": where.visited_before.isoformat() if where.visited_before else "",
        "page": str(where.page.page),
    }
    return {name: value for name, value in found.items() if value}


words = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=16).map(str.strip)
days = st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31))


@FORMS
@given(
    level=words,
    source=words,
    tag=words,
    assigned=st.none() | st.integers(1, 2**31 - 1),
    due=st.none() | st.sampled_from(ReminderKind),
    within=st.integers(0, MAX_WITHIN_DAYS),
    after=days,
    before=days,
    page=st.integers(1, 1000),
)
def test_a_filter_in_the_url_reads_back_the_same(
    level: str,
    source: str,
    tag: str,
    assigned: int | None,
    due: ReminderKind | None,
    within: int,
    after: date | None,
    before: date | None,
    page: int,
) -> None:
    parsed = crm_forms.customer_filter({"level": level, "source": source, "tag": tag})
    written = CustomerFilter(
        level=parsed.level,
        source=parsed.source,
        tag=parsed.tag,
        assigned_user_id=assigned,
        due=due,
        due_within=within,
        visited_after=after,
        visited_before=before,
        page=crm_forms.customer_filter({"page": str(page)}).page,
    )
    assert crm_forms.customer_filter(_query(written)) == written


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"due": "tomorrow"}, "due"),
        ({"within": "367"}, "within"),
        ({"within": "-1"}, "within"),
        ({"within": "a week"}, "within"),
        ({"visited_after": "2026-02-30"}, "visited_after"),
        ({"visited_before": "22/03/2026"}, "visited_before"),
        ({"assigned_user": "0"}, "assigned_user"),
    ],
)
def test_bad_values_are_refused_by_name(query: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        crm_forms.customer_filter(query)
    assert refused.value.field == field


def test_what_people_pick_becomes_the_filter() -> None:
    where = crm_forms.customer_filter(
        {"tag": " 车队 ", "due": "insurance", "within": "", "visited_before": "2026-01-01", "level": "VIP"}
    )
    assert (where.tag, where.due, where.due_within) == ("车队", ReminderKind.INSURANCE, 30)
    assert (where.visited_before, where.visited_after, where.level) == (date(2026, 1, 1), None, "VIP")
