"""SQL of ``ctid db copy`` (ctid.storage.copying): a whole database read table by table from one engine and
written into another, on either backend.

The source is opened so that it cannot be written: an SQLite file through a read-only URI
(``mode=ro``, ``PRAGMA query_only``), a server in a ``READ ONLY`` transaction. It is read in one
transaction (SQLite's WAL snapshot, PostgreSQL's ``REPEATABLE READ``), so the tables agree with each other
even when a daemon still writes, and streamed in primary-key order, a batch at a time: a million
customers never sit in memory at once.

On PostgreSQL the rows go in with ``COPY`` (asyncpg's binary ``copy_records_to_table``, each value through
the column type's own bind processing, as an INSERT would send it): several times as fast as INSERTs. Its
secondary indexes are dropped for the load and created again from their own definitions after it (one sort
each instead of millions of inserts at random places), and every serial column's sequence is moved past
the highest id copied. All of it happens in the caller's one transaction: PostgreSQL's DDL is
transactional, so a copy that fails leaves the target as it was.

Knows no domain tables: the caller passes the tables (``ctid.tables.metadata``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy import Table, delete, event, func, inspect, literal, select, text
from sqlalchemy.engine import Row, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ctid.storage.db import create_engine, sqlite_file

BATCH = 10_000
"""Rows per read and per write: large enough that the per-batch cost vanishes, small enough to stream."""


class WriteRefused(Exception):
    """The server refused rows written with COPY (the driver's own error, not SQLAlchemy's)."""


# --- engines ----------------------------------------------------------------------------------------------


def backend(url: str) -> str:
    """``sqlite`` or ``postgresql`` (or another name SQLAlchemy knows)."""
    return make_url(url).get_backend_name()


def read_only_engine(url: str) -> AsyncEngine:
    """An engine on ``url`` that cannot write: SQLite through a read-only URI with ``query_only``; a
    server's sessions as ctid's own (UTC), each transaction begun read only (``source_snapshot``)."""
    path = sqlite_file(url)
    if path is None:
        return create_engine(url)
    read_only = make_url(url).set(
        database=f"file:{quote(str(path.resolve()))}", query={"mode": "ro", "uri": "true"}
    )
    engine = create_async_engine(read_only, connect_args={"timeout": 10})
    event.listen(engine.sync_engine, "connect", _query_only)
    return engine


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


async def source_snapshot(conn: AsyncConnection) -> AsyncConnection:
    """Begin the one read transaction the whole copy is read in: every table as of one moment."""
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("BEGIN")  # the driver begins only before a write: one WAL snapshot
        return conn
    snapshot = await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    await snapshot.begin()
    return snapshot


# --- what is there ----------------------------------------------------------------------------------------


async def revision(conn: AsyncConnection) -> str | None:
    """The Alembic revision the database is at; None when it has never been migrated."""
    from alembic.runtime.migration import MigrationContext  # not on the daemon's way (search_store's COPY)

    return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def table_names(conn: AsyncConnection) -> list[str]:
    return await conn.run_sync(lambda sync: sorted(inspect(sync).get_table_names()))


async def has_rows(conn: AsyncConnection, table: Table) -> bool:
    return (await conn.scalar(select(literal(1)).select_from(table).limit(1))) is not None


async def count(conn: AsyncConnection, table: Table | str) -> int:
    if isinstance(table, str):
        return int(await conn.scalar(text(f'SELECT count(*) FROM "{table}"')) or 0)  # noqa: S608 - a known name
    return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


# --- reading and writing ----------------------------------------------------------------------------------


async def stream(
    conn: AsyncConnection, table: Table, batch: int = BATCH
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every row of ``table`` in primary-key order, ``batch`` rows at a time, values as Python gets them
    from the column types (aware UTC datetimes, dates, Decimal money, booleans)."""
    result = await conn.stream(select(table).order_by(*table.primary_key.columns))
    async for rows in result.partitions(batch):
        yield rows


