"""The reminder settings page's forms (ctid.web.reminder_settings_forms): every type's settings (and the
rule tables, the custom rules) shown as texts read back to the same; whatever a form sends, settings or
a ValidationError naming one of the form's inputs (the settings readers do every check)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.reminders.custom import ALLOWED_FIELDS, CustomRule, custom_rules_from_json, with_new_ids
from ctid.reminders.inspection import DEFAULT_INSPECTION_RULES, inspection_rules_from_json
from ctid.reminders.models import Channel, ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS, TYPE_FIELDS, settings_from_json
from ctid.web import reminder_settings_forms as forms

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
INPUTS = [
    *forms.CHECKBOXES,
    *forms.NUMBERS,
    "lead_days",
    "channel",
    "assignee",
    "assignee_user_id",
    "holidays",
    *(forms.TEMPLATE_PREFIX + c.value for c in Channel),
]
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["45, 30, 15", "30，10", "45 45", "0", "-1", "３０", "1e3", "9" * 20, "on", "", "phone", "sms",
         "pool", "fixed_user", "vehicle_advisor", "中秋 lunar 8-15", "国庆 公历 10月1日", "春节 lunar 1-31",
         "元旦 solar 2-30\n中秋 lunar 8-15", "insurance", "7"]
    ),
)  # fmt: skip


def _base(name: str) -> str:
    return name.split("[")[0].split(".")[0]


@pytest.mark.parametrize("type_", list(ReminderType))
def test_every_types_settings_read_back_from_their_texts(type_: ReminderType) -> None:
    shown = DEFAULT_SETTINGS[type_]
    assert settings_from_json(forms.settings_json(type_, forms.settings_texts(shown))) == shown


def test_a_changed_form_reads_as_typed() -> None:
    form = {
        **forms.settings_texts(DEFAULT_SETTINGS[ReminderType.INSURANCE]),
        "lead_days": "60，30、 7",
        "enabled": "",
        "retry_max_tries": "５",
        "templates.letter": "insurance",
        "auto_send_sms": "on",
    }
    read = settings_from_json(forms.settings_json(ReminderType.INSURANCE, form))
    assert read.lead_days == (60, 30, 7) and not read.enabled and read.retry_max_tries == 5
    assert read.template(Channel.LETTER) == "insurance" and read.auto_send_sms


def test_holidays_are_a_line_each_in_either_calendar_word() -> None:
    text = "中秋 lunar 8-15\n\n国庆 公历 10月1日\nMid autumn 农历 8/15"
    holidays = settings_from_json({"type": "holiday", "holidays": forms.holidays_json(text)}).holidays
    assert [(h.name, h.calendar.value, h.month, h.day) for h in holidays] == [
        ("中秋", "lunar", 8, 15),
        ("国庆", "solar", 10, 1),
        ("Mid autumn", "lunar", 8, 15),
    ]
    with pytest.raises(ValidationError) as refused:
        forms.holidays_json("中秋 lunar 8-15\n国庆")
    assert refused.value.field == "holidays[1]"


def test_a_bad_value_is_refused_naming_its_input() -> None:
    form = forms.settings_texts(DEFAULT_SETTINGS[ReminderType.MAINTENANCE])
    for name, value, field in [
        ("lead_days", "14, x", "lead_days[1]"),
        ("lead_days", "", "lead_days"),
        ("lead_days", "3, 3", "lead_days"),
        ("interval_km", "五千", "interval_km"),
        ("expire_after_days", "-3", "expire_after_days"),
        ("channel", "fax", "channel"),
    ]:
        with pytest.raises(ValidationError) as refused:
            settings_from_json(forms.settings_json(ReminderType.MAINTENANCE, {**form, name: value}))
        assert refused.value.field == field, (name, value)


def test_the_rule_table_reads_back_and_skips_blank_rows() -> None:
    rows = forms.rules_texts(DEFAULT_INSPECTION_RULES)
    form = {f"rules-{i}-{key}": value for i, row in enumerate(rows) for key, value in row.items()}
    data, numbers = forms.rules_json(form)
    assert inspection_rules_from_json(data) == DEFAULT_INSPECTION_RULES
    assert numbers == list(range(len(DEFAULT_INSPECTION_RULES)))
    form["rules-1-from_month"] = form["rules-1-every_months"] = form["rules-1-to_month"] = ""
    form["rules-3-every_months"] = "0"
    data, numbers = forms.rules_json(form)
    assert len(data) == len(DEFAULT_INSPECTION_RULES) - 1 and numbers[1] == 2
    with pytest.raises(ValidationError) as refused:
        inspection_rules_from_json(data)
    assert refused.value.field == "rules[2].every_months", "the third row read, the form's fourth"


@FUZZ
@given(st.sampled_from(list(ReminderType)), st.dictionaries(st.sampled_from(INPUTS), texts, max_size=8))
def test_any_form_is_settings_or_refused_by_an_input_it_has(
    type_: ReminderType, changes: dict[str, str]
) -> None:
    form = {**forms.settings_texts(DEFAULT_SETTINGS[type_]), **changes}
    try:
        read = settings_from_json(forms.settings_json(type_, form))
    except ValidationError as exc:
        assert _base(exc.field) in {_base(name) for name in form}, (exc.field, form)
        return
    assert read.type == type_
    assert read.lead_days == tuple(sorted(read.lead_days, reverse=True)), "the earliest contact first"
    if "holidays" not in TYPE_FIELDS.get(type_, ()):
        assert read.holidays == ()


@FUZZ
@given(
    st.dictionaries(
        st.builds(lambda i, key: f"rules-{i}-{key}", st.integers(0, 8), st.sampled_from(forms.RULE_FIELDS)),
        texts,
        max_size=12,
    )
)
def test_any_rule_table_form_is_rows_or_refused_by_a_row(form: dict[str, Any]) -> None:
    data, numbers = forms.rules_json(form)
    assert len(data) == len(numbers) and numbers == sorted(numbers)
    try:
        inspection_rules_from_json(data)
    except ValidationError as exc:
        assert exc.field.startswith("rules["), exc.field


CUSTOM_RULES = (
    CustomRule(3, "爱车生日", "vehicle.purchase_date", (7,), yearly=True),
    CustomRule(5, "驾照审验", "customer.licence_review_on", (90, 30), enabled=False),
)


def _custom_form(rows: list[dict[str, str]]) -> dict[str, str]:
    """The form as a browser sends it: an unchecked box is not sent."""
    return {
        f"custom-{i}-{key}": value
        for i, row in enumerate(rows)
        for key, value in row.items()
        if value or key not in ("yearly", "enabled")
    }


def test_the_custom_rules_read_back_and_a_blank_name_removes_a_row() -> None:
    rows = forms.custom_rules_texts(CUSTOM_RULES)
    assert len(rows) == len(CUSTOM_RULES) + 3 and rows[-1]["enabled"] == "on" and rows[-1]["name"] == ""
    data, numbers = forms.custom_rules_json(_custom_form(rows))
    assert custom_rules_from_json(data) == CUSTOM_RULES and numbers == [0, 1]
    rows[0]["name"] = ""
    rows[3] = {**rows[3], "name": " 首保 ", "field": "vehicle.registration_date", "lead_days": "30，7"}
    data, numbers = forms.custom_rules_json(_custom_form(rows))
    assert numbers == [1, 3] and "id" not in data[1], "a new rule: the service numbers it"
    read = custom_rules_from_json(with_new_ids(data, [3, 5], 5))
    assert read == (CUSTOM_RULES[1], CustomRule(6, "首保", "vehicle.registration_date", (30, 7)))


def test_a_bad_custom_row_is_refused_naming_the_row_read() -> None:
    rows = forms.custom_rules_texts(CUSTOM_RULES)
    rows[0]["name"] = ""
    rows[1]["lead_days"] = "30, x"
    data, numbers = forms.custom_rules_json(_custom_form(rows))
    with pytest.raises(ValidationError) as refused:
        custom_rules_from_json(data)
    assert refused.value.field == "rules[0].lead_days[1]" and numbers[0] == 1, "the form's second row"


custom_keys = st.builds(
    lambda i, key: f"custom-{i}-{key}", st.integers(0, 6), st.sampled_from(forms.CUSTOM_FIELDS)
)
custom_texts = st.one_of(texts, st.sampled_from([*ALLOWED_FIELDS, "爱车生日", "3", "5", "0", "x" * 70]))


@FUZZ
@given(st.dictionaries(custom_keys, custom_texts, max_size=14))
def test_any_custom_rules_form_is_rules_or_refused_by_a_row(form: dict[str, Any]) -> None:
    data, numbers = forms.custom_rules_json(form)
    assert len(data) == len(numbers) and numbers == sorted(numbers)
    assert all(form.get(f"custom-{n}-name", "").strip() for n in numbers), "a blank name is no rule"
    try:
        read = custom_rules_from_json(with_new_ids(data, [3, 5], 5))
    except ValidationError as exc:
        assert exc.field == "rules" or exc.field.startswith("rules["), exc.field
        return
    assert len(read) == len(numbers)
    assert all(rule.field in ALLOWED_FIELDS and rule.name for rule in read)
