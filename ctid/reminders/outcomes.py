"""What a change does to a reminder item: pure (today and the type's retry rule are passed in), so each
outcome's effect is tested directly.

- reached, booked, declined, wrong number, sent: the item is done;
- no answer: back on the list after the type's retry days, until its attempts are spent or it would come
  back after its expiry (then done, as no answer);
- call back at a time: back on the list that day (in site time), at that time;
- snooze until a day: off the list until then;
- a note alone changes nothing else. A done or expired item takes a note but no other change (409).

A day the item is moved to past its expiry moves the expiry along: someone asked for that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ctid.core.errors import N_, Conflict, ValidationError
from ctid.reminders.item_models import ItemChange, ReminderItem
from ctid.reminders.models import ItemStatus, Outcome

FINAL = frozenset({Outcome.REACHED, Outcome.BOOKED, Outcome.DECLINED, Outcome.WRONG_NUMBER, Outcome.SENT})
CLOSED = frozenset({ItemStatus.DONE, ItemStatus.EXPIRED})
MAX_AHEAD = timedelta(days=366)  # a snooze or a call back later than a year is a typo


@dataclass(frozen=True)
class Retry:
    """When an unanswered contact comes back: ``after_days`` later, while fewer than ``attempts`` calls
    went unanswered."""

    after_days: int = 1
    attempts: int = 3


def contact_key(customer_id: int, day: date) -> str:
    """The customer's contact of a day: their items of one day are one call."""
    return f"{customer_id}:{day.isoformat()}"


def applied(
    item: ReminderItem, change: ItemChange, now: datetime, zone: ZoneInfo, retry: Retry
) -> dict[str, Any]:
    """The item's columns that ``change`` sets (no ``updated_at``); raises ValidationError naming the field
    or Conflict for a closed item."""
    today = now.astimezone(zone).date()
    _check(item, change, now, today)
    values: dict[str, Any] = {}
    if change.note is not None:
        values["note"] = change.note
    if change.assignee_id is not None or change.unassign:
        values["assignee_id"] = change.assignee_id
    if change.snoozed_until is not None:
        values.update(_moved(item, change.snoozed_until, ItemStatus.SNOOZED))
        values["snoozed_until"] = change.snoozed_until
    if change.outcome is not None:
        values.update(_outcome(item, change, today, zone, retry))
    return values


def _outcome(
    item: ReminderItem, change: ItemChange, today: date, zone: ZoneInfo, retry: Retry
) -> dict[str, Any]:
    outcome = change.outcome
    assert outcome is not None
    values: dict[str, Any] = {"outcome": outcome.value, "snoozed_until": None, "call_back_at": None}
    if outcome in FINAL:
        values["status"] = ItemStatus.DONE.value
        if outcome == Outcome.BOOKED:
            values["appointment_id"] = change.appointment_id
    elif outcome == Outcome.NO_ANSWER:
        attempts = item.attempts + 1
        values["attempts"] = attempts
        back_on = today + timedelta(days=max(retry.after_days, 1))
        if attempts < retry.attempts and back_on <= item.expires_on:
            values.update(_moved(item, back_on, ItemStatus.OPEN))
        else:
            values["status"] = ItemStatus.DONE.value
    else:  # call back
        assert change.call_back_at is not None
        values.update(_moved(item, change.call_back_at.astimezone(zone).date(), ItemStatus.OPEN))
        values["call_back_at"] = change.call_back_at
    return values


def _moved(item: ReminderItem, day: date, status: ItemStatus) -> dict[str, Any]:
    return {
        "status": status.value,
        "contact_on": day,
        "contact_key": contact_key(item.customer_id, day),
        "expires_on": max(item.expires_on, day),
    }


def _check(item: ReminderItem, change: ItemChange, now: datetime, today: date) -> None:
    closing = change.outcome is not None or change.snoozed_until is not None
    if item.status in CLOSED and (closing or change.call_back_at is not None):
        raise Conflict(N_("This reminder is %(status)s and takes only a note."), status=item.status.value)
    if change.snoozed_until is not None:
        if change.outcome is not None:
            raise ValidationError("snoozed_until", N_("Snooze it or give an outcome, not both."))
        if not today < change.snoozed_until <= today + MAX_AHEAD:
            raise ValidationError("snoozed_until", N_("Snooze until a day after today, within a year."))
    if (change.outcome == Outcome.CALL_BACK) != (change.call_back_at is not None):
        field = "call_back_at" if change.outcome == Outcome.CALL_BACK else "outcome"
        raise ValidationError(
            field, N_("A call back needs its time (call_back_at), and only a call back has one.")
        )
    if (
        change.call_back_at is not None
        and not now - timedelta(hours=1) <= change.call_back_at <= now + MAX_AHEAD
    ):
        raise ValidationError("call_back_at", N_("Call back at a time from now, within a year."))
    if change.appointment_id is not None and change.outcome != Outcome.BOOKED:
        raise ValidationError("appointment_id", N_("Only a booked reminder takes an appointment."))
