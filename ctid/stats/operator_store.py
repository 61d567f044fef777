"""SQL of the per-operator figures: a period's calls on some lines with who handled them, whom each missed
call counts against and when its number was next answered or connected."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.calls.tables import call_missed_by, calls
from ctid.stats.operators import CallFacts


async def call_facts(
    conn: AsyncConnection, lines: Sequence[str] | None, since: datetime, until: datetime
) -> list[CallFacts]:
    """Calls started in [since, until) on ``lines`` (None: every line) that someone handled or that were
    missed against someone."""
    later = calls.alias("later")
    returned = (
        select(func.min(later.c.started_at))
        .where(later.c.number_e164 == calls.c.number_e164, later.c.started_at > calls.c.started_at)
        .where(later.c.outcome.in_(("answered", "connected")))
        .scalar_subquery()
    )
    counted = select(call_missed_by.c.call_id).where(call_missed_by.c.call_id == calls.c.id).exists()
    query = (
        select(
            calls.c.id,
            calls.c.line,
            calls.c.direction,
            calls.c.outcome,
            calls.c.started_at,
            calls.c.answered_at,
            calls.c.ended_at,
            calls.c.talk_s,
            calls.c.handled_by,
            returned.label("returned_at"),
        )
        .where(calls.c.started_at >= since, calls.c.started_at < until)
        .where(or_(calls.c.handled_by.is_not(None), counted))
    )
    if lines is not None:
        query = query.where(calls.c.line.in_(list(lines)))
    rows = (await conn.execute(query)).all()
    against = await _missed_by(conn, [r.id for r in rows if r.outcome == "missed"])
    return [
        CallFacts(
            r.id,
            r.line,
            r.direction,
            r.outcome,
            r.started_at,
            r.answered_at,
            r.ended_at,
            r.talk_s,
            r.handled_by,
            tuple(against.get(r.id, ())),
            r.returned_at if r.outcome == "missed" else None,
        )
        for r in rows
    ]


async def _missed_by(conn: AsyncConnection, call_ids: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for start in range(0, len(call_ids), 500):  # IN lists of a bounded size
        chunk = call_ids[start : start + 500]
        query = select(call_missed_by.c.call_id, call_missed_by.c.user_id).where(
            call_missed_by.c.call_id.in_(chunk)
        )
        for call_id, user_id in await conn.execute(query):
            found.setdefault(call_id, []).append(user_id)
    return found
