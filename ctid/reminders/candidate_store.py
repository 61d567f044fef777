"""SQL for the daily build's reading: the vehicles and customers whose stored date is one of a day's due
dates (``column IN (...)`` on the ``(branch_id, <date>)`` indexes, the branches named so the index is
used: no scan of a million rows), and what decides whether each becomes an item (opt-outs, recent
contact, things settled or in work, who works it)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.tables import branches, users
from ctid.calls.tables import calls
from ctid.crm.models import FollowUpKind, FollowUpStatus, VehicleRole, VehicleStatus, VisitStatus
from ctid.crm.tables import (
    customer_opt_outs,
    customer_phones,
    customer_vehicles,
    customers,
    follow_ups,
    vehicles,
    visits,
)
from ctid.messaging.models import Purpose, SmsStatus
from ctid.messaging.tables import sms_messages
from ctid.reminders.facts import ClosedVisit, CustomerFacts, ScheduledCall, VehicleFacts
from ctid.reminders.models import ItemStatus, Outcome, ReminderType
from ctid.reminders.tables import reminder_items

CHUNK = 900  # ids or dates bound in one IN list
CONTACTED = (Outcome.REACHED.value, Outcome.BOOKED.value, Outcome.DECLINED.value, Outcome.SENT.value)
SETTLED = (Outcome.BOOKED.value, Outcome.DECLINED.value)
IN_WORK = (ItemStatus.OPEN.value, ItemStatus.SNOOZED.value)

OWNER = (
    select(func.min(customer_vehicles.c.customer_id))
    .where(
        customer_vehicles.c.vehicle_id == vehicles.c.id,
        customer_vehicles.c.role == VehicleRole.OWNER.value,
    )
    .scalar_subquery()
)


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def branch_ids(conn: AsyncConnection) -> list[int]:
    return [int(b) for b in (await conn.execute(select(branches.c.id).order_by(branches.c.id))).scalars()]


async def vehicles_on(
    conn: AsyncConnection, column: str, dates: Sequence[date], branch_list: Sequence[int]
) -> list[VehicleFacts]:
    """Active vehicles with an owner whose ``column`` is one of ``dates``."""
    found: list[VehicleFacts] = []
    owner = OWNER.label("owner_id")
    for some in chunks(list(dates)):
        query = select(vehicles, owner).where(
            vehicles.c.branch_id.in_(branch_list),
            vehicles.c[column].in_(some),
            vehicles.c.status == VehicleStatus.ACTIVE.value,
        )
        for row in (await conn.execute(query)).mappings():
            if row["owner_id"] is not None:
                found.append(vehicle_facts(row))
    return found


def vehicle_facts(row: Any, **more: Any) -> VehicleFacts:
    """A vehicle's facts from a row of the vehicles with ``owner_id`` (0 for none: projected, never
    reminded), and ``more`` of them read apart (readings, the last service)."""
    return VehicleFacts(
        id=row["id"],
        customer_id=row["owner_id"] or 0,
        branch_id=row["branch_id"],
        status=VehicleStatus(row["status"]),
        purchase_date=row["purchase_date"],
        registration_date=row["registration_date"],
        insurance_expiry=row["insurance_expiry"],
        inspection_due=row["inspection_due"],
        next_service_due=row["next_service_due"],
        warranty_expiry=row["warranty_expiry"],
        **more,
    )


async def vehicles_registered(
    conn: AsyncConnection,
    months: Sequence[tuple[date, date]],
    branch_list: Sequence[int],
    entered_before: date,
) -> list[VehicleFacts]:
    """Active vehicles with an owner registered within one of ``months`` (first and last day) and no
    inspection date entered on or after ``entered_before`` (an entered date wins over the table): the cars
    whose inspection by the rule table falls on a month's end, on the two days a month whose due dates
    are a month's end (read by the branch and registration date index, revision 0024)."""
    if not months:
        return []
    owner = OWNER.label("owner_id")
    entered = or_(vehicles.c.inspection_due.is_(None), vehicles.c.inspection_due < entered_before)
    found: list[VehicleFacts] = []
    for first, last in months:  # one range each: an OR of a hundred ranges makes SQLite scan the branch
        query = select(vehicles, owner).where(
            vehicles.c.branch_id.in_(branch_list),
            vehicles.c.registration_date.between(first, last),
            vehicles.c.status == VehicleStatus.ACTIVE.value,
            entered,
        )
        rows = (await conn.execute(query)).mappings()
        found += [vehicle_facts(row) for row in rows if row["owner_id"] is not None]
    return found


