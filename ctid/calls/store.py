"""SQL for the call log. Every stage is its own short write, so a crash loses at most the stage in flight."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.calls.models import Call, CallFilter
from ctid.calls.tables import call_missed_by, calls
from ctid.core.paging import Page
from ctid.storage.db import fetch_page
from ctid.storage.prepared import Prepared


async def insert_call(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(calls).values(**values))


async def update_call(conn: AsyncConnection, call_id: str, values: dict[str, Any]) -> bool:
    result = await conn.execute(update(calls).where(calls.c.id == call_id).values(**values))
    return result.rowcount > 0


async def count_for_customer(conn: AsyncConnection, customer_id: int) -> int:
    query = select(func.count()).select_from(calls).where(calls.c.customer_id == customer_id)
    return int(await conn.scalar(query) or 0)


async def move_customer(conn: AsyncConnection, from_id: int, to_id: int) -> int:
    """The calls of one customer become another's (a merge, ctid.merging); how many. Their recordings
    follow them: a recording belongs to its call, not to a customer."""
    result = await conn.execute(update(calls).where(calls.c.customer_id == from_id).values(customer_id=to_id))
    return int(result.rowcount)


async def get_call(conn: AsyncConnection, call_id: str) -> Call | None:
    row = (await conn.execute(select(calls).where(calls.c.id == call_id))).mappings().first()
    return _call(row) if row else None


@functools.cache
def _recent(lines: int) -> Prepared:
    """The last calls with a number on any of ``lines`` lines (``line0``, ``line1``...): a branch's lines
    are a handful, so one statement per count of them, written as ORs (a Prepared takes no IN list)."""
    on_lines = or_(*(calls.c.line == bindparam(f"line{i}") for i in range(lines)))
    return Prepared(
        select(calls)
        .where(calls.c.number_e164 == bindparam("e164"), calls.c.id != bindparam("exclude"), on_lines)
        .order_by(calls.c.started_at.desc())
        .limit(bindparam("limit", type_=Integer))
    )


def recent_with(
    conn: Connection, e164s: Sequence[str], limit: int, exclude: str | None, lines: Sequence[str]
) -> list[Call]:
    """Synchronous: the pop runs it in the read thread (``Database.read``), beside the customer lookup.
    One indexed statement per number (a customer has one to three), newest ``limit`` of them all, on
    ``lines`` only (the card's branch's: another branch's calls with the number are not this one's)."""
    if not lines:
        return []
    statement = _recent(len(lines))
    on = {f"line{i}": line for i, line in enumerate(lines)}
    found = [
        _call(row)
        for e164 in e164s
        for row in statement.rows(conn, e164=e164, exclude=exclude or "", limit=limit, **on)
    ]
    return sorted(found, key=lambda c: c.started_at, reverse=True)[:limit]


async def close_unfinished(
    conn: AsyncConnection, now: datetime, reason: str, last_alive: datetime | None = None
) -> int:
    """Calls a killed daemon left open: ended when it was ``last_alive`` (or now, when that is unknown),
    never before their last known stage; the outcome they had (``unknown`` for one still ringing)."""
    query = select(
        calls.c.id, calls.c.started_at, calls.c.identified_at, calls.c.answered_at, calls.c.outcome
    )
    rows = (await conn.execute(query.where(calls.c.ended_at.is_(None)))).all()
    for call_id, started, identified, answered, outcome in rows:
        stages = [t for t in (started, identified, answered) if t is not None]
        ended = now if last_alive is None else min(now, max([last_alive, *stages]))
        values = {
            "ended_at": ended,
            "end_reason": reason,
            "outcome": outcome or "unknown",
            "duration_s": round((ended - started).total_seconds(), 3),
            "talk_s": None if answered is None else round((ended - answered).total_seconds(), 3),
        }
        await conn.execute(update(calls).where(calls.c.id == call_id).values(**values))
    return len(rows)


async def search(conn: AsyncConnection, where: CallFilter, lines: Sequence[str] | None) -> Page[Call]:
    """``lines``: the calls on these lines only (a branch's); None: every call."""
    conditions: list[ColumnElement[bool]] = [] if lines is None else [calls.c.line.in_(list(lines))]
    for column, value in ((calls.c.line, where.line), (calls.c.direction, where.direction)):
        if value:
            conditions.append(column == value)
    if where.outcome:
        conditions.append(calls.c.outcome == where.outcome)
    if where.result:
        conditions.append(calls.c.result == where.result)
    if where.number:
        # full-width digits as typed with a Chinese IME are digits too; "020-8888" as the list shows it is
        # found in the E.164 form without its trunk 0 (the number as given keeps its dashes)
        digits = "".join(str(unicodedata.digit(c)) for c in where.number if c.isdigit())
        national = digits.lstrip("0") or digits
        number, e164 = calls.c.number.like(f"%{digits}%"), calls.c.number_e164.like(f"%{national}%")
        conditions.append(or_(number, e164))
    if where.customer_id is not None:
        conditions.append(_of_customer(where.customer_id, where.customer_numbers))
    if where.since:
        conditions.append(calls.c.started_at >= where.since)
    if where.until:
        conditions.append(calls.c.started_at < where.until)
    order = [calls.c.started_at.desc(), calls.c.id.desc()]
    return await fetch_page(conn, select(calls).where(*conditions), order, where.page, _call)


def _of_customer(customer_id: int, numbers: Sequence[str]) -> ColumnElement[bool]:
    """Linked to the customer, or with one of its numbers and linked to no one."""
    linked = calls.c.customer_id == customer_id
    if not numbers:
        return linked
    return or_(linked, and_(calls.c.customer_id.is_(None), calls.c.number_e164.in_(list(numbers))))


def _call(row: Mapping[Any, Any]) -> Call:
    return Call(**{c.name: row[c.name] for c in calls.c})


async def missed(conn: AsyncConnection, lines: Sequence[str], since: datetime, limit: int) -> list[Call]:
    """Missed inbound calls on these lines not yet returned: no later answered or connected call with the
    same number. A call without a number (private, unavailable) stays listed: it cannot be returned."""
    later = calls.alias("later")
    returned = (
        select(later.c.id)
        .where(later.c.number_e164 == calls.c.number_e164)
        .where(later.c.started_at > calls.c.started_at)
        .where(later.c.outcome.in_(("answered", "connected")))
    )
    query = (
        select(calls)
        .where(calls.c.line.in_(list(lines)), calls.c.direction == "inbound", calls.c.outcome == "missed")
        .where(calls.c.started_at >= since, ~returned.exists())
        .order_by(calls.c.started_at.desc())
        .limit(limit)
    )
    return [_call(r) for r in (await conn.execute(query)).mappings()]


async def add_missed_by(conn: AsyncConnection, call_id: str, user_ids: Sequence[int]) -> None:
    """The operators a missed call counts against (written once, at its end)."""
    if user_ids:
        await conn.execute(insert(call_missed_by), [{"call_id": call_id, "user_id": u} for u in user_ids])


async def missed_by(conn: AsyncConnection, call_id: str) -> list[int]:
    query = select(call_missed_by.c.user_id).where(call_missed_by.c.call_id == call_id)
    return sorted(r[0] for r in await conn.execute(query))
