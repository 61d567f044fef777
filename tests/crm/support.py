"""Helpers for the CRM tests: reading the test's database behind the services' back, on either backend.

``rows`` and ``dump`` go through SQLAlchemy on the test's own database, so a test that checks what was
written runs on SQLite and on PostgreSQL alike. Values come back as the driver gives them (SQLite's text
dates, PostgreSQL's ``date``): a test comparing them to literals selects typed columns with a Core query
(``select(customers.c.birthday)``), which both backends answer with the same Python values.
``sqlite_rows`` reads an SQLite file directly, for the tests about SQLite itself.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Executable, inspect, text

from ctid.db import Database, metadata

CRM_TABLES = (
    "customers",
    "customer_phones",
    "vehicles",
    "customer_vehicles",
    "visits",
    "visit_items",
    "follow_ups",
    "customer_opt_outs",
    "vehicle_mileage",
    "service_catalogue",
    "customer_name_grams",
)


async def dump(db: Database, tables: tuple[str, ...] = CRM_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the CRM tables, in id order."""
    return {t: await rows(db, f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables}


async def rows(db: Database, query: str | Executable, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of ``query`` (SQL text with ``:name`` parameters, or a Core statement) as tuples."""
    statement = text(query) if isinstance(query, str) else query
    async with db.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement, params)]


async def execute(db: Database, *statements: str | Executable, **params: Any) -> None:
    """Run writes in one transaction (each ``:name`` parameter shared by all of them)."""
    async with db.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement) if isinstance(statement, str) else statement, params)


async def differences(db: Database) -> list[Any]:
    """What autogenerate finds between the migrated database and the declared tables."""
    async with db.connect() as conn:
        return await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))


async def has_table(db: Database, name: str) -> bool:
    async with db.connect() as conn:
        return await conn.run_sync(lambda sync: inspect(sync).has_table(name))


def sqlite_rows(path: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    """``query`` on an SQLite file, as another process would read it (SQLite-only tests)."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query, params).fetchall()


def sqlite_dump(path: Path, tables: tuple[str, ...] = CRM_TABLES) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in tables}
