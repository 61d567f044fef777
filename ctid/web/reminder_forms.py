"""Parsing of the reminders API's input (the worklist's filter, a change to an item) into typed values.

Pure: a clean value or a ValidationError naming the field (a 422). Fuzzed by tests/web/test_reminder_forms.py.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ctid.core.errors import N_, ValidationError
from ctid.reminders.item_models import ItemChange, ReminderFilter
from ctid.reminders.models import ItemStatus, Outcome, ReminderType
from ctid.web import forms
from ctid.web.forms import MAX_ID, Input

CHANGEABLE = ("outcome", "note", "snoozed_until", "call_back_at", "appointment_id", "assignee_id", "call_id")
EVERY_STATUS = "all"


def reminder_filter(data: Input, user_id: int) -> ReminderFilter:
    """``date`` (the worklist's day: items to contact on or before it; today by default), ``type``,
    ``status`` (open by default; ``all``), ``assignee`` (``me``, ``none`` for the pool, or a user id),
    ``branch``, ``customer``, ``page``, ``per_page``."""
    forms.known(data, ("date", "type", "status", "assignee", "branch", "customer", "page", "per_page"))
    status = forms.text(data, "status", 16)
    assignee = forms.text(data, "assignee", 16)
    assignee_id: int | None = None
    if assignee == "me":
        assignee_id = user_id
    elif assignee not in ("", "none"):
        assignee_id = forms.integer(data, "assignee", 1, MAX_ID)
    return ReminderFilter(
        branch_id=forms.optional_integer(data, "branch", 1, MAX_ID),
        on_or_before=forms.day(data, "date"),
        type=forms.optional_choice(data, "type", ReminderType),
        status=None if status == EVERY_STATUS else forms.choice(data, "status", ItemStatus, ItemStatus.OPEN),
        assignee_id=assignee_id,
        unassigned=assignee == "none",
        customer_id=forms.optional_integer(data, "customer", 1, MAX_ID),
        page=forms.page_request(data),
    )


def item_change(data: Input, zone: ZoneInfo) -> ItemChange:
    """A PATCH body: ``outcome``, ``note``, ``snoozed_until`` (a day), ``call_back_at`` (ISO 8601; without an
    offset it is site time), ``appointment_id``, ``assignee_id`` (null: back to the pool), ``call_id``."""
    forms.known(data, CHANGEABLE)
    if not data:
        raise ValidationError("body", N_("Say what changed."))
    return ItemChange(
        outcome=forms.optional_choice(data, "outcome", Outcome),
        note=forms.multiline(data, "note", 2000) if "note" in data else None,
        snoozed_until=forms.day(data, "snoozed_until"),
        call_back_at=moment(data, "call_back_at", zone),
        appointment_id=forms.optional_integer(data, "appointment_id", 1, MAX_ID),
        assignee_id=forms.optional_integer(data, "assignee_id", 1, MAX_ID),
        unassign="assignee_id" in data and data["assignee_id"] in (None, ""),
        call_id=forms.call_id(data),
    )


def moment(data: Input, name: str, zone: ZoneInfo) -> datetime | None:
    """A time like 2026-12-08T15:30 (site time) or with an offset (2026-12-08T07:30:00Z); None if absent."""
    raw = data.get(name, "")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    written = raw.strip() if isinstance(raw, str) else ""
    try:
        value: datetime | None = datetime.fromisoformat(written) if 16 <= len(written) <= 32 else None
    except ValueError:
        value = None
    if value is None or not forms.FIRST_DAY <= value.date() <= forms.LAST_DAY:
        raise ValidationError(name, N_("%(what)s must be a time like 2026-03-22T15:30."), what=name)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
