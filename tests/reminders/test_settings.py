"""The reminder types' settings: the defaults hold together, and the JSON that admins edit reads back to
the same settings, or is refused with the field named."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.reminders.models import Channel, ReminderType
from ctid.reminders.settings import (
    DEFAULT_SETTINGS,
    MAX_LEAD_DAYS,
    TYPE_FIELDS,
    AssigneeRule,
    Calendar,
    Holiday,
    TypeSettings,
    settings_from_json,
    settings_to_json,
)

DOCS = Path(__file__).parents[2] / "docs" / "reminders.md"


def test_every_type_has_defaults_that_read_back() -> None:
    assert set(DEFAULT_SETTINGS) == set(ReminderType)
    for type_, settings in DEFAULT_SETTINGS.items():
        assert settings.type == type_
        assert list(settings.lead_days) == sorted(settings.lead_days, reverse=True), type_
        assert settings_from_json(settings_to_json(settings)) == settings
        assert settings_from_json({"type": type_.value}) == settings, "an empty object keeps the defaults"
    assert DEFAULT_SETTINGS[ReminderType.INSURANCE].lead_days == (45, 30, 15)
    assert DEFAULT_SETTINGS[ReminderType.LICENCE_REVIEW].lead_days[0] == 90


def test_the_documented_table_names_every_type() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for type_, settings in DEFAULT_SETTINGS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{type_.value}`")), None)
        assert row is not None, type_
        assert ", ".join(str(d) for d in settings.lead_days) in row, f"{type_}: lead days as in the code"


def test_a_partial_object_changes_only_what_it_names() -> None:
    got = settings_from_json({"type": "insurance", "lead_days": [15, 60], "channel": "sms"})
    want = replace(DEFAULT_SETTINGS[ReminderType.INSURANCE], lead_days=(60, 15), channel=Channel.SMS)
    assert got == want, "lead days come back largest first"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "type"),
        ({"type": "birthdays"}, "type"),
        ([], "settings"),
        ({"type": "insurance", "lead_day": [1]}, "lead_day"),
        ({"type": "insurance", "interval_km": 5000}, "interval_km"),
        ({"type": "insurance", "lead_days": []}, "lead_days"),
        ({"type": "insurance", "lead_days": [30, 30]}, "lead_days"),
        ({"type": "insurance", "lead_days": [30, -1]}, "lead_days[1]"),
        ({"type": "insurance", "lead_days": [MAX_LEAD_DAYS + 1]}, "lead_days[0]"),
        ({"type": "insurance", "lead_days": "45,30"}, "lead_days"),
        ({"type": "insurance", "lead_days": [1, 2, 3, 4, 5, 6, 7]}, "lead_days"),
        ({"type": "insurance", "enabled": 1}, "enabled"),
        ({"type": "insurance", "channel": "fax"}, "channel"),
        ({"type": "insurance", "expire_after_days": True}, "expire_after_days"),
        ({"type": "insurance", "retry_max_tries": 0}, "retry_max_tries"),
        ({"type": "insurance", "assignee": "fixed_user"}, "assignee_user_id"),
        ({"type": "insurance", "assignee_user_id": 0}, "assignee_user_id"),
        ({"type": "insurance", "templates": {"fax": "x"}}, "templates"),
        ({"type": "insurance", "templates": {"sms": ""}}, "templates.sms"),
        ({"type": "insurance", "templates": ["sms"]}, "templates"),
        ({"type": "maintenance", "interval_km": 0}, "interval_km"),
        (
            {"type": "holiday", "holidays": [{"name": "x", "calendar": "lunar", "month": 13, "day": 1}]},
            "holidays[0].month",
        ),
        (
            {"type": "holiday", "holidays": [{"name": "x", "calendar": "solar", "month": 4, "day": 31}]},
            "holidays[0].day",
        ),
        (
            {"type": "holiday", "holidays": [{"name": "x", "calendar": "lunar", "month": 4}]},
            "holidays[0].day",
        ),
        (
            {"type": "holiday", "holidays": [{"name": " ", "calendar": "lunar", "month": 4, "day": 1}]},
            "holidays[0].name",
        ),
        (
            {"type": "holiday", "holidays": [{"name": "x", "calendar": "x", "month": 4, "day": 1}]},
            "holidays[0].calendar",
        ),
        ({"type": "holiday", "holidays": [{"nam": "x"}]}, "holidays[0].nam"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(data: Any, field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings_from_json(data)
    assert raised.value.field == field


def test_a_fixed_user_and_the_holidays_read_back() -> None:
    data = {
        "type": "holiday",
        "assignee": "fixed_user",
        "assignee_user_id": 7,
        "holidays": [{"name": "店庆", "calendar": "solar", "month": 2, "day": 29}],
        "templates": {"sms": "greeting", "email": None},
    }
    settings = settings_from_json(data)
    assert settings.assignee == AssigneeRule.FIXED_USER and settings.assignee_user_id == 7
    assert settings.holidays == (Holiday("店庆", Calendar.SOLAR, 2, 29),)
    assert settings.template(Channel.SMS) == "greeting" and settings.template(Channel.EMAIL) is None


def _holidays() -> st.SearchStrategy[Holiday]:
    return st.builds(
        Holiday,
        name=st.text(st.characters(categories=("Lo", "Ll")), min_size=1, max_size=32),
        calendar=st.sampled_from(Calendar),
        month=st.integers(1, 12),
        day=st.integers(1, 28),
    )


@st.composite
def _settings(draw: st.DrawFn) -> TypeSettings:
    type_ = draw(st.sampled_from(ReminderType))
    assignee = draw(st.sampled_from(AssigneeRule))
    user = draw(st.integers(1, 2**31 - 1)) if assignee == AssigneeRule.FIXED_USER else draw(st.none())
    lead = draw(st.lists(st.integers(0, MAX_LEAD_DAYS), min_size=1, max_size=6, unique=True))
    templates = draw(
        st.dictionaries(st.sampled_from(Channel), st.from_regex(r"[a-z_]{1,20}", fullmatch=True))
    )
    extra: dict[str, Any] = {}
    if type_ == ReminderType.MAINTENANCE:
        extra = {"interval_months": draw(st.integers(1, 120)), "interval_km": draw(st.integers(1, 100_000))}
    if type_ == ReminderType.HOLIDAY:
        extra = {"holidays": tuple(draw(st.lists(_holidays(), max_size=5)))}
    if type_ == ReminderType.VISIT_FOLLOW_UP:
        extra = {"follow_up_after_days": draw(st.integers(0, 366))}
    return replace(
        DEFAULT_SETTINGS[type_],
        enabled=draw(st.booleans()),
        lead_days=tuple(sorted(lead, reverse=True)),
        channel=draw(st.sampled_from(Channel)),
        expire_after_days=draw(st.integers(0, 3660)),
        assignee=assignee,
        assignee_user_id=user,
        templates=templates,
        auto_send_sms=draw(st.booleans()),
        **extra,
    )


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_settings())
def test_settings_read_back_through_json(settings: TypeSettings) -> None:
    data = json.loads(json.dumps(settings_to_json(settings)))
    assert settings_from_json(data) == settings
    assert set(data) - {
        "type",
        "enabled",
        "lead_days",
        "channel",
        "expire_after_days",
        "retry_after_days",
        "retry_max_tries",
        "contacted_window_days",
        "assignee",
        "assignee_user_id",
        "templates",
        "auto_send_sms",
    } == set(TYPE_FIELDS.get(settings.type, ()))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    [
        "type",
        "enabled",
        "lead_days",
        "channel",
        "expire_after_days",
        "assignee",
        "assignee_user_id",
        "templates",
        "holidays",
        "interval_km",
        "auto_send_sms",
        "other",
    ]
)


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ReminderType), st.dictionaries(_KEYS, _JSON, max_size=5))
def test_any_json_is_read_or_refused_with_a_field(type_: ReminderType, data: dict[str, Any]) -> None:
    data = {"type": type_.value, **{k: v for k, v in data.items() if k != "type"}}
    try:
        settings = settings_from_json(data)
    except ValidationError as refused:
        assert refused.field
        return
    assert settings_from_json(settings_to_json(settings)) == settings
