"""Prepared statements give the same rows as SQLAlchemy's own execution, converted the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, create_engine, select

from ctid.crm.tables import Money
from ctid.db import UtcDateTime
from ctid.prepared import Prepared

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
)
BY_STATUS = (
    select(things).where(things.c.status == "live", things.c.id >= bindparam("low")).order_by(things.c.id)
)


def test_rows_match_sqlalchemy_with_types_and_constants(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    meta.create_all(engine)
    at = datetime(2026, 3, 22, 6, 5, 4, 321000, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            things.insert(),
            [
                {
                    "name": "张伟",
                    "on": date(2026, 3, 22),
                    "at": at,
                    "price": Decimal("12.30"),
                    "status": "live",
                },
                {"name": None, "on": None, "at": None, "price": None, "status": "live"},
                {"name": "gone", "on": None, "at": at, "price": Decimal(1), "status": "dead"},
            ],
        )
    prepared = Prepared(BY_STATUS)
    with engine.connect() as conn:
        expected = [dict(row) for row in conn.execute(BY_STATUS, {"low": 1}).mappings()]
        got = prepared.rows(conn, low=1)
        assert got == expected and len(got) == 2
        assert (
            got[0]["on"] == date(2026, 3, 22) and got[0]["at"] == at and got[0]["price"] == Decimal("12.30")
        )
        assert prepared.first(conn, low=2) == expected[1]
        assert prepared.first(conn, low=9) is None
    engine.dispose()


def test_in_lists_are_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    meta.create_all(engine)
    with engine.connect() as conn, pytest.raises(ValueError, match="IN lists"):
        Prepared(select(things).where(things.c.id.in_([1, 2]))).rows(conn)
    engine.dispose()
