"""Parsing the appointments API's bodies and queries (ctid.web.forms' parsers): a new appointment, a change
to one, the list's filter. Pure: clean values or a ValidationError naming the field. Fuzzed by
tests/web/test_appointment_forms.py."""

from __future__ import annotations

import re
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.reminders.appointment_models import AppointmentFilter, AppointmentSource, AppointmentStatus
from ctid.reminders.appointments import MAX_NOTE, MAX_SERVICE
from ctid.web import forms
from ctid.web.forms import MAX_ID, Input

NEW = (
    "customer_id", "day", "slot", "vehicle_id", "service_item_id", "service", "advisor_id", "note", "source",
    "reminder_item_id", "confirm_sms",
)  # fmt: skip
CHANGES = ("day", "slot", "advisor_id", "vehicle_id", "service_item_id", "service", "note", "status")
FILTER = ("from", "to", "advisor", "customer", "status", "branch", "page", "per_page")
_SLOT = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z")


def slot(data: Input, name: str = "slot") -> str:
    """A slot's start as "HH:MM" (24-hour); whether the day has that slot is the service's to say."""
    value = data.get(name, "")
    if not isinstance(value, str) or not _SLOT.match(value.strip()):
        raise ValidationError(name, N_("%(what)s must be a time like 09:30."), what=name)
    return value.strip()


def new_appointment(data: Input) -> dict[str, Any]:
    """``customer_id``, ``day`` and ``slot`` are required; ``service`` or ``service_item_id`` says what
    for (the service checks one is there)."""
    forms.known(data, NEW)
    day = forms.day(data, "day")
    if day is None:
        raise ValidationError("day", N_("%(what)s is required."), what="day")
    return {
        "customer_id": forms.integer(data, "customer_id", 1, MAX_ID),
        "day": day,
        "slot": slot(data),
        "vehicle_id": forms.optional_integer(data, "vehicle_id", 1, MAX_ID),
        "service_item_id": forms.optional_integer(data, "service_item_id", 1, MAX_ID),
        "service": forms.text(data, "service", MAX_SERVICE),
        "advisor_id": forms.optional_integer(data, "advisor_id", 1, MAX_ID),
        "note": forms.multiline(data, "note", MAX_NOTE),
        "source": forms.choice(data, "source", AppointmentSource, AppointmentSource.API),
        "reminder_item_id": forms.optional_integer(data, "reminder_item_id", 1, MAX_ID),
        "confirm_sms": forms.flag(data, "confirm_sms"),
    }


def appointment_changes(data: Input) -> dict[str, Any]:
    """Only the fields sent; ``vehicle_id`` and ``service_item_id`` may be null (cleared)."""
    forms.known(data, CHANGES)
    parsed: dict[str, Any] = {}
    if "day" in data:
        day = forms.day(data, "day")
        if day is None:
            raise ValidationError("day", N_("%(what)s is required."), what="day")
        parsed["day"] = day
    if "slot" in data:
        parsed["slot"] = slot(data)
    if "advisor_id" in data:
        parsed["advisor_id"] = forms.integer(data, "advisor_id", 1, MAX_ID)
    for name in ("vehicle_id", "service_item_id"):
        if name in data:
            parsed[name] = forms.optional_integer(data, name, 1, MAX_ID)
    if "service" in data:
        parsed["service"] = forms.text(data, "service", MAX_SERVICE)
    if "note" in data:
        parsed["note"] = forms.multiline(data, "note", MAX_NOTE)
    if "status" in data:
        parsed["status"] = forms.choice(data, "status", AppointmentStatus)
    return parsed


def appointment_filter(data: Input) -> AppointmentFilter:
    """``?from=&to=`` (dates, inclusive), ``advisor``, ``customer``, ``status``, ``branch`` (admins)."""
    forms.known(data, FILTER)
    first, last = forms.day(data, "from"), forms.day(data, "to")
    if first and last and last < first:
        raise ValidationError("to", N_("The end date is before the start date."))
    return AppointmentFilter(
        branch_id=forms.optional_integer(data, "branch", 1, MAX_ID),
        day_from=first,
        day_to=last,
        advisor_id=forms.optional_integer(data, "advisor", 1, MAX_ID),
        customer_id=forms.optional_integer(data, "customer", 1, MAX_ID),
        status=forms.optional_choice(data, "status", AppointmentStatus),
        page=forms.page_request(data),
    )
