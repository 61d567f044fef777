"""The daily build of the reminder queue: for the shop's day (and the days since the last build, after a
box was off), the due things whose contact day it is become items on the worklist. Run by the scheduler
at ``[reminders] build_at``, by ``ctid reminders run [--date]`` and by the worklist's button.

Reads go a type and a due date at a time through ``candidate_store`` (index lookups on the day's due
dates, never a scan of the customers or vehicles), the decisions are ``ctid.reminders.queue``'s and the
rules', and the items go in by ``build_store.insert_items`` in short transactions of ``WRITE_BATCH`` rows:
the call log keeps writing while the queue is built, and a build stopped half-way (a crash, a stop) is
finished by the next one without a duplicate (the items' unique key, ``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.crm.lunar import birth_dates_on
from ctid.reminders import (
    build_store,
    candidate_store,
    queue,
    rules,
    service_due,
    service_due_store,
    settings_store,
)
from ctid.reminders.custom import CustomRule
from ctid.reminders.facts import ClosedVisit, CustomerFacts, ScheduledCall, VehicleFacts
from ctid.reminders.inspection import InspectionRule
from ctid.reminders.models import OPT_OUT_OF, Due, ReminderType
from ctid.reminders.settings import AssigneeRule, Holiday, TypeSettings
from ctid.storage.db import Database

log = logging.getLogger(__name__)
WRITE_BATCH = 2000
HOLIDAY_SPAN = 5000  # customers greeted a read at a time
SCHEDULER = Actor.system("reminders")

Facts = VehicleFacts | CustomerFacts | ClosedVisit | ScheduledCall
Rule = Callable[[Any, date, TypeSettings], Due | None]


@dataclass(frozen=True)
class Source:
    """Where a type's due dates are stored: a date column of the vehicles or the customers, read on the
    day's due dates (``first_year``: a yearly thing, read by its anniversaries since that year)."""

    vehicles: bool
    column: str
    rule: Rule
    first_year: int | None = None
    inspections: tuple[InspectionRule, ...] = ()  # also the cars the rule table puts on a due date
    more_dates: Callable[[date], list[date]] | None = None  # also these stored dates for a due date
    closed_visits: bool = False  # not a column: the visits closed N days before, and the CRM's calls
    projected: bool = False  # not a column: the maintenance projection (``ctid.reminders.service_due``)


def _sources(today: date, table: tuple[InspectionRule, ...]) -> dict[ReminderType, Source]:
    lookback = today.year - queue.YEARLY_LOOKBACK
    inspection = functools.partial(_inspection, table=table)
    return {
        ReminderType.INSURANCE: Source(True, "insurance_expiry", rules.insurance, lookback),
        ReminderType.INSPECTION: Source(True, "inspection_due", inspection, inspections=table),
        ReminderType.WARRANTY: Source(True, "warranty_expiry", rules.warranty),
        ReminderType.MAINTENANCE: Source(True, "", rules.maintenance, projected=True),
        ReminderType.LICENCE_REVIEW: Source(False, "licence_review_on", rules.licence_review),
        ReminderType.BIRTHDAY: Source(
            False, "birthday", rules.birthday, queue.FIRST_BIRTH_YEAR, more_dates=birth_dates_on
        ),  # and the birth dates whose lunar birthday (农历生日) it is: the rule tells the two apart
        ReminderType.VISIT_FOLLOW_UP: Source(False, "", _follow_up, closed_visits=True),
    }


def _plans(
    everything: dict[ReminderType, TypeSettings],
    table: tuple[InspectionRule, ...],
    custom_rules: tuple[CustomRule, ...],
    today: date,
) -> list[tuple[ReminderType, Source, TypeSettings]]:
    """What the build reads, type by type, of the types switched on: the built-in types, then each custom
    rule (the custom type's settings with the rule's lead days)."""
    plans = [(type_, source, everything[type_]) for type_, source in _sources(today, table).items()]
    base = everything[ReminderType.CUSTOM]
    plans += [
        (ReminderType.CUSTOM, _custom_source(rule, today), rule.settings(base)) for rule in custom_rules
    ]
    return [(type_, source, settings) for type_, source, settings in plans if settings.enabled]


