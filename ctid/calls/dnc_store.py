"""SQL for the do-not-call list (``dnc_numbers``): a number once, with why and since when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.calls.models import DncEntry
from ctid.calls.tables import dnc_numbers

CHUNK = 900


async def add(conn: AsyncConnection, number_e164: str, reason: str, at: datetime, by: int | None) -> bool:
    """The number on the list (False: it was on it already, left as it was)."""
    if await entry(conn, number_e164) is not None:
        return False
    values = {"number_e164": number_e164, "reason": reason, "created_at": at, "created_by": by}
    await conn.execute(insert(dnc_numbers).values(**values))
    return True


async def remove(conn: AsyncConnection, number_e164: str) -> bool:
    query = dnc_numbers.delete().where(dnc_numbers.c.number_e164 == number_e164)
    return bool((await conn.execute(query)).rowcount)


async def entry(conn: AsyncConnection, number_e164: str) -> DncEntry | None:
    query = select(dnc_numbers).where(dnc_numbers.c.number_e164 == number_e164)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _entry(row)


async def numbers_in(conn: AsyncConnection, numbers: Iterable[str]) -> set[str]:
    """Which of ``numbers`` are on the list."""
    wanted = sorted(set(numbers))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        query = select(dnc_numbers.c.number_e164).where(
            dnc_numbers.c.number_e164.in_(wanted[start : start + CHUNK])
        )
        found.update(str(n) for n in (await conn.execute(query)).scalars())
    return found


async def entries(conn: AsyncConnection, limit: int, offset: int) -> tuple[list[DncEntry], int]:
    """A page of the list, newest first, and how many there are."""
    query = select(dnc_numbers).order_by(dnc_numbers.c.created_at.desc(), dnc_numbers.c.id.desc())
    rows = (await conn.execute(query.limit(limit).offset(offset))).mappings()
    total = int(await conn.scalar(select(func.count()).select_from(dnc_numbers)) or 0)
    return [_entry(row) for row in rows], total


def _entry(row: RowMapping) -> DncEntry:
    return DncEntry(row["number_e164"], row["reason"], row["created_at"], row["created_by"])
