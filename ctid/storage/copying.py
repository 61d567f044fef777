"""``ctid db copy``: a shop's whole database moved into another, as a shop joining a dealer group moves its
SQLite file into the group's PostgreSQL.

The rules, in the order they are checked (each refusal says what to do):

- the source is at this ctid's migration head (it is opened read-only, so it cannot be upgraded here: run
  ``ctid db upgrade`` on it first);
- the target is empty: a database with no tables is migrated to the head first; one at the head may hold
  only what the migrations themselves put there (``CopyPlan.seeded``: the CRM's option lists, replaced by
  the source's); any other row, or tables of something else, refuses the copy;
- every table is copied in dependency order (a row's foreign keys point at rows already there), in primary
  key order, a batch at a time; the derived search data that is not a plain table on both backends is
  built anew on the target (``CopyPlan.rebuild``); sequences are moved past the copied ids;
- the rows of every table are counted on both sides at the end, inside the target's transaction: a
  difference fails the copy and nothing of it stays.

The whole copy is one transaction on the target: a failure (a constraint, a full disk, Ctrl-C) leaves it as
it was before, migrated and empty. Knows no domain tables: ``ctid.copy_plan`` says which.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table
from sqlalchemy.engine import Row, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ctid.core.errors import CtidError
from ctid.storage import copy_store
from ctid.storage.db import create_engine, head_revision, sqlite_file, upgrade

INT32_MAX = 2**31 - 1
Progress = Callable[[str, int, int], None]
"""``(table, rows copied so far, rows in the source)``: called as each table starts and after each batch."""


class CopyError(CtidError):
    """A copy refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class CopyPlan:
    """What a copy must know of the schema: its tables, which of them the migrations fill, and how to
    build what is derived from them on the target."""

    metadata: MetaData
    seeded: frozenset[str]
    """Tables that a freshly migrated database already has rows in (not the shop's): replaced by the
    source's rows."""
    derived: tuple[str, ...]
    """Tables outside the metadata, derived from it, whose indexes are dropped during the load."""
    rebuild: Callable[[AsyncConnection], Awaitable[int]]
    """Fill the derived tables on the target from the copied rows (the CRM search index)."""


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]
    """Rows copied per table, in the order copied."""
    derived_rows: int
    seconds: float


@dataclass
class CopyPrinter:
    """Progress as lines on a stream: each table as it starts and ends, and a line every ``every_s``
    seconds on a long one (a million customers take a while)."""

    out: TextIO
    every_s: float = 5.0
    clock: Callable[[], float] = time.monotonic
    _last: float = field(default=0.0, init=False)

    def progress(self, table: str, done: int, total: int) -> None:
        now = self.clock()
        if done == 0:
            self._last = now
            print(f"{table}: {total:,} rows ...", file=self.out, flush=True)
        elif done >= total or now - self._last >= self.every_s:
            self._last = now
            share = f" ({done / total:.0%})" if total else ""
            print(f"{table}: {done:,} of {total:,}{share}", file=self.out, flush=True)


def describe(url: str) -> str:
    """A URL as it may be printed: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


async def copy_database(
    source_url: str,
    target_url: str,
    plan: CopyPlan,
    progress: Progress | None = None,
    *,
    batch: int = copy_store.BATCH,
) -> CopyReport:
    """Copy everything from ``source_url`` into the empty ``target_url``, ``batch`` rows at a time; see
    the module doc."""
    if make_url(source_url) == make_url(target_url):
        raise CopyError(f"the source and the target are the same database: {describe(source_url)}")
    began = time.monotonic()
    source = copy_store.read_only_engine(_source_url(source_url))
    target = create_engine(target_url)
    try:
        await _check_source(source, source_url)
        await _prepare_target(target, target_url, plan)
        async with source.connect() as reading:
            snapshot = await copy_store.source_snapshot(reading)
            async with target.begin() as writing:
                rows, derived = await _copy(snapshot, writing, plan, progress or _quiet, batch)
        await copy_store.analyze(target)
    finally:
        await source.dispose()
        await target.dispose()
    return CopyReport(rows, derived, time.monotonic() - began)


def _quiet(_table: str, _done: int, _total: int) -> None:
    return None


def _source_url(url: str) -> str:
    path = sqlite_file(url)
    if copy_store.backend(url) == "sqlite" and (path is None or not path.is_file()):
        raise CopyError(f"no SQLite database file at {path or describe(url)}")
    return url


async def _check_source(source: AsyncEngine, url: str) -> None:
    head = head_revision()
    try:
        async with source.connect() as conn:
            found = await copy_store.revision(conn)
    except DBAPIError as error:
        raise CopyError(f"cannot read the source {describe(url)}: {_first_line(error)}") from error
    if found is None:
        raise CopyError(f"the source {describe(url)} is not a ctid database (it has no migrations)")
    if found != head:
        raise CopyError(
            f"the source {describe(url)} is at migration {found}, this ctid at {head}: upgrade it first "
            "(ctid db upgrade with a config whose [database] url is the source), then copy"
        )


async def _prepare_target(target: AsyncEngine, url: str, plan: CopyPlan) -> None:
    """Migrate an empty target to the head; refuse one that holds anything of a shop's."""
    head = head_revision()
    try:
        async with target.connect() as conn:
            found, tables = await copy_store.revision(conn), await copy_store.table_names(conn)
    except DBAPIError as error:
        raise CopyError(f"cannot open the target {describe(url)}: {_first_line(error)}") from error
    if found is None and tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise CopyError(
            f"the target {describe(url)} is not empty: it has tables ({shown}) and is no ctid database"
        )
    if found is None:
        await upgrade(target)
    elif found != head:
        raise CopyError(
            f"the target {describe(url)} is at migration {found}, this ctid at {head}: copy only into an "
            "empty database"
        )
    async with target.connect() as conn:
        for table in plan.metadata.sorted_tables:
            if table.name not in plan.seeded and await copy_store.has_rows(conn, table):
                raise CopyError(
                    f"the target {describe(url)} is not empty (table {table.name} has rows): ctid copies "
                    "only into an empty database; drop and create it again, or give another"
                )


