"""SQL for recordings and their access log. Each write is one short statement or transaction."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.tables import users
from ctid.calls.tables import calls
from ctid.core.paging import Page
from ctid.crm.tables import customers
from ctid.recording.models import AccessEntry, AccessFilter, Recording, RecordingFilter
from ctid.recording.tables import recording_access, recordings
from ctid.storage.db import fetch_page


async def insert_recording(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(recordings).values(**values).returning(recordings.c.id))
    return int(result.scalar_one())


async def update_recording(conn: AsyncConnection, recording_id: int, values: dict[str, Any]) -> bool:
    result = await conn.execute(update(recordings).where(recordings.c.id == recording_id).values(**values))
    return result.rowcount > 0


def _with_names() -> Select[Any]:
    """Recordings with their call's customer and the operator's note and wrap-up result on the call, read
    from the call itself (so they are the call's whenever they were given, and can never disagree with it:
    see docs/architecture.md), and the customer's and the operator's names (shown in every list)."""
    return select(
        recordings,
        calls.c.customer_id,
        calls.c.note.label("call_note"),
        calls.c.result.label("call_result"),
        customers.c.name.label("customer_name"),
        func.coalesce(func.nullif(users.c.display_name, ""), users.c.username).label("operator_name"),
    ).select_from(
        recordings.outerjoin(calls, calls.c.id == recordings.c.call_id)
        .outerjoin(customers, customers.c.id == calls.c.customer_id)
        .outerjoin(users, users.c.id == recordings.c.operator_id)
    )


async def get_recording(conn: AsyncConnection, recording_id: int) -> Recording | None:
    row = (await conn.execute(_with_names().where(recordings.c.id == recording_id))).mappings().first()
    return _recording(row) if row else None


async def by_status(conn: AsyncConnection, statuses: tuple[str, ...]) -> list[Recording]:
    query = _with_names().where(recordings.c.status.in_(statuses)).order_by(recordings.c.id)
    return [_recording(row) for row in (await conn.execute(query)).mappings()]


async def wav_paths(conn: AsyncConnection) -> set[str]:
    """Every WAV path a row names (at start: the WAVs on disk that no row names are orphans)."""
    rows = await conn.execute(select(recordings.c.path).where(recordings.c.path.like("%.wav")))
    return {path for (path,) in rows}


async def for_call(conn: AsyncConnection, call_id: str) -> list[Recording]:
    query = _with_names().where(recordings.c.call_id == call_id, recordings.c.deleted_at.is_(None))
    return [_recording(row) for row in (await conn.execute(query.order_by(recordings.c.id))).mappings()]


async def for_calls(
    conn: AsyncConnection, call_ids: list[str], operator_id: int | None = None, branch_id: int | None = None
) -> dict[str, int]:
    """The first live recording of each of these calls (for links in the call log and the customer page),
    only those this operator took when ``operator_id`` is given, of this branch when ``branch_id`` is.
    The operator and the branch are filtered here, not in SQL: with them in the WHERE clause SQLite's
    planner walks the branch's (or the operator's) recordings instead of the calls' few."""
    if not call_ids:
        return {}
    c = recordings.c
    query = select(c.call_id, c.id, c.operator_id, c.branch_id).where(
        c.call_id.in_(call_ids), c.deleted_at.is_(None)
    )
    found: dict[str, int] = {}
    for row in await conn.execute(query):
        if operator_id in (None, row.operator_id) and branch_id in (None, row.branch_id):
            found[str(row.call_id)] = min(int(row.id), found.get(str(row.call_id), int(row.id)))
    return found


async def expired(
    conn: AsyncConnection, before: datetime, branch_ids: list[int] | None, exclude: list[int], limit: int
) -> list[Recording]:
    """Live recordings started before ``before`` in these branches (None: any branch but ``exclude``)."""
    query = _with_names().where(recordings.c.started_at < before, recordings.c.deleted_at.is_(None))
    query = query.where(recordings.c.status != "recording")
    if branch_ids is not None:
        query = query.where(recordings.c.branch_id.in_(branch_ids))
    elif exclude:
        query = query.where(or_(recordings.c.branch_id.is_(None), recordings.c.branch_id.not_in(exclude)))
    rows = await conn.execute(query.order_by(recordings.c.started_at).limit(limit))
    return [_recording(row) for row in rows.mappings()]


