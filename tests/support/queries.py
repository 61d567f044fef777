"""Reading and writing a test's database behind the services' back, through SQLAlchemy, on either backend.

Values come back as the driver gives them (SQLite's text dates, PostgreSQL's ``date``): a test comparing
them to literals selects typed columns with a Core query (``select(customers.c.birthday)``), which both
backends answer with the same Python values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Executable, event, inspect, text

from ctid.storage.db import Database, metadata


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


async def columns(db: Database, table: str) -> list[str]:
    async with db.connect() as conn:
        return await conn.run_sync(lambda sync: [c["name"] for c in inspect(sync).get_columns(table)])


@contextmanager
def statements(db: Database, containing: str) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """The statements holding ``containing`` that the driver runs inside the block, with their parameters
    (to look at how the database answers a service's query: ``sqlite_plan``)."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if containing in statement:
            seen.append((statement, tuple(parameters)))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def sqlite_plan(db: Database, statement: str, parameters: tuple[Any, ...]) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of a statement as it was run: each step's text, outer loop first."""
    async with db.connect() as conn:
        return [row[-1] for row in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