def _custom_source(rule: CustomRule, today: date) -> Source:
    """A custom rule reads its field's column; a yearly one by the anniversaries (a birth date from 1900,
    a vehicle's dates from the yearly lookback)."""
    first_year = None
    if rule.yearly:
        first_year = today.year - queue.YEARLY_LOOKBACK if rule.on_vehicle else queue.FIRST_BIRTH_YEAR
    return Source(rule.on_vehicle, rule.column, functools.partial(_custom, rule=rule), first_year)


def _custom(facts: Facts, today: date, settings: TypeSettings, rule: CustomRule) -> Due | None:
    if isinstance(facts, VehicleFacts | CustomerFacts):
        return rules.custom(rule, facts, today, settings)
    return None


def _follow_up(call: Facts, today: date, settings: TypeSettings) -> Due | None:
    """The call after a closed visit, or one scheduled in the CRM (回访): one type, one worklist."""
    if isinstance(call, ClosedVisit):
        return rules.visit_follow_up(call, today, settings)
    return rules.scheduled_call(call, today, settings) if isinstance(call, ScheduledCall) else None


def _inspection(
    vehicle: VehicleFacts, today: date, settings: TypeSettings, table: tuple[InspectionRule, ...]
) -> Due | None:
    return rules.inspection(vehicle, today, settings, table)


@dataclass(frozen=True)
class BuildResult:
    day: date
    days: tuple[date, ...]  # the contact days covered (more than today's after days off)
    found: int  # things the rules found due on those days
    added: int  # items added (0 for a day built before)
    expired: int
    woken: int
    seconds: float


