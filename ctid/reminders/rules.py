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

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from ctid.crm.due_dates import next_birthday
from ctid.crm.lunar import next_lunar_birthday, next_lunar_day
from ctid.crm.models import VehicleStatus
from ctid.reminders.custom import CustomRule
from ctid.reminders.facts import ClosedVisit, CustomerFacts, ScheduledCall, VehicleFacts
from ctid.reminders.inspection import DEFAULT_INSPECTION_RULES, InspectionRule, next_inspection
from ctid.reminders.maintenance import next_service
from ctid.reminders.models import Due, ReminderType
from ctid.reminders.settings import Calendar, Holiday, TypeSettings


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


def inspection(
    vehicle: VehicleFacts,
    today: date,
    settings: TypeSettings,
    table: tuple[InspectionRule, ...] = DEFAULT_INSPECTION_RULES,
) -> Due | None:
    """The annual inspection (年审): the due date entered by hand wins while it is not expired; else the
    rule table from the registration date (``ctid.reminders.inspection``: the 2022 exemption, or the
    general schedule for the cars it leaves out)."""
    if vehicle.status != VehicleStatus.ACTIVE:
        return None
    since = earliest_due(today, settings)
    if vehicle.inspection_due is not None and vehicle.inspection_due >= since:
        return _vehicle_due(ReminderType.INSPECTION, vehicle, vehicle.inspection_due)
    if vehicle.registration_date is None:
        return None
    found = next_inspection(vehicle.registration_date, vehicle.inspection_exempt_excluded, since, table)
    return None if found is None else _vehicle_due(ReminderType.INSPECTION, vehicle, found.due_on)


def maintenance(vehicle: VehicleFacts, today: date, settings: TypeSettings) -> Due | None:
    """The next service by time or mileage, whichever first (``ctid.reminders.maintenance``)."""
    if vehicle.status != VehicleStatus.ACTIVE:
        return None
    due_on = next_service(vehicle, earliest_due(today, settings), settings)
    return None if due_on is None else _vehicle_due(ReminderType.MAINTENANCE, vehicle, due_on)


def visit_follow_up(visit: ClosedVisit, today: date, settings: TypeSettings) -> Due | None:
    """The follow-up call ``follow_up_after_days`` after a visit closed, worked until it expires
    (``expire_after_days`` after that day)."""
    due_on = visit.closed_on + timedelta(days=settings.follow_up_after_days)
    if due_on < earliest_due(today, settings):
        return None
    return Due(ReminderType.VISIT_FOLLOW_UP, visit.customer_id, visit.vehicle_id, due_on, f"visit:{visit.id}")


def scheduled_call(call: ScheduledCall, today: date, settings: TypeSettings) -> Due | None:
    """A follow-up call scheduled in the CRM (回访) for its day, worked until it expires like the calls
    after a visit; ``follow_up:<id>``."""
    if call.due_on < earliest_due(today, settings):
        return None
    return Due(ReminderType.VISIT_FOLLOW_UP, call.customer_id, None, call.due_on, f"follow_up:{call.id}")


def holiday_dates(today: date, settings: TypeSettings) -> tuple[tuple[Holiday, date], ...]:
    """Each holiday's next day not yet expired on ``today``, soonest first: computed once a day for every
    customer (lunar ones fall on another solar day each year; 29 February on the 28th)."""
    since = earliest_due(today, settings)
    found = []
    for holiday in settings.holidays:
        if holiday.calendar == Calendar.LUNAR:
            day = next_lunar_day(holiday.month, holiday.day, since)
        else:
            day = next_birthday(date(2000, holiday.month, holiday.day), since)
        if day is not None:
            found.append((holiday, day))
    return tuple(sorted(found, key=lambda pair: pair[1]))


