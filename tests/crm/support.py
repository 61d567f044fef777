"""Helpers for the CRM tests: reading the test's database behind the services' back, on either backend
(``rows``, ``dump``: tests/support/queries.py), or an SQLite file directly for the tests about SQLite
itself (``sqlite_rows``, ``sqlite_dump``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ctid.storage.db import Database
from tests.support.queries import differences, execute, has_table, rows

__all__ = [
    "CRM_TABLES",
    "NOW",
    "TODAY",
    "differences",
    "dump",
    "execute",
    "has_table",
    "rows",
    "sqlite_dump",
    "sqlite_rows",
]

TODAY = date(2026, 3, 22)
NOW = datetime(2026, 3, 22, 2, 30, tzinfo=UTC)  # 10:30 in Guangzhou
"""The CRM tests' today and now: the demo data and the fixtures' clocks are dated from them."""

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


def sqlite_rows(path: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    """``query`` on an SQLite file, as another process would read it (SQLite-only tests)."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query, params).fetchall()


def sqlite_dump(path: Path, tables: tuple[str, ...] = CRM_TABLES) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in tables}