async def search(conn: AsyncConnection, where: RecordingFilter) -> Page[Recording]:
    query = _with_names().where(recordings.c.deleted_at.is_(None), *_conditions(where))
    order = [recordings.c.started_at.desc(), recordings.c.id.desc()]
    return await fetch_page(conn, query, order, where.page, _recording)


def _conditions(where: RecordingFilter) -> list[Any]:
    c = recordings.c
    conditions: list[Any] = []
    equal = (
        (c.line, where.line or None),
        (c.direction, where.direction or None),
        (c.operator_id, where.operator_id),
        (calls.c.customer_id, where.customer_id),
        (c.branch_id, where.branch_id),
    )
    conditions.extend(column == value for column, value in equal if value is not None)
    if where.since:
        conditions.append(c.started_at >= where.since)
    if where.until:
        conditions.append(c.started_at < where.until)
    # full-width digits (a Chinese IME's) are digits too
    if digits := "".join(str(unicodedata.digit(ch)) for ch in where.number if ch.isdigit()):
        conditions.append(_number_matches(digits, where.number_match))
    if where.min_duration_s is not None:
        conditions.append(c.duration_s >= where.min_duration_s)
    if where.max_duration_s is not None:
        conditions.append(c.duration_s <= where.max_duration_s)
    if where.has_notes is not None:  # the supervisor's note on the recording, or the operator's on the call
        has = _written(c.note) | _written(calls.c.note)
        conditions.append(has if where.has_notes else ~has)
    if where.result:
        conditions.append(calls.c.result == where.result)
    if where.tag:
        conditions.append(c.tags.like(f"%,{_escape_like(where.tag)},%", escape="\\"))
    return conditions


def _written(note: Any) -> Any:
    """A note column that says something (NULL and '' say nothing; false, never NULL, on a missing call)."""
    return note.is_not(None) & (note != "")


def _number_matches(digits: str, how: str) -> Any:
    """The number as received begins with / contains the digits; or its E.164 form (with or without the
    country code: "138..." begins "+86138..."). A landline as written, "020-3888", is matched in the E.164
    form without its trunk 0: the number as received keeps its dashes."""
    number, e164 = recordings.c.number, recordings.c.number_e164
    national = digits.lstrip("0") or digits
    if how == "begins":
        return or_(number.like(f"{digits}%"), e164.like(f"+{digits}%"), e164.like(f"+86{national}%"))
    return or_(number.like(f"%{digits}%"), e164.like(f"%{national}%"))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _recording(row: Mapping[Any, Any]) -> Recording:
    return Recording(
        **{c.name: row[c.name] for c in recordings.c},
        customer_id=row["customer_id"],
        call_note=row["call_note"],
        call_result=row["call_result"],
        customer_name=row["customer_name"],
        operator_name=row["operator_name"],
    )


async def log_access(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(recording_access).values(**values))


async def access_log(conn: AsyncConnection, where: AccessFilter) -> Page[AccessEntry]:
    a = recording_access.c
    query = select(recording_access)
    conditions: list[Any] = []
    if where.recording_id is not None:
        conditions.append(a.recording_id == where.recording_id)
    if where.user_name:
        conditions.append(a.user_name == where.user_name)
    if where.action:
        conditions.append(a.action == where.action)
    if where.since:
        conditions.append(a.at >= where.since)
    if where.until:
        conditions.append(a.at < where.until)
    if where.branch_id is not None:
        query = query.select_from(recording_access.join(recordings, recordings.c.id == a.recording_id))
        conditions.append(recordings.c.branch_id == where.branch_id)
    order = [a.at.desc(), a.id.desc()]
    return await fetch_page(conn, query.where(*conditions), order, where.page, _access)


def _access(row: Mapping[Any, Any]) -> AccessEntry:
    return AccessEntry(**{c.name: row[c.name] for c in recording_access.c})
