"""SQL for the statistics: every figure is a GROUP BY in the database; only the counts come back.

Portable Core only, so the same statements run on SQLite and PostgreSQL. Buckets are not computed with a
date function (``strftime`` on SQLite, ``date_trunc`` on PostgreSQL): the service gives each bucket's UTC
bounds (local midnights of the site time zone) and ``_bucket_of`` numbers rows with a CASE over them, which
also gets summer-time days right. Computed columns are grouped through a subquery (PostgreSQL refuses a
GROUP BY expression whose bound parameters differ from the select list's). The hour of day is
``extract('hour')`` (SQLAlchemy: ``strftime('%H')`` on SQLite, ``EXTRACT(HOUR FROM ...)`` on PostgreSQL,
whose session time zone must then be UTC), shifted to local time per stretch of constant UTC offset.

``branch_id`` None means every branch (admins).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, case, extract, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from ctid.calls.tables import calls
from ctid.crm.models import FollowUpKind
from ctid.crm.prospect_tables import crm_options, prospects
from ctid.crm.tables import customers, follow_ups, visits
from ctid.stats.periods import OffsetSegment

ANSWERED = ("answered", "connected")
MISSED = "missed"
CANCELLED = "cancelled"


async def new_customers(
    conn: AsyncConnection, branch_id: int | None, bounds: Sequence[datetime]
) -> list[int]:
    """Customers created in each bucket; ``bounds`` are the n+1 UTC edges of n buckets."""
    bucket = _bucket_of(customers.c.created_at, bounds)
    rows = (
        select(bucket.label("bucket"))
        .where(customers.c.created_at >= bounds[0], customers.c.created_at < bounds[-1])
        .where(*_branch(customers.c.branch_id, branch_id))
        .subquery()
    )
    query = select(rows.c.bucket, func.count().label("n")).group_by(rows.c.bucket)
    return _spread(await conn.execute(query), len(bounds) - 1)


async def lost_customers(
    conn: AsyncConnection, branch_id: int | None, ends: Sequence[tuple[date, date]]
) -> list[int]:
    """For each (end, cutoff): customers of the branch with a visit (not cancelled) before ``end`` whose
    last visit before ``end`` was before ``cutoff`` (no visit in [cutoff, end)). One statement: the
    buckets are a UNION ALL of literals joined to the visits."""
    if not ends:
        return []
    rows = [
        select(
            literal(i, Integer).label("idx"),
            literal(end, Date).label("end_on"),
            literal(cut, Date).label("cut"),
        )
        for i, (end, cut) in enumerate(ends)
    ]
    edges = union_all(*rows).subquery("edges")
    joined = edges.join(visits, visits.c.visited_on < edges.c.end_on).join(
        customers, customers.c.id == visits.c.customer_id
    )
    gone = (
        select(edges.c.idx, visits.c.customer_id)
        .select_from(joined)
        .where(visits.c.status != CANCELLED, *_branch(customers.c.branch_id, branch_id))
        .group_by(edges.c.idx, edges.c.cut, visits.c.customer_id)
        .having(func.max(visits.c.visited_on) < edges.c.cut)
        .subquery("gone")
    )
    query = select(gone.c.idx.label("bucket"), func.count().label("n")).group_by(gone.c.idx)
    return _spread(await conn.execute(query), len(ends))


async def follow_ups_by(
    conn: AsyncConnection,
    branch_id: int | None,
    kind: FollowUpKind,
    column: str,
    since: datetime,
    until: datetime,
) -> dict[str, int]:
    """Follow-ups (or complaints) recorded in [since, until), counted by ``column`` (status, category)."""
    key = follow_ups.c[column]
    query = (
        select(key.label("key"), func.count().label("n"))
        .select_from(follow_ups.join(customers, customers.c.id == follow_ups.c.customer_id))
        .where(
            follow_ups.c.kind == kind.value, follow_ups.c.created_at >= since, follow_ups.c.created_at < until
        )
        .where(*_branch(customers.c.branch_id, branch_id))
        .group_by(key)
    )
    return {row.key: int(row.n) for row in await conn.execute(query)}


async def prospects_by_industry(
    conn: AsyncConnection, branch_id: int | None, since: datetime, until: datetime
) -> dict[str, int]:
    """Prospects registered in [since, until) by industry ("" when none was given)."""
    query = (
        select(prospects.c.industry.label("key"), func.count().label("n"))
        .where(*_registered(branch_id, since, until))
        .group_by(prospects.c.industry)
    )
    return {row.key: int(row.n) for row in await conn.execute(query)}


async def focus_point_values(conn: AsyncConnection) -> list[str]:
    """Every ``focus_point`` option, retired ones too (a prospect keeps the value it was given)."""
    query = select(crm_options.c.value).where(crm_options.c.kind == "focus_point")
    query = query.order_by(crm_options.c.position, crm_options.c.value)
    return [row.value for row in await conn.execute(query)]


async def prospects_by_focus(
    conn: AsyncConnection, branch_id: int | None, since: datetime, until: datetime, values: Sequence[str]
) -> dict[str, int]:
    """Prospects registered in [since, until) naming each focus point (``focus_points`` holds one a line;
    a prospect naming several counts once for each). One row back: a SUM(CASE) per value."""
    if not values:
        return {}
    lines = literal("\n") + prospects.c.focus_points + literal("\n")
    sums = [
        func.coalesce(func.sum(case((lines.contains(f"\n{value}\n", autoescape=True), 1), else_=0)), 0)
        for value in values
    ]
    query = select(*sums).where(*_registered(branch_id, since, until))
    row = (await conn.execute(query)).one()
    return {value: int(n) for value, n in zip(values, row, strict=True)}


async def calls_by_hour(
    conn: AsyncConnection, lines: Sequence[str] | None, segments: Sequence[OffsetSegment]
) -> tuple[list[int], list[int]]:
    """Inbound calls on ``lines`` (None: every line) started in the segments, answered (or connected)
    and missed, by local hour of day. Per segment of constant UTC offset, grouped by UTC hour (and, for
    a zone whose offset is not whole hours, by whether the minute falls before the local hour turns)."""
    answered, missed = [0] * 24, [0] * 24
    if lines is not None and not lines:
        return answered, missed
    on_lines = [] if lines is None else [calls.c.line.in_(list(lines))]
    answered_case = case((calls.c.outcome.in_(ANSWERED), 1), else_=0)
    for segment in segments:
        hours, cut = divmod(segment.minutes, 60)
        hour = extract("hour", calls.c.started_at)
        late: ColumnElement[Any] = (
            case((extract("minute", calls.c.started_at) >= 60 - cut, 1), else_=0)
            if cut
            else literal(0, Integer)
        )
        rows = (
            select(hour.label("h"), late.label("late"), answered_case.label("ok"))
            .where(*on_lines, calls.c.direction == "inbound")
            .where(calls.c.outcome.in_((*ANSWERED, MISSED)))
            .where(calls.c.started_at >= segment.since, calls.c.started_at < segment.until)
            .subquery()
        )
        query = select(rows.c.h, rows.c.late, rows.c.ok, func.count().label("n")).group_by(
            rows.c.h, rows.c.late, rows.c.ok
        )
        for row in await conn.execute(query):
            local = (int(row.h) + hours + int(row.late)) % 24
            (answered if row.ok else missed)[local] += int(row.n)
    return answered, missed


def _bucket_of(column: Any, bounds: Sequence[datetime]) -> ColumnElement[Any]:
    """The bucket number of ``column``: i when bounds[i] <= column < bounds[i + 1] (rows outside
    [bounds[0], bounds[-1]) are filtered out by the caller)."""
    if len(bounds) <= 2:
        return literal(0, Integer)
    whens = [(column < edge, i) for i, edge in enumerate(bounds[1:-1])]
    return case(*whens, else_=len(bounds) - 2)


def _branch(column: Any, branch_id: int | None) -> list[ColumnElement[bool]]:
    return [] if branch_id is None else [column == branch_id]


def _registered(branch_id: int | None, since: datetime, until: datetime) -> list[ColumnElement[bool]]:
    return [
        prospects.c.created_at >= since,
        prospects.c.created_at < until,
        *_branch(prospects.c.branch_id, branch_id),
    ]


def _spread(rows: Any, count: int) -> list[int]:
    found = [0] * count
    for row in rows:
        found[int(row.bucket)] += int(row.n)
    return found