class QueueBuilder:
    def __init__(self, db: Database, timezone: str, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._zone = ZoneInfo(timezone)
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    async def last_run(self) -> datetime | None:
        """The daily job's record of its last run: the latest build, whoever ran it (a build by the button
        this morning stands in for the job's catch-up)."""
        async with self._db.connect() as conn:
            return await build_store.last_build_at(conn)

    async def run_today(self) -> BuildResult:
        """The scheduler's job: today's queue (and the days since the last build)."""
        result = await self.run(actor=SCHEDULER)
        log.info(
            "reminders: %d added for %s (%d found, %d expired) in %.1f s",
            result.added,
            result.day,
            result.found,
            result.expired,
            result.seconds,
        )
        return result

    async def run(self, day: date | None = None, actor: Actor = SCHEDULER) -> BuildResult:
        """Build the queue of ``day`` (default today, site time). Built again, it adds nothing it added.
        Audited (``reminder.build``: the day, the contact days covered, how many were added)."""
        started, now = time.perf_counter(), self._clock()
        day = day or self.today()
        async with self._db.begin(immediate=True) as conn:
            expired = await build_store.expire(conn, day, now)
            woken = await build_store.wake(conn, day, now)
        async with self._db.connect() as conn:
            days = queue.days_to_build(await build_store.last_built(conn, day), day)
            everything = await settings_store.load(conn)
            table = await settings_store.inspection_rules(conn)
            custom_rules = await settings_store.custom_rules(conn)
            branch_list = await candidate_store.branch_ids(conn)
        projected = 0
        if (maintenance := everything[ReminderType.MAINTENANCE]).enabled:
            refreshed = await service_due.refresh(self._db, maintenance, days[0], branch_list, now)
            projected = refreshed.projected
        async with self._db.connect() as conn:
            plans = _plans(everything, table, custom_rules, days[-1])
            found, rows = await _rows(conn, days, plans, branch_list, now, self._zone)
        added = await self._insert(rows)
        if (holiday := everything[ReminderType.HOLIDAY]).enabled:
            greeted, greetings = await self._holidays(days, holiday, branch_list, now)
            found, added = found + greeted, added + greetings
        done = {
            "days": [d.isoformat() for d in days],
            "found": found,
            "added": added,
            "expired": expired,
            "projected": projected,  # vehicles whose next service was projected again
        }
        async with self._db.begin(immediate=True) as conn:
            await build_store.record_build(conn, day, now, added)
            await audit.record(
                conn, actor, "reminder.build", ("reminder_build", day.isoformat()), now, after=done
            )
        seconds = time.perf_counter() - started
        return BuildResult(day, tuple(days), found, added, expired, woken, seconds)

    async def _insert(self, rows: Sequence[dict[str, Any]]) -> int:
        added = 0
        for start in range(0, len(rows), WRITE_BATCH):
            async with self._db.begin(immediate=True) as conn:
                added += await build_store.insert_items(conn, rows[start : start + WRITE_BATCH])
        return added

    async def _holidays(
        self, days: Sequence[date], settings: TypeSettings, branch_list: list[int], now: datetime
    ) -> tuple[int, int]:
        """The holiday greetings (节日问候), when one of ``days`` is a holiday's contact day: every customer
        greeted, read and written a span of ids at a time so that a million greetings stay within the
        build's memory. How many were found and added."""
        dates = tuple(
            (holiday, due_on)
            for holiday, due_on in rules.holiday_dates(days[0], settings)
            if any(queue.step_on(due_on, day, settings) is not None for day in days)
        )
        if not dates:
            return 0, 0
        async with self._db.connect() as conn:
            low, high = await candidate_store.customer_id_span(conn)
        found_count = added = 0
        for start in range(low, high + 1, HOLIDAY_SPAN):
            async with self._db.connect() as conn:
                people = await candidate_store.customers_between(
                    conn, start, start + HOLIDAY_SPAN - 1, branch_list
                )
                found = _greetings(people, dates, days, settings)
                known = await _known(conn, ReminderType.HOLIDAY, found, settings, now)
            found_count += len(found)
            wanted = [f for f in found if queue.wanted(f, known, settings)]
            added += await self._insert(queue.item_rows(wanted, settings, now))
        return found_count, added


def _greetings(
    people: Sequence[CustomerFacts],
    dates: tuple[tuple[Holiday, date], ...],
    days: Sequence[date],
    settings: TypeSettings,
) -> list[queue.Found]:
    """Each customer's greeting for each holiday whose contact day is one of ``days`` (the latest)."""
    found = []
    for person in people:
        for due in rules.holidays(person, days[-1], settings, dates):
            for day in reversed(days):
                if (step := queue.step_on(due.due_on, day, settings)) is not None:
                    found.append(queue.Found(due, person.branch_id, step, day))
                    break
    return found


async def _rows(
    conn: AsyncConnection,
    days: Sequence[date],
    plans: Sequence[tuple[ReminderType, Source, TypeSettings]],
    branch_list: list[int],
    now: datetime,
    zone: ZoneInfo,
) -> tuple[int, list[dict[str, Any]]]:
    """How many things were found due, and the items to add for those wanted, as one contact a day each."""
    staff = await candidate_store.staff_names(conn)
    found_count, rows = 0, []
    for type_, source, settings in plans:
        found = await _found(conn, source, days, settings, branch_list, zone)
        found = await _with_assignees(conn, found, settings, staff)
        known = await _known(conn, type_, found, settings, now)
        found_count += len(found)
        rows += queue.item_rows([f for f in found if queue.wanted(f, known, settings)], settings, now)
    return found_count, queue.one_contact(rows)


async def _found(
    conn: AsyncConnection,
    source: Source,
    days: Sequence[date],
    settings: TypeSettings,
    branch_list: list[int],
    zone: ZoneInfo,
) -> list[queue.Found]:
    targets = queue.target_dates(days, settings)
    if source.projected:
        ids = await service_due_store.due_on(conn, sorted(targets), branch_list)
        owned: list[Facts] = [f for f in await service_due_store.facts_of(conn, ids) if f.customer_id]
        return _due(owned, source, days, settings)
    if source.closed_visits:
        spans = _closing_days(targets, settings, zone)
        calls: list[Facts] = list(await candidate_store.visits_closed(conn, spans, branch_list))
        calls += await candidate_store.calls_scheduled(conn, sorted(targets), branch_list)
        return _due(calls, source, days, settings)
    dates = sorted(
        {
            d
            for t in targets
            for d in (queue.anniversaries(t, source.first_year) if source.first_year else [t])
        }
        | {d for t in targets for d in (source.more_dates(t) if source.more_dates else [])}
    )
    read = candidate_store.vehicles_on if source.vehicles else candidate_store.customers_on
    candidates: list[Facts] = list(await read(conn, source.column, dates, branch_list))
    if source.inspections:
        months = queue.inspection_months(targets, source.inspections)
        seen = {facts.id for facts in candidates}
        since = rules.earliest_due(days[0], settings)  # an entered date from then on wins (the rule's)
        registered = await candidate_store.vehicles_registered(conn, months, branch_list, since)
        candidates += [facts for facts in registered if facts.id not in seen]
    return _due(candidates, source, days, settings)


def _closing_days(
    targets: dict[date, date], settings: TypeSettings, zone: ZoneInfo
) -> list[tuple[date, datetime, datetime]]:
    """The shop's days a visit closed on to be followed up on one of ``targets`` (due dates), each with
    its first instant and the next day's in UTC (``closed_at`` is stored in UTC)."""
    spans = []
    for target in sorted(targets):
        closed_on = target - timedelta(days=settings.follow_up_after_days)
        start = datetime.combine(closed_on, datetime.min.time(), zone)
        end = datetime.combine(closed_on + timedelta(days=1), datetime.min.time(), zone)
        spans.append((closed_on, start.astimezone(UTC), end.astimezone(UTC)))
    return spans


def _due(
    candidates: Sequence[Facts], source: Source, days: Sequence[date], settings: TypeSettings
) -> list[queue.Found]:
    """Each candidate's due thing whose contact step is on one of ``days`` (the latest day first)."""
    found = []
    for facts in candidates:
        for day in reversed(days):
            due = source.rule(facts, day, settings)
            step = None if due is None else queue.step_on(due.due_on, day, settings)
            if due is not None and step is not None:
                found.append(queue.Found(due, facts.branch_id, step, day))
                break
    return found


async def _with_assignees(
    conn: AsyncConnection, found: list[queue.Found], settings: TypeSettings, staff: dict[tuple[int, str], int]
) -> list[queue.Found]:
    if settings.assignee in (AssigneeRule.POOL, AssigneeRule.FIXED_USER) or not found:
        return found
    users = await candidate_store.customer_users(conn, {f.due.customer_id for f in found})
    names: dict[int, str] = {}
    if settings.assignee == AssigneeRule.VEHICLE_ADVISOR:
        names = await candidate_store.advisors(conn, {f.due.vehicle_id for f in found if f.due.vehicle_id})
    return [
        replace(
            f,
            customer_user_id=users.get(f.due.customer_id),
            advisor_user_id=_advisor(staff, f, names),
        )
        for f in found
    ]


def _advisor(staff: dict[tuple[int, str], int], found: queue.Found, names: dict[int, str]) -> int | None:
    name = names.get(found.due.vehicle_id) if found.due.vehicle_id else None
    return None if name is None else staff.get((found.branch_id, name))


async def _known(
    conn: AsyncConnection,
    type_: ReminderType,
    found: list[queue.Found],
    settings: TypeSettings,
    now: datetime,
) -> queue.Known:
    if not found:
        return queue.Known()
    customers = {f.due.customer_id for f in found}
    opted_out = await candidate_store.opted_out(conn, customers, OPT_OUT_OF[type_].value)
    contacted: set[int] = set()
    if settings.contacted_window_days:
        since = now - timedelta(days=settings.contacted_window_days)
        contacted = await candidate_store.contacted(conn, customers - opted_out, type_, since)
    settled = await candidate_store.settled(conn, type_, {queue.stored_subject(f.due) for f in found})
    return queue.Known(frozenset(opted_out), frozenset(contacted), frozenset(settled))
