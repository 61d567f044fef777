"""The daily queue's decisions: which due dates to look for on which days, which found things become
items, and how a customer's items of one day become one contact. Pure (the days, the settings and what the
store found are passed in); the SQL is ``ctid.reminders.candidate_store`` and ``build_store``, the run
``ctid.reminders.build``.

A build for the days ``days`` (today's, or the days since the last build after the box was off) looks for
the things whose contact day is one of them: a due date ``d + lead`` for each day ``d`` and lead day of the
type. A yearly thing (an insurance policy, a birthday) is looked for by its anniversaries: the stored date
may be years old. Each thing found is checked by the rules (``ctid.reminders.rules``: the occurrence worked
now) and by ``schedule.is_contact_day``, so the queue and the rules cannot disagree about what is due.
A due date entered after its contact day is met at its next contact day, not chased back.

Skipped: a customer who opted out of the type's contact (``models.OPT_OUT_OF``), one contacted within the
type's window (an answered call, a done item of the type), and a thing already settled (booked or
declined) or still being worked (an open or snoozed item of an earlier step).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ctid.reminders.inspection import MAX_AGE_MONTHS, InspectionRule, add_months
from ctid.reminders.models import Due, ItemStatus, ReminderType
from ctid.reminders.outcomes import contact_key
from ctid.reminders.schedule import expires_on
from ctid.reminders.settings import AssigneeRule, TypeSettings

FIRST_BIRTH_YEAR = 1900
YEARLY_LOOKBACK = 30  # a policy date not updated for longer than this is not a customer's any more
MAX_CATCH_UP_DAYS = 14  # a box off for longer catches up the last two weeks' contact days only


@dataclass(frozen=True)
class Found:
    """A thing the rules found due, with who is asked to work it (the store's reading of the customer's
    assigned user and the vehicle's last advisor, as user ids)."""

    due: Due
    branch_id: int
    step: int
    contact_on: date
    customer_user_id: int | None = None
    advisor_user_id: int | None = None


@dataclass(frozen=True)
class Known:
    """What the store knows about a batch's customers and things."""

    opted_out: frozenset[int] = frozenset()  # customers who refuse this type's contact
    contacted: frozenset[int] = frozenset()  # customers contacted within the type's window
    settled: frozenset[tuple[str, date]] = frozenset()  # (subject, due_on) booked, declined or in work


def days_to_build(last_built: date | None, today: date) -> list[date]:
    """The days whose contact days a build covers: today's, and after a gap the days since the last build
    (at most ``MAX_CATCH_UP_DAYS``), oldest first. A build for a day already built covers it again
    (idempotent: it adds what it did not add before)."""
    if last_built is None or last_built >= today:
        return [today]
    first = max(last_built + timedelta(days=1), today - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def target_dates(days: Sequence[date], settings: TypeSettings) -> dict[date, date]:
    """Each due date whose contact day is one of ``days``: the due date and that contact day (the latest
    one when two fall in ``days``)."""
    found: dict[date, date] = {}
    for day in days:
        for lead in settings.lead_days:
            found[day + timedelta(days=lead)] = day
    return found


def anniversaries(target: date, first_year: int) -> list[date]:
    """The stored dates whose anniversary in ``target``'s year is ``target``: the same month-day in every
    year from ``first_year``, and 29 February of leap years when ``target`` is 28 February of a common
    year (their day that year)."""
    found = []
    for year in range(first_year, target.year + 1):
        if not (target.month == 2 and target.day == 29 and not _leap(year)):  # no such stored date
            found.append(target.replace(year=year))
        if target.month == 2 and target.day == 28 and not _leap(target.year) and _leap(year):
            found.append(date(year, 2, 29))
    return found


def inspection_months(targets: Iterable[date], table: Sequence[InspectionRule]) -> list[tuple[date, date]]:
    """The months (first and last day) in which a car must have been registered for the rule table to
    put an inspection on one of ``targets``: the table's inspections fall on a month's last day, at the
    ages (in months) its rows list; a target that is no month's end needs none."""
    ages: set[int] = set()
    for rule in table:
        last = rule.to_month if rule.to_month is not None else MAX_AGE_MONTHS
        ages.update(range(rule.from_month, last + 1, rule.every_months))
    months = set()
    for target in targets:
        if target != _month_end(target):
            continue
        for age in ages:
            first = add_months(target.replace(day=1), -age)
            months.add((first, _month_end(first)))
    return sorted(months)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def step_on(due_on: date, day: date, settings: TypeSettings) -> int | None:
    """The step whose contact day ``day`` is, or None."""
    before = (due_on - day).days
    for index, lead in enumerate(settings.lead_days):
        if lead == before:
            return index
    return None


def wanted(found: Found, known: Known, settings: TypeSettings) -> bool:
    """Whether a found thing becomes an item: not refused, not contacted lately, not settled."""
    due = found.due
    if due.customer_id in known.opted_out:
        return False
    if settings.contacted_window_days and due.customer_id in known.contacted:
        return False
    return (due.subject, due.due_on) not in known.settled


def assignee(found: Found, settings: TypeSettings) -> int | None:
    """Who works the item by the type's rule: the customer's user, the vehicle's advisor (a user whose
    name is the last visit's advisor), a named user, or nobody (the pool)."""
    if settings.assignee == AssigneeRule.CUSTOMER_USER:
        return found.customer_user_id
    if settings.assignee == AssigneeRule.VEHICLE_ADVISOR:
        return found.advisor_user_id if found.advisor_user_id is not None else found.customer_user_id
    if settings.assignee == AssigneeRule.FIXED_USER:
        return settings.assignee_user_id
    return None


def item_rows(found: Iterable[Found], settings: TypeSettings, now: datetime) -> list[dict[str, Any]]:
    """The rows to insert for the things found (already ``wanted``)."""
    rows = []
    for each in found:
        due = each.due
        rows.append(
            {
                "branch_id": each.branch_id,
                "customer_id": due.customer_id,
                "vehicle_id": due.vehicle_id,
                "type": due.type.value,
                "rule_id": due.rule_id,
                "subject": stored_subject(due),
                "due_on": due.due_on,
                "step": each.step,
                "contact_on": each.contact_on,
                "expires_on": max(expires_on(due.due_on, settings), each.contact_on),
                "contact_key": contact_key(due.customer_id, each.contact_on),
                "channel": settings.channel.value,
                "status": ItemStatus.OPEN.value,
                "assignee_id": assignee(each, settings),
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def stored_subject(due: Due) -> str:
    """The subject as the items' key keeps it: a custom rule's things carry the rule (two rules on one
    vehicle are two things)."""
    return due.subject if due.rule_id is None else f"rule:{due.rule_id}:{due.subject}"


ORDER = tuple(ReminderType)


def one_contact(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A customer's items of one day are one contact: one person works them (the assignee of the first
    type, in ``ReminderType``'s order, that has one; else the pool), so one call covers them all."""
    chosen: dict[str, tuple[int, int | None]] = {}
    for row in rows:
        rank = ORDER.index(ReminderType(row["type"]))
        if row["assignee_id"] is None:
            continue
        current = chosen.get(row["contact_key"])
        if current is None or rank < current[0]:
            chosen[row["contact_key"]] = (rank, row["assignee_id"])
    return [{**row, "assignee_id": chosen.get(row["contact_key"], (0, None))[1]} for row in rows]
