"""Rendering SMS templates (pure): every placeholder filled, an unknown placeholder or a missing value an
error naming it; the seeded presets render with a customer's values."""

from __future__ import annotations

import pytest

from ctid.core.errors import ValidationError
from ctid.messaging.templates import PLACEHOLDERS, check_text, placeholders, render

VALUES = {
    "customer": "张伟",
    "plate": "粤A12345",
    "due_date": "2026年12月31日",
    "shop": "广州车之家",
    "appointment_time": "12月8日 09:30",
    "advisor": "李明",
}


def test_every_placeholder_is_filled() -> None:
    text = "尊敬的{customer}：您的爱车{plate}的保险将于{due_date}到期。{shop}"
    assert render(text, VALUES) == "尊敬的张伟：您的爱车粤A12345的保险将于2026年12月31日到期。广州车之家"
    assert placeholders(text + "{plate}") == ["customer", "plate", "due_date", "shop"]


def test_an_unknown_placeholder_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        render("您好{name}，{plate}", VALUES)
    assert (caught.value.field, caught.value.params) == ("template", {"name": "name"})
    with pytest.raises(ValidationError) as caught:
        check_text("{customer}{mileage}")
    assert (caught.value.field, caught.value.params) == ("text", {"name": "mileage"})


def test_a_missing_or_blank_value_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        render("{customer}，{due_date}", {"customer": "张伟", "due_date": " "})
    assert (caught.value.field, caught.value.params) == ("values", {"name": "due_date"})


def test_braces_that_are_no_placeholder_stay_and_values_are_not_read_again() -> None:
    assert render("{ customer } {customer}", {"customer": "{plate}"}) == "{ customer } {plate}"


def test_the_seeded_presets_render() -> None:
    from importlib import import_module

    presets = import_module("ctid.migrations.versions.0022_sms_outbox").PRESETS
    assert {key for key, *_ in presets} == {
        "insurance",
        "inspection",
        "maintenance",
        "birthday",
        "appointment_confirm",
        "appointment_reminder",
    }
    for key, _name, _kind, _days, text in presets:
        assert set(placeholders(text)) <= set(PLACEHOLDERS), key
        rendered = render(text, VALUES)
        assert "{" not in rendered and len(rendered) <= 134, (key, len(rendered))  # two parts at most