async def clear(conn: AsyncConnection, table: Table) -> None:
    await conn.execute(delete(table))


async def write(conn: AsyncConnection, table: Table, rows: Sequence[Row[Any]]) -> None:
    """Append ``rows`` (as ``stream`` yields them) to ``table``: COPY on PostgreSQL, INSERTs elsewhere."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        await _copy_in(conn, table, rows)
    else:
        await conn.execute(table.insert(), [dict(row._mapping) for row in rows])


async def _copy_in(conn: AsyncConnection, table: Table, rows: Sequence[Row[Any]]) -> None:
    dialect = conn.dialect
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns]
    records = [
        tuple(
            value if value is None or bind is None else bind(value)
            for bind, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]
    await copy_records(conn, table.name, [c.name for c in table.columns], records)


async def copy_records(
    conn: AsyncConnection, table: str, columns: Sequence[str], records: Sequence[tuple[Any, ...]]
) -> None:
    """``records`` (values as asyncpg takes them) appended to ``table`` with COPY, in the connection's
    transaction: PostgreSQL only."""
    await conn.execute(select(literal(1)))  # the transaction is begun on the driver's connection before COPY
    driver = (await conn.get_raw_connection()).driver_connection
    if driver is None or not driver.is_in_transaction():
        raise RuntimeError("COPY outside the copy's transaction")
    try:
        await driver.copy_records_to_table(table, records=records, columns=list(columns))
    except Exception as error:
        if getattr(error, "sqlstate", None) is None:  # not the server's refusal: a bug, a lost connection
            raise
        raise WriteRefused(str(error)) from error


# --- PostgreSQL: indexes, sequences, statistics ------------------------------------------------------------

_SECONDARY_INDEXES = """
SELECT quote_ident(ci.relname), pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class ct ON ct.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ct.relnamespace
WHERE n.nspname = current_schema() AND ct.relname = ANY(:tables)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY ci.relname
"""
"""Indexes that back no constraint (primary keys, unique constraints, the keys foreign keys point at stay)."""


LOAD_MEMORY = "512MB"
"""``maintenance_work_mem`` for the copy's index builds on PostgreSQL (the default 64 MB builds a trigram
GIN index of a million names in many passes over the disk); for the copy's transaction only."""


async def tune_for_load(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{LOAD_MEMORY}'")


async def drop_secondary_indexes(conn: AsyncConnection, tables: Sequence[str]) -> list[str]:
    """Drop the tables' secondary indexes on PostgreSQL; their definitions, for ``create_indexes``. Nothing
    on SQLite (its inserts in key order are cheap enough, and the copy to SQLite is the rare way)."""
    if conn.dialect.name != "postgresql":
        return []
    found = list(await conn.execute(text(_SECONDARY_INDEXES), {"tables": list(tables)}))
    for name, _definition in found:
        await conn.exec_driver_sql(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


async def create_indexes(conn: AsyncConnection, definitions: Sequence[str]) -> None:
    for definition in definitions:
        await conn.exec_driver_sql(definition)


async def advance_sequences(conn: AsyncConnection, tables: Sequence[Table]) -> int:
    """On PostgreSQL, every serial or identity column's sequence set to its column's highest value, so the
    next row the daemon adds gets a new id (COPY with explicit ids never moves them); how many. SQLite
    takes the next rowid from the table itself."""
    if conn.dialect.name != "postgresql":
        return 0
    moved = 0
    for table in tables:
        for column in table.primary_key.columns:
            sequence = await conn.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
            if sequence is None:
                continue
            highest = await conn.scalar(select(func.max(column)))
            await conn.execute(
                select(func.setval(sequence, highest if highest is not None else 1, highest is not None))
            )
            moved += 1
    return moved


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics on PostgreSQL after a load (autovacuum would come to it later): the
    first searches and pops on the copy plan with the real row counts."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()
