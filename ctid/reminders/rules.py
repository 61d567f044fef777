"""The reminder rules: from what is known of a vehicle or a customer and the site's date, the thing that
falls due (``Due``), or None.

Pure: the site date is passed in (the shop's day in ``[site] timezone``; nothing here reads a clock), and
the facts are plain values. Each rule answers the occurrence the queue works now: the earliest due date
not yet expired on ``today`` (``due_on + expire_after_days >= today``), however far ahead; whether today
is a contact day is ``ctid.reminders.schedule``'s question. Whether the type is switched on, opt-outs and
the contacted window are the queue's; sold and scrapped vehicles are skipped here too, as the card does.

Subjects: ``vehicle:<id>`` for a vehicle's dates, ``customer:<id>`` for a customer's, ``visit:<id>`` for
a visit's follow-up. A yearly thing (a birthday, an insurance policy) has the same subject every year and
another ``due_on``.
"""

from __future__ import annotations

from datetime import date, timedelta

from ctid.crm.due_dates import next_birthday
from ctid.crm.lunar import next_lunar_birthday
from ctid.crm.models import VehicleStatus
from ctid.reminders.facts import CustomerFacts, VehicleFacts
from ctid.reminders.models import Due, ReminderType
from ctid.reminders.settings import TypeSettings


def earliest_due(today: date, settings: TypeSettings) -> date:
    """The earliest due date still worked on ``today``: one that expired before is over."""
    return today - timedelta(days=settings.expire_after_days)


def vehicle_subject(vehicle_id: int) -> str:
    return f"vehicle:{vehicle_id}"


def customer_subject(customer_id: int) -> str:
    return f"customer:{customer_id}"


def insurance(vehicle: VehicleFacts, today: date, settings: TypeSettings) -> Due | None:
    """The policy's expiry (续保). A policy runs a year: an expiry that passed without being updated (the
    customer renewed elsewhere, or nobody entered it) comes round again a year on, so it is reminded then
    rather than never."""
    if vehicle.insurance_expiry is None or vehicle.status != VehicleStatus.ACTIVE:
        return None
    due_on = _yearly(vehicle.insurance_expiry, earliest_due(today, settings))
    return _vehicle_due(ReminderType.INSURANCE, vehicle, due_on)


def warranty(vehicle: VehicleFacts, today: date, settings: TypeSettings) -> Due | None:
    """The warranty's end (质保到期): once, and not after it expired."""
    if vehicle.warranty_expiry is None or vehicle.status != VehicleStatus.ACTIVE:
        return None
    if vehicle.warranty_expiry < earliest_due(today, settings):
        return None
    return _vehicle_due(ReminderType.WARRANTY, vehicle, vehicle.warranty_expiry)


def licence_review(customer: CustomerFacts, today: date, settings: TypeSettings) -> Due | None:
    """The driver's licence review (驾驶证审验) on the date entered: once; staff enter the next one after
    it."""
    if customer.licence_review_on is None or customer.licence_review_on < earliest_due(today, settings):
        return None
    return _customer_due(ReminderType.LICENCE_REVIEW, customer, customer.licence_review_on)


def birthday(customer: CustomerFacts, today: date, settings: TypeSettings) -> Due | None:
    """This year's birthday (or next year's, once this year's expired): the solar one (29 February on the
    28th in a common year), or the lunar one (农历生日) for a customer who keeps it (``ctid.crm.lunar``:
    leap months and day 30). None for no birth date, or a lunar one the calendar does not cover."""
    if customer.birthday is None:
        return None
    since = earliest_due(today, settings)
    if customer.birthday_lunar:
        due_on = next_lunar_birthday(customer.birthday, since)
        if due_on is None:
            return None
    else:
        due_on = next_birthday(customer.birthday, since)
    return _customer_due(ReminderType.BIRTHDAY, customer, due_on)


def _yearly(first: date, since: date) -> date:
    """``first``, or its first anniversary on or after ``since`` when it is older (29 February on the
    28th)."""
    return first if first >= since else next_birthday(first, since)


def _vehicle_due(type_: ReminderType, vehicle: VehicleFacts, due_on: date) -> Due:
    return Due(type_, vehicle.customer_id, vehicle.id, due_on, vehicle_subject(vehicle.id))


def _customer_due(type_: ReminderType, customer: CustomerFacts, due_on: date) -> Due:
    return Due(type_, customer.id, None, due_on, customer_subject(customer.id))
