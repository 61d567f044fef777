"""Helpers for the CRM tests: reading a database file as another process would."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

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
)


def dump(path: Path, tables: tuple[str, ...] = CRM_TABLES) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the CRM tables, in id order."""
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in tables}


def rows(path: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(query, params).fetchall()
