"""Core statements compiled once and run straight on the driver's cursor: for the reads behind every ring.

Why: SQLAlchemy's execution path (cache key, execution context, result metadata, row objects) costs some
60-100 µs of Python per statement, and a screen pop's card is nine statements; on a busy 2-core machine that
work, not SQLite, was most of the pop's time. A ``Prepared`` statement is still written in Core, so the same
SQL text serves SQLite and PostgreSQL; it is compiled once per dialect and executed with the driver's own
cursor, and each column goes through the same result processor that SQLAlchemy would apply (dates parsed
from SQLite text, money from integer fen, times made UTC-aware). Those processors are chosen at the first run
from the cursor's description, as SQLAlchemy chooses them: asyncpg's depend on the type the server says a
column has (a ``Float`` column asked without one raised "%d format: a real number is required", and every
pop on PostgreSQL failed).

Only for fixed statements: no ``IN`` lists that grow with the input (write those as subqueries). Rows come
back as plain dicts keyed by column name, so the stores' row-to-dataclass functions take them unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

Row = dict[str, Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in order, for positional paramstyles (``?``, ``$1``); None for named ones."""
    defaults: dict[str, Any]
    """The values bound in the statement itself (constants such as a status)."""
    keys: tuple[str, ...]
    types: tuple[Any, ...]
    """The selected columns' SQLAlchemy types, for their result processors."""


class Prepared:
    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}
        self._processors: dict[tuple[str, str, str], tuple[Callable[[Any], Any] | None, ...]] = {}

    def rows(self, conn: Connection, **params: Any) -> list[Row]:
        dialect = conn.dialect
        compiled = self._for(dialect)
        merged = {**compiled.defaults, **params}
        values: Any = merged if compiled.positions is None else [merged[p] for p in compiled.positions]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, values)
            fetched = cursor.fetchall()
            processors = self._processors.get(_key(dialect))
            if processors is None:
                processors = self._processors[_key(dialect)] = _processors(
                    compiled, dialect, cursor.description
                )
        finally:
            cursor.close()
        keys = compiled.keys
        if not any(processors):
            return [dict(zip(keys, row, strict=True)) for row in fetched]
        return [
            {k: (p(v) if p is not None else v) for k, p, v in zip(keys, processors, row, strict=True)}
            for row in fetched
        ]

    def first(self, conn: Connection, **params: Any) -> Row | None:
        found = self.rows(conn, **params)
        return found[0] if found else None

    def _for(self, dialect: Dialect) -> _Compiled:
        key = _key(dialect)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self._statement, dialect)
        return found


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("a Prepared statement cannot take IN lists: write them as subqueries or ORs")
    columns = list(statement.selected_columns)
    positions = tuple(compiled.positiontup or ()) if compiled.positional else None
    defaults = {k: v for k, v in compiled.params.items() if v is not None}
    keys, types = tuple(str(c.key) for c in columns), tuple(c.type for c in columns)
    return _Compiled(compiled.string, positions, defaults, keys, types)


def _key(dialect: Dialect) -> tuple[str, str, str]:
    return (dialect.name, dialect.driver, dialect.paramstyle)


def _processors(
    compiled: _Compiled, dialect: Dialect, description: Any
) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each column's result processor for the type code the driver reports (None from SQLite)."""
    codes = [column[1] for column in description] if description else [None] * len(compiled.types)
    return tuple(
        t.dialect_impl(dialect).result_processor(dialect, code)
        for t, code in zip(compiled.types, codes, strict=True)
    )
