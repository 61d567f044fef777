"""A campaign's settings from JSON (ctid.dialer.campaign_settings): what an editor or the API sends is read
back to the same settings, and anything wrong is refused naming the field, never with another error."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.dialer.campaign_settings import (
    CampaignSettings,
    Source,
    SourceKind,
    settings_from_json,
    settings_to_json,
)
from ctid.dialer.hours import CallingHours
from ctid.dialer.models import AttemptResult
from ctid.dialer.search_source import customer_filter
from ctid.reminders.models import ReminderType

GOOD: dict[str, Any] = {
    "lines": ["modem1", "modem2"],
    "source": {
        "kind": "reminders",
        "types": ["insurance", "inspection"],
        "from": "2026-12-01",
        "to": "2026-12-31",
    },
    "operators": [3, 5],
    "hours": {
        "weekdays": [0, 1, 2, 3, 4, 5],
        "windows": [["14:00", "18:00"], ["09:00", "12:00"]],
        "days_off": ["2026-12-24"],
    },
    "max_attempts": 4,
    "retry_minutes": {"busy": 5},
    "prompt": {"text": "您的爱车保险即将到期"},
}


def test_a_campaigns_settings_read_and_written_back() -> None:
    settings = settings_from_json(GOOD)
    assert settings.lines == ("modem1", "modem2")
    assert settings.source == Source(
        SourceKind.REMINDERS,
        (ReminderType.INSURANCE, ReminderType.INSPECTION),
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert settings.hours == CallingHours(
        frozenset(range(6)),
        ((time(9), time(12)), (time(14), time(18))),
        True,
        frozenset({date(2026, 12, 24)}),
    )
    assert settings.retry.max_attempts == 4
    assert settings.retry.delays[AttemptResult.BUSY] == timedelta(minutes=5)
    assert settings.retry.delays[AttemptResult.NO_ANSWER] == timedelta(hours=2)
    assert settings_from_json(settings_to_json(settings)) == settings


def test_the_least_a_campaign_needs() -> None:
    settings = settings_from_json({"lines": ["sim1"], "source": {"kind": "search", "search": {"tag": "VIP"}}})
    assert settings.hours == CallingHours() and settings.operators == ()
    assert dict(settings.source.search) == {"tag": "VIP"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": ["a", "a"]}, "lines"),
        ({"lines": [""]}, "lines[0]"),
        ({"operators": [0]}, "operators[0]"),
        ({"hours": {"windows": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "hours.windows"),
        ({"hours": {"windows": [["12:00", "09:00"]]}}, "hours.windows[0]"),
        ({"hours": {"windows": [["9:00", "12:00"]]}}, "hours.windows[0]"),
        ({"hours": {"weekdays": [7]}}, "hours.weekdays[0]"),
        ({"hours": {"days_off": ["2026-02-30"]}}, "hours.days_off[0]"),
        ({"hours": {"weekday": [1]}}, "hours.weekday"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"retry_minutes": {"busy": 0}}, "retry_minutes.busy"),
        ({"retry_minutes": {"answered": 5}}, "retry_minutes.answered"),
        ({"source": {"kind": "reminders", "types": ["nope"]}}, "source.types[0]"),
        ({"source": {"kind": "reminders", "from": "2026-12-31", "to": "2026-12-01"}}, "source.to"),
        ({"source": {"kind": "reminders", "assignee": "somebody"}}, "source.assignee"),
        ({"source": {"kind": "fax"}}, "source.kind"),
        ({"prompt": {"text": "x" * 501}}, "prompt.text"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_value_is_refused_by_its_name(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_from_json({**GOOD, **change})
    assert refused.value.field == field


scalars = st.none() | st.booleans() | st.integers(-10, 10_000) | st.text(max_size=12)
json_values = (
    scalars | st.lists(scalars, max_size=4) | st.dictionaries(st.text(max_size=10), scalars, max_size=4)
)


@settings(deadline=None)  # pure and quick alone; a loaded CI box must not fail it on time
@given(st.dictionaries(st.sampled_from([*GOOD, "source", "x"]), json_values, max_size=8))
def test_anything_is_read_or_refused_by_name(data: dict[str, Any]) -> None:
    try:
        settings = settings_from_json({**GOOD, **data})
    except ValidationError as refused:
        assert refused.field
    else:
        assert isinstance(settings, CampaignSettings)
        assert settings_from_json(settings_to_json(settings)) == settings


SEARCH_KEYS = ["level", "source", "tag", "assigned_user", "kind", "due", "within", "visited_after", "x"]


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(SEARCH_KEYS), json_values | st.sampled_from(["A", "42", "insurance"])))
def test_a_customer_search_is_read_or_refused_by_name(search: dict[str, Any]) -> None:
    """Whatever a search holds, it is kept as a filter the customer list reads the same way, or refused
    naming the key inside ``source.search``."""
    try:
        settings = settings_from_json({**GOOD, "source": {"kind": "search", "search": search}})
    except ValidationError as refused:
        assert refused.field.startswith("source.search"), refused.field
    else:
        kept = settings.source.search
        assert set(kept) <= set(SEARCH_KEYS) - {"x"}
        assert customer_filter(kept) == customer_filter(search)
        assert settings_from_json(settings_to_json(settings)) == settings


def test_a_search_reads_as_the_customer_lists_filter() -> None:
    where = customer_filter({"level": "A", "due": "insurance", "within": "15", "assigned_user": 7}, 3)
    assert (where.branch_id, where.level, where.due_within, where.assigned_user_id) == (3, "A", 15, 7)
    assert where.due is not None and where.due.value == "insurance"
    with pytest.raises(ValidationError) as bad:
        customer_filter({"visited_after": "2026-13-01"})
    assert bad.value.field == "source.search.visited_after"
