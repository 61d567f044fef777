"""Prepared statements give the same rows as SQLAlchemy's own execution, converted the same way, on SQLite
(the driver's ``?``) and on PostgreSQL (asyncpg's ``$1`` through SQLAlchemy's adapted cursor)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Date, Float, Integer, MetaData, String, Table, bindparam, select

from ctid.crm.tables import Money
from ctid.storage.db import Database, UtcDateTime
from ctid.storage.prepared import Prepared

meta = MetaData()
things = Table(
    "things",
    meta,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("on", Date),
    Column("at", UtcDateTime),
    Column("price", Money),
    Column("status", String(10)),
    Column("seconds", Float),  # asyncpg's processor depends on the column's type code (the pops' 500s)
)
BY_STATUS = (
    select(things).where(things.c.status == "live", things.c.id >= bindparam("low")).order_by(things.c.id)
)
AT = datetime(2026, 3, 22, 6, 5, 4, 321000, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.start()
    async with database.begin() as conn:
        await conn.run_sync(meta.create_all)
        await conn.execute(
            things.insert(),
            [
                {
                    "name": "张伟",
                    "on": date(2026, 3, 22),
                    "at": AT,
                    "price": Decimal("12.30"),
                    "status": "live",
                    "seconds": 1.5,
                },
                {"name": None, "on": None, "at": None, "price": None, "status": "live", "seconds": None},
                {"name": "gone", "on": None, "at": AT, "price": Decimal(1), "status": "dead", "seconds": 2.0},
            ],
        )
    yield database
    await database.stop()


async def test_rows_match_sqlalchemy_with_types_and_constants(db: Database) -> None:
    prepared = Prepared(BY_STATUS)

    def read(conn: Connection) -> None:
        expected = [dict(row) for row in conn.execute(BY_STATUS, {"low": 1}).mappings()]
        got = prepared.rows(conn, low=1)
        assert got == expected and len(got) == 2
        assert (got[0]["on"], got[0]["at"], got[0]["price"]) == (date(2026, 3, 22), AT, Decimal("12.30"))
        assert got[0]["seconds"] == 1.5
        assert prepared.first(conn, low=2) == expected[1]
        assert prepared.first(conn, low=9) is None

    await db.read(read)
    async with db.connect() as conn:  # a second trip: the statement compiled once per dialect is reused
        await conn.run_sync(read)


async def test_in_lists_are_refused(db: Database) -> None:
    def read(conn: Connection) -> Any:
        return Prepared(select(things).where(things.c.id.in_([1, 2]))).rows(conn)

    with pytest.raises(ValueError, match="IN lists"):
        await db.read(read)