async def visits_closed(
    conn: AsyncConnection, spans: Sequence[tuple[date, datetime, datetime]], branch_list: Sequence[int]
) -> list[ClosedVisit]:
    """Completed visits (not corrections, with a customer) closed within one of ``spans``: (the shop's
    day, its first instant, the next day's, in UTC), for the follow-up call N days after
    (``ix_visits_closed_at``, revision 0025)."""
    closed: list[tuple[int, int, int, date]] = []
    for day, start, end in spans:  # the visits alone, by ``closed_at``: joined, SQLite reads every vehicle
        query = select(visits.c.id, visits.c.customer_id, visits.c.vehicle_id).where(
            visits.c.closed_at >= start,
            visits.c.closed_at < end,
            visits.c.status == VisitStatus.COMPLETED.value,
            visits.c.corrects_visit_id.is_(None),
            visits.c.customer_id.is_not(None),
        )
        closed += [(row.id, row.customer_id, row.vehicle_id, day) for row in await conn.execute(query)]
    branch_of = await _vehicle_branches(conn, {vehicle_id for _, _, vehicle_id, _ in closed})
    wanted = set(branch_list)
    return [
        ClosedVisit(visit_id, customer_id, vehicle_id, branch_of[vehicle_id], day)
        for visit_id, customer_id, vehicle_id, day in closed
        if branch_of.get(vehicle_id) in wanted
    ]


async def calls_scheduled(
    conn: AsyncConnection, dates: Sequence[date], branch_list: Sequence[int]
) -> list[ScheduledCall]:
    """The follow-up calls scheduled in the CRM by hand (not those after a visit: the visit's own item
    is that call) still to make on one of ``dates`` (``ix_follow_ups_status_due_on``)."""
    found: list[ScheduledCall] = []
    for some in chunks(list(dates)):
        query = (
            select(follow_ups.c.id, follow_ups.c.customer_id, customers.c.branch_id, follow_ups.c.due_on)
            .join(customers, customers.c.id == follow_ups.c.customer_id)
            .where(
                follow_ups.c.status.in_([FollowUpStatus.OPEN.value, FollowUpStatus.IN_PROGRESS.value]),
                follow_ups.c.due_on.in_(some),
                follow_ups.c.kind == FollowUpKind.FOLLOW_UP.value,
                follow_ups.c.visit_id.is_(None),
                customers.c.branch_id.in_(branch_list),
            )
        )
        found += [ScheduledCall(*row) for row in await conn.execute(query)]
    return found


