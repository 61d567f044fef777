"""The appointments API's parsers (ctid.web.appointment_forms), fuzzed: whatever arrives, clean values or a
ValidationError naming the field that was sent (or one that is required)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.reminders.appointment_models import AppointmentSource, AppointmentStatus
from ctid.web import appointment_forms
from tests.web.forms_support import FORMS, no_control_characters, values

names = st.sampled_from([*appointment_forms.NEW, *appointment_forms.CHANGES, "colour"])
slots = st.sampled_from(["09:30", "9:30", "24:00", "08:30 ", "", "17:00", "23:59", "00:00"])
bodies = st.dictionaries(names, st.one_of(values, slots), max_size=8)
queries = st.dictionaries(st.sampled_from([*appointment_forms.FILTER, "x"]), st.text(max_size=12), max_size=5)
HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d\Z")


def _named(exc: ValidationError, sent: dict[str, Any], required: tuple[str, ...] = ()) -> None:
    assert exc.field in sent or exc.field in required or exc.field == "body", (exc.field, sent)


@FORMS
@given(bodies)
def test_a_new_appointment_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        parsed = appointment_forms.new_appointment(body)
    except ValidationError as exc:
        _named(exc, body, ("customer_id", "day", "slot"))
        return
    assert isinstance(parsed["day"], date) and HHMM.match(parsed["slot"])
    assert isinstance(parsed["source"], AppointmentSource)
    assert no_control_characters(parsed["service"]) and len(parsed["service"]) <= 100
    assert all(parsed[k] is None or parsed[k] >= 1 for k in ("vehicle_id", "service_item_id", "advisor_id"))


@FORMS
@given(bodies)
def test_a_change_is_clean_or_refused_by_name(body: dict[str, Any]) -> None:
    try:
        parsed = appointment_forms.appointment_changes(body)
    except ValidationError as exc:
        _named(exc, body)
        return
    assert set(parsed) <= set(body)
    assert "slot" not in parsed or HHMM.match(parsed["slot"])
    assert "status" not in parsed or isinstance(parsed["status"], AppointmentStatus)


@FORMS
@given(queries)
def test_a_filter_is_clean_or_refused_by_name(query: dict[str, str]) -> None:
    try:
        where = appointment_forms.appointment_filter(query)
    except ValidationError as exc:
        _named(exc, query)
        return
    if where.day_from and where.day_to:
        assert where.day_from <= where.day_to


def test_a_slot_is_a_time_of_day() -> None:
    assert appointment_forms.slot({"slot": " 09:30 "}) == "09:30"
    for wrong in ("9:30", "24:00", "09:60", "0930", 930, None):
        try:
            appointment_forms.slot({"slot": wrong})
        except ValidationError as exc:
            assert exc.field == "slot"
        else:
            raise AssertionError(wrong)