async def _copy(
    source: AsyncConnection, target: AsyncConnection, plan: CopyPlan, progress: Progress, batch: int
) -> tuple[dict[str, int], int]:
    tables = plan.metadata.sorted_tables
    expected = {table.name: await copy_store.count(source, table) for table in tables}
    await copy_store.tune_for_load(target)
    indexes = await copy_store.drop_secondary_indexes(target, [t.name for t in tables])
    derived_indexes = await copy_store.drop_secondary_indexes(target, plan.derived)
    copied: dict[str, int] = {}
    for table in tables:
        if table.name in plan.seeded:
            await copy_store.clear(target, table)
        copied[table.name] = await _copy_table(source, target, table, expected[table.name], progress, batch)
    await copy_store.create_indexes(target, indexes)  # before the rebuild, which reads them by customer
    derived = await plan.rebuild(target)
    await copy_store.create_indexes(target, derived_indexes)
    await copy_store.advance_sequences(target, tables)
    await _check_counts(target, tables, expected, copied)
    return copied, derived


async def _copy_table(
    source: AsyncConnection, target: AsyncConnection, table: Table, total: int, progress: Progress, batch: int
) -> int:
    done = 0
    progress(table.name, done, total)
    async for rows in copy_store.stream(source, table, batch):
        try:
            await copy_store.write(target, table, rows)
        except (DBAPIError, copy_store.WriteRefused) as error:
            raise CopyError(_write_failed(table, rows, target.dialect.name, error)) from error
        done += len(rows)
        progress(table.name, done, total)
    return done


async def _check_counts(
    target: AsyncConnection, tables: Sequence[Table], expected: dict[str, int], copied: dict[str, int]
) -> None:
    wrong = []
    for table in tables:
        found = await copy_store.count(target, table)
        if not expected[table.name] == copied[table.name] == found:
            counts = f"{expected[table.name]} in the source, {copied[table.name]} read, {found} in the target"
            wrong.append(f"{table.name}: {counts}")
    if wrong:
        raise CopyError("the copy does not add up, nothing was kept: " + "; ".join(wrong))


def _write_failed(table: Table, rows: Sequence[Row[Any]], backend: str, error: Exception) -> str:
    """Which row and column could not be written, when a check finds it; else the batch and the error."""
    keys = [c.name for c in table.primary_key.columns]
    for row in rows:
        if (problem := value_problem(table, row, backend)) is not None:
            return f"cannot copy table {table.name}, row {_key(row, keys)}: {problem}"
    first, last = _key(rows[0], keys), _key(rows[-1], keys)
    return f"cannot copy table {table.name}, rows {first} to {last}: {_first_line(error)}"


def value_problem(table: Table, row: Sequence[Any], backend: str) -> str | None:
    """What in ``row`` the target backend refuses although SQLite kept it: text longer than its column, a
    NUL character in text, a number beyond PostgreSQL's ``integer``. None when nothing is seen."""
    if backend != "postgresql":
        return None
    for column, value in zip(table.columns, row, strict=True):
        if isinstance(value, str):
            length = getattr(column.type, "length", None)
            if isinstance(column.type, String) and length is not None and len(value) > length:
                return f"{column.name} has {len(value)} characters, more than its {length}"
            if "\x00" in value:
                return f"{column.name} holds a NUL character, which PostgreSQL text cannot"
        elif (
            isinstance(value, int)
            and isinstance(column.type, Integer)
            and not -INT32_MAX - 1 <= value <= INT32_MAX
        ):
            return f"{column.name} = {value} is beyond PostgreSQL's integer"
    return None


def _int32(column: Column[Any]) -> bool:
    return isinstance(column.type, Integer) and not isinstance(column.type, BigInteger)


def _key(row: Row[Any], keys: list[str]) -> str:
    values = [str(row._mapping[key]) for key in keys]
    return ", ".join(f"{key} {value}" for key, value in zip(keys, values, strict=True))


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    return (str(orig).splitlines() or [type(orig).__name__])[0][:300]