async def _vehicle_branches(conn: AsyncConnection, vehicle_ids: Collection[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for some in chunks(sorted(vehicle_ids)):
        query = select(vehicles.c.id, vehicles.c.branch_id).where(vehicles.c.id.in_(some))
        found.update({int(v): int(b) for v, b in await conn.execute(query)})
    return found


async def customers_on(
    conn: AsyncConnection, column: str, dates: Sequence[date], branch_list: Sequence[int]
) -> list[CustomerFacts]:
    """Customers whose ``column`` is one of ``dates``."""
    found: list[CustomerFacts] = []
    for some in chunks(list(dates)):
        query = select(*_customer_columns()).where(
            customers.c.branch_id.in_(branch_list), customers.c[column].in_(some)
        )
        found += [_customer(row) for row in (await conn.execute(query)).mappings()]
    return found


def _customer_columns() -> list[Column[Any]]:
    return [
        customers.c.id,
        customers.c.branch_id,
        customers.c.birthday,
        customers.c.birthday_lunar,
        customers.c.licence_review_on,
    ]


def _customer(row: Any) -> CustomerFacts:
    return CustomerFacts(
        id=row["id"],
        branch_id=row["branch_id"],
        birthday=row["birthday"],
        birthday_lunar=bool(row["birthday_lunar"]),
        licence_review_on=row["licence_review_on"],
    )


async def customer_id_span(conn: AsyncConnection) -> tuple[int, int]:
    low, high = (await conn.execute(select(func.min(customers.c.id), func.max(customers.c.id)))).one()
    return int(low or 0), int(high or 0)


async def customers_between(
    conn: AsyncConnection, low: int, high: int, branch_list: Sequence[int]
) -> list[CustomerFacts]:
    """The customers with ids from ``low`` to ``high`` (every customer, a span at a time: the holidays')."""
    query = select(*_customer_columns()).where(
        customers.c.id.between(low, high), customers.c.branch_id.in_(branch_list)
    )
    return [_customer(row) for row in (await conn.execute(query)).mappings()]


async def customer_users(conn: AsyncConnection, customer_ids: Collection[int]) -> dict[int, int]:
    """Each customer's assigned user (customers.assigned_user_id), where there is one."""
    found: dict[int, int] = {}
    for some in chunks(sorted(customer_ids)):
        query = select(customers.c.id, customers.c.assigned_user_id).where(
            customers.c.id.in_(some), customers.c.assigned_user_id.is_not(None)
        )
        found.update({int(c): int(u) for c, u in await conn.execute(query)})
    return found


async def advisors(conn: AsyncConnection, vehicle_ids: Collection[int]) -> dict[int, str]:
    """The advisor (as written on the repair order) of each vehicle's last visit."""
    last = visits.alias("last")
    newest = (
        select(func.max(last.c.visited_on)).where(last.c.vehicle_id == visits.c.vehicle_id).scalar_subquery()
    )
    found: dict[int, str] = {}
    for some in chunks(sorted(vehicle_ids)):
        query = select(visits.c.vehicle_id, visits.c.advisor).where(
            visits.c.vehicle_id.in_(some), visits.c.visited_on == newest, visits.c.advisor != ""
        )
        found.update({int(v): str(a) for v, a in await conn.execute(query)})
    return found


async def staff_names(conn: AsyncConnection) -> dict[tuple[int, str], int]:
    """Active users by (branch, name): their display name and their user name, for the advisors written on
    repair orders."""
    query = select(users.c.id, users.c.branch_id, users.c.username, users.c.display_name).where(
        users.c.active
    )
    found: dict[tuple[int, str], int] = {}
    for user_id, branch_id, username, display_name in await conn.execute(query.order_by(users.c.id.desc())):
        found[(branch_id, username)] = user_id
        if display_name:
            found[(branch_id, display_name)] = user_id
    return found


async def opted_out(conn: AsyncConnection, customer_ids: Collection[int], contact_type: str) -> set[int]:
    found: set[int] = set()
    for some in chunks(sorted(customer_ids)):
        query = select(customer_opt_outs.c.customer_id).where(
            customer_opt_outs.c.contact_type == contact_type, customer_opt_outs.c.customer_id.in_(some)
        )
        found.update(int(c) for c in (await conn.execute(query)).scalars())
    return found


async def contacted(
    conn: AsyncConnection, customer_ids: Collection[int], type_: ReminderType, since: datetime
) -> set[int]:
    """Customers contacted since ``since``: an answered call linked to them or on one of their numbers, a
    done item of this type that reached them (reached, booked, declined, sent), or an SMS to them that went
    (sent or delivered) about this type (its ``topic``) or written to them by hand (a service message with
    no topic, like a call). Missed and unanswered calls, items left at no answer, SMS still queued or
    failed, and SMS about something else (another type, a bulk marketing text) do not count."""
    found: set[int] = set()
    went = (SmsStatus.SENT.value, SmsStatus.DELIVERED.value)  # an SMS that reached the network: a contact
    answered = calls.c.answered_at.is_not(None) & (calls.c.answered_at >= since)
    for some in chunks(sorted(customer_ids)):
        linked = select(calls.c.customer_id).where(calls.c.customer_id.in_(some), answered).distinct()
        numbers = (
            select(customer_phones.c.customer_id)
            .join(calls, calls.c.number_e164 == customer_phones.c.e164)
            .where(customer_phones.c.customer_id.in_(some), answered)
            .distinct()
        )
        items = (
            select(reminder_items.c.customer_id)
            .distinct()
            .where(
                reminder_items.c.customer_id.in_(some),
                reminder_items.c.type == type_.value,
                reminder_items.c.status == ItemStatus.DONE.value,
                reminder_items.c.outcome.in_(CONTACTED),
                reminder_items.c.updated_at >= since,
            )
        )
        texted = (
            select(sms_messages.c.customer_id)
            .distinct()
            .where(
                sms_messages.c.customer_id.in_(some),
                sms_messages.c.status.in_(went),
                sms_messages.c.sent_at >= since,
                or_(
                    sms_messages.c.topic == type_.value,
                    sms_messages.c.topic.is_(None) & (sms_messages.c.purpose == Purpose.SERVICE.value),
                ),
            )
        )
        for query in (linked, numbers, items, texted):
            found.update(int(c) for c in (await conn.execute(query)).scalars() if c is not None)
    return found


async def settled(
    conn: AsyncConnection, type_: ReminderType, subjects: Collection[str]
) -> set[tuple[str, date]]:
    """The (subject, due date) of this type already booked or declined, or still in work (open, snoozed)."""
    found: set[tuple[str, date]] = set()
    for some in chunks(sorted(subjects)):
        query = select(reminder_items.c.subject, reminder_items.c.due_on).where(
            reminder_items.c.type == type_.value,
            reminder_items.c.subject.in_(some),
            or_(reminder_items.c.status.in_(IN_WORK), reminder_items.c.outcome.in_(SETTLED)),
        )
        found.update((str(s), d) for s, d in await conn.execute(query))
    return found