def holidays(
    customer: CustomerFacts,
    today: date,
    settings: TypeSettings,
    dates: tuple[tuple[Holiday, date], ...] | None = None,
) -> tuple[Due, ...]:
    """A greeting for each holiday (节日问候); ``dates`` from ``holiday_dates`` when the caller has them for
    the day. The subject names the holiday's calendar day (``customer:7:holiday:lunar-08-15``), so two
    holidays are two items and renaming one keeps its item."""
    dates = holiday_dates(today, settings) if dates is None else dates
    return tuple(
        Due(
            ReminderType.HOLIDAY,
            customer.id,
            None,
            day,
            f"{customer_subject(customer.id)}:{holiday_key(holiday)}",
        )
        for holiday, day in dates
    )


def holiday_key(holiday: Holiday) -> str:
    return f"holiday:{holiday.calendar.value}-{holiday.month:02d}-{holiday.day:02d}"


def custom(
    rule: CustomRule, facts: CustomerFacts | VehicleFacts, today: date, settings: TypeSettings
) -> Due | None:
    """A custom rule on the customer's or vehicle's date field: once, or every year on its anniversary
    (29 February on the 28th). ``settings`` are the custom type's (the rule brings its lead days)."""
    if rule.on_vehicle != isinstance(facts, VehicleFacts):
        raise TypeError(f"rule {rule.id} reads {rule.field}")
    value = getattr(facts, rule.column)
    if value is None or (isinstance(facts, VehicleFacts) and facts.status != VehicleStatus.ACTIVE):
        return None
    since = earliest_due(today, settings)
    if rule.yearly:
        value = _yearly(value, since)
    elif value < since:
        return None
    if isinstance(facts, VehicleFacts):
        return Due(
            ReminderType.CUSTOM, facts.customer_id, facts.id, value, vehicle_subject(facts.id), rule.id
        )
    return Due(ReminderType.CUSTOM, facts.id, None, value, customer_subject(facts.id), rule.id)


def vehicle_dues(
    vehicle: VehicleFacts,
    today: date,
    settings: Mapping[ReminderType, TypeSettings],
    table: tuple[InspectionRule, ...] = DEFAULT_INSPECTION_RULES,
) -> tuple[Due, ...]:
    """Every built-in type's due for a vehicle, of the types switched on."""
    found = []
    for type_, rule in _VEHICLE_RULES:
        if settings[type_].enabled and (due := rule(vehicle, today, settings[type_])) is not None:
            found.append(due)
    inspect = settings[ReminderType.INSPECTION]
    if inspect.enabled and (due := inspection(vehicle, today, inspect, table)) is not None:
        found.append(due)
    return tuple(found)


def customer_dues(
    customer: CustomerFacts, today: date, settings: Mapping[ReminderType, TypeSettings]
) -> tuple[Due, ...]:
    """Every built-in type's due for a customer (birthday, licence review), of the types switched on;
    holidays are asked separately (every customer has them)."""
    found = []
    for type_, rule in _CUSTOMER_RULES:
        if settings[type_].enabled and (due := rule(customer, today, settings[type_])) is not None:
            found.append(due)
    return tuple(found)


def _yearly(first: date, since: date) -> date:
    """``first``, or its first anniversary on or after ``since`` when it is older (29 February on the
    28th)."""
    return first if first >= since else next_birthday(first, since)


def _vehicle_due(type_: ReminderType, vehicle: VehicleFacts, due_on: date) -> Due:
    return Due(type_, vehicle.customer_id, vehicle.id, due_on, vehicle_subject(vehicle.id))


def _customer_due(type_: ReminderType, customer: CustomerFacts, due_on: date) -> Due:
    return Due(type_, customer.id, None, due_on, customer_subject(customer.id))


_VEHICLE_RULES: tuple[tuple[ReminderType, Callable[[VehicleFacts, date, TypeSettings], Due | None]], ...] = (
    (ReminderType.INSURANCE, insurance),
    (ReminderType.MAINTENANCE, maintenance),
    (ReminderType.WARRANTY, warranty),
)
_CUSTOMER_RULES: tuple[
    tuple[ReminderType, Callable[[CustomerFacts, date, TypeSettings], Due | None]], ...
] = (
    (ReminderType.BIRTHDAY, birthday),
    (ReminderType.LICENCE_REVIEW, licence_review),
)
