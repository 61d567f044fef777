"""The reminders API's parsers (ctid.web.reminder_forms), fuzzed: whatever arrives, a clean value or a
ValidationError naming a field that was sent (or ``body``); a time without an offset is site time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.reminders.models import ItemStatus
from ctid.web import reminder_forms

SHOP = ZoneInfo("Asia/Shanghai")
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.sampled_from(
        ["booked", "no_answer", "call_back", "me", "none", "all", "open", "insurance", "2026-12-08",
         "2026-12-08T15:30", "2026-12-08T07:30:00Z", "2026-02-30", "9999-12-31T23:59", "7", "0", ""]
    ),
)  # fmt: skip
changes = st.dictionaries(
    st.sampled_from([*reminder_forms.CHANGEABLE, "status", "sms_id"]), anything, max_size=5
)
queries = st.dictionaries(
    st.sampled_from(["date", "type", "status", "assignee", "branch", "customer", "page", "per_page", "q"]),
    st.one_of(st.text(max_size=20), st.sampled_from(["me", "none", "all", "birthday", "2026-12-08", "3"])),
    max_size=5,
)
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(changes)
def test_a_change_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        change = reminder_forms.item_change(body, SHOP)
    except ValidationError as exc:
        assert exc.field in body or exc.field == "body", (exc.field, body)
        return
    assert body
    if change.call_back_at is not None:
        assert change.call_back_at.tzinfo is not None
    if change.unassign:
        assert change.assignee_id is None


@FUZZ
@given(queries)
def test_a_filter_is_clean_or_refused_by_name(query: dict[str, str]) -> None:
    try:
        where = reminder_forms.reminder_filter(query, user_id=5)
    except ValidationError as exc:
        assert exc.field in query, (exc.field, query)
        return
    assert not (where.unassigned and where.assignee_id is not None)


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("2026-12-08T15:30", datetime(2026, 12, 8, 7, 30, tzinfo=UTC)),
        ("2026-12-08T15:30:00+08:00", datetime(2026, 12, 8, 7, 30, tzinfo=UTC)),
        ("2026-12-08T07:30:00Z", datetime(2026, 12, 8, 7, 30, tzinfo=UTC)),
    ],
)
def test_a_call_back_time_without_offset_is_site_time(sent: str, meant: datetime) -> None:
    change = reminder_forms.item_change({"outcome": "call_back", "call_back_at": sent}, SHOP)
    assert change.call_back_at == meant


def test_the_filters_words() -> None:
    mine = reminder_forms.reminder_filter(
        {"assignee": "me", "status": "all", "date": "2026-12-08"}, user_id=5
    )
    assert (mine.assignee_id, mine.status, mine.on_or_before) == (5, None, date(2026, 12, 8))
    pool = reminder_forms.reminder_filter({"assignee": "none"}, user_id=5)
    assert (pool.unassigned, pool.assignee_id, pool.status) == (True, None, ItemStatus.OPEN)
