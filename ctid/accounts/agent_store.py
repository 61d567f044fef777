"""SQL of the operators' states: the chosen state (one row per user) and the state history."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.tables import agent_state_log, agent_states


async def chosen(conn: AsyncConnection, user_ids: Collection[int]) -> dict[int, tuple[str, datetime]]:
    """Each user's chosen state and since when (users who never chose are left out)."""
    if not user_ids:
        return {}
    query = select(agent_states).where(agent_states.c.user_id.in_(sorted(user_ids)))
    return {r.user_id: (r.state, r.since) for r in await conn.execute(query)}


async def choose(conn: AsyncConnection, user_id: int, state: str, at: datetime) -> None:
    """Update, else insert (the caller holds the write lock: ``Database.begin(immediate=True)``)."""
    values = {"state": state, "since": at}
    changed = await conn.execute(update(agent_states).where(agent_states.c.user_id == user_id).values(values))
    if changed.rowcount == 0:
        await conn.execute(insert(agent_states).values(user_id=user_id, **values))


async def log_state(conn: AsyncConnection, user_id: int, state: str, at: datetime) -> None:
    await conn.execute(insert(agent_state_log).values(user_id=user_id, state=state, at=at))


async def latest(
    conn: AsyncConnection, user_ids: Collection[int] | None = None
) -> dict[int, tuple[str, datetime]]:
    """Each user's last logged state and when it began (None: every user who has one)."""
    newest = select(agent_state_log.c.user_id, func.max(agent_state_log.c.id).label("id"))
    if user_ids is not None:
        if not user_ids:
            return {}
        newest = newest.where(agent_state_log.c.user_id.in_(sorted(user_ids)))
    last = newest.group_by(agent_state_log.c.user_id).subquery()
    query = select(agent_state_log.c.user_id, agent_state_log.c.state, agent_state_log.c.at).join(
        last, last.c.id == agent_state_log.c.id
    )
    return {r.user_id: (r.state, r.at) for r in await conn.execute(query)}


async def history(
    conn: AsyncConnection, user_ids: Collection[int], since: datetime, until: datetime
) -> list[tuple[int, str, datetime]]:
    """The state changes of these users that matter to [since, until): the last one before ``since`` (the
    state they were in when it began) and every one inside, in order of time."""
    if not user_ids:
        return []
    ids = sorted(user_ids)
    before = (
        select(agent_state_log.c.user_id, func.max(agent_state_log.c.id).label("id"))
        .where(agent_state_log.c.user_id.in_(ids), agent_state_log.c.at < since)
        .group_by(agent_state_log.c.user_id)
        .subquery()
    )
    columns = (agent_state_log.c.user_id, agent_state_log.c.state, agent_state_log.c.at, agent_state_log.c.id)
    first = select(*columns).join(before, before.c.id == agent_state_log.c.id)
    inside = select(*columns).where(
        agent_state_log.c.user_id.in_(ids), agent_state_log.c.at >= since, agent_state_log.c.at < until
    )
    rows = [*await conn.execute(first), *await conn.execute(inside)]
    return [(r.user_id, r.state, r.at) for r in sorted(rows, key=lambda r: (r.at, r.id))]
