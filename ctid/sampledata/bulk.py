"""A million customers in under a minute, for benchmarks: rows written straight into an SQLite file.

    from ctid.sampledata.bulk import generate, known_numbers
    stats = generate("var/bench.sqlite3", customers=1_000_000)   # the schema must exist: migrate first
    numbers = known_numbers("var/bench.sqlite3", 2000)           # E.164 keys of stored phones, for lookups

Why not the demo's path: one INSERT per row through SQLAlchemy and aiosqlite is ~100x too slow. Here rows
are plain tuples from the vocabulary of ``ctid.sampledata.samples``, written with the stdlib ``sqlite3`` in
large ``executemany`` batches inside one transaction, under a rollback journal rather than WAL; the secondary
indexes are dropped first and rebuilt at the end (sorting once is far cheaper than millions of random B-tree
inserts), then the new customers go into the search index and their names' grams
(``ctid.crm.search_store.fill`` and ``fill_grams``, the migrations' own paths). A failure midway rolls
everything back.

Data written the way the application writes it: dates ``YYYY-MM-DD``, times as SQLAlchemy stores UTC,
money in fen, and every phone's ``e164`` exactly what ``PhoneNormaliser`` makes of its ``number`` (numbers
are written as people write them: ``138 0013 8000``, ``020-8888-1234``, ``+86 20 8888 1234``...). Numbers,
plates and VINs are unique by construction (a bijection of a counter), so any count works without retries;
shared numbers are deliberate: a company's switchboard is on its staff's records, a family shares a home
line. Plates and VINs derive from the vehicle id, so repeated runs into one branch never collide (up to
4.8 million vehicles per branch).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ctid.crm import search_store
from ctid.sampledata.bulk_rows import COLUMNS, RowMaker

BATCH = 20_000
TABLES = tuple(COLUMNS)
REBUILT = (*TABLES, search_store.GRAMS)  # the tables whose indexes are dropped during the load
BULK_BRANCH = ("bulk", "批量测试")


@dataclass(frozen=True)
class BulkStats:
    customers: int
    phones: int
    vehicles: int
    links: int
    visits: int
    items: int
    follow_ups: int
    seconds: float


def generate(
    path: str | Path,
    customers: int = 1_000_000,
    vehicles_per_customer: float = 1.3,
    seed: int = 1,
    *,
    today: date | None = None,
    branch_id: int | None = None,
) -> BulkStats:
    """Add ``customers`` customers (with phones, vehicles, visits, follow-ups) to an existing ctid database.

    ``branch_id``: the branch to fill; by default a branch of its own (code ``bulk``), created if missing.
    """
    started = time.perf_counter()
    with closing(sqlite3.connect(path, isolation_level=None)) as conn, _rollback_journal(conn):
        _tune(conn)
        with _transaction(conn):
            with _indexes_rebuilt(conn):
                branch = branch_id if branch_id is not None else _bulk_branch(conn)
                first = _next_ids(conn)
                before = first["customers"] - 1
                maker = RowMaker(random.Random(seed), today or date.today(), branch, first)
                totals = _write(conn, maker, customers, vehicles_per_customer)
                _name_grams(conn, before)
                search_store.fill_sort_keys(search_store.Stdlib(conn), before)  # while the keys' index is off
            _index_for_search(conn, before)
    return BulkStats(
        customers=totals["customers"],
        phones=totals["customer_phones"],
        vehicles=totals["vehicles"],
        links=totals["customer_vehicles"],
        visits=totals["visits"],
        items=totals["visit_items"],
        follow_ups=totals["follow_ups"],
        seconds=time.perf_counter() - started,
    )


def known_numbers(path: str | Path, count: int, seed: int = 1) -> list[str]:
    """``count`` E.164 keys of stored phones, drawn at random (with repeats if there are fewer)."""
    with closing(sqlite3.connect(path)) as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM customer_phones").fetchone()
        if low is None:
            return []
        rng = random.Random(seed)
        found: list[str] = []
        while len(found) < count:
            ids = [rng.randint(low, high) for _ in range(min(count - len(found), 500))]
            query = f"SELECT e164 FROM customer_phones WHERE id IN ({','.join('?' * len(ids))})"  # noqa: S608
            found += [row[0] for row in conn.execute(query, ids) if row[0]]
        return found[:count]


def _write(conn: sqlite3.Connection, maker: RowMaker, customers: int, per_customer: float) -> dict[str, int]:
    totals = dict.fromkeys(TABLES, 0)
    for start in range(0, customers, BATCH):
        rows = maker.customers(min(BATCH, customers - start), per_customer)
        for table, batch in rows.tables().items():
            conn.executemany(_insert(table), batch)
            totals[table] += len(batch)
    return totals


def _insert(table: str) -> str:
    columns = COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


def _tune(conn: sqlite3.Connection) -> None:
    """Speed over durability while generating (a failed run is thrown away); the daemon sets its own."""
    for pragma in ("synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY", "foreign_keys=OFF"):
        conn.execute(f"PRAGMA {pragma}")


@contextmanager
def _rollback_journal(conn: sqlite3.Connection) -> Iterator[None]:
    """A rollback journal while loading: WAL would write every new page twice (log, then checkpoint).

    Only possible while nobody else has the database open; otherwise the load simply runs in WAL.
    """
    before = conn.execute("PRAGMA journal_mode").fetchone()[0]
    try:
        switched = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:  # "database is locked": another connection has it open
        switched = False
    try:
        yield
    finally:
        if switched:
            conn.execute(f"PRAGMA journal_mode={before}")


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def _indexes_rebuilt(conn: sqlite3.Connection) -> Iterator[None]:
    """Drop the CRM tables' secondary indexes for the load and create them again, exactly as they were."""
    marks = ",".join("?" * len(REBUILT))
    query = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"  # noqa: S608, E501
    indexes = conn.execute(query, REBUILT).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.execute(sql)


def _index_for_search(conn: sqlite3.Connection, after_id: int) -> None:
    """The new customers into the search index (ctid.crm.search_store), once the tables' indexes are back;
    a database migrated before the index existed (revision 0006 or older) has none to fill."""
    query = "SELECT 1 FROM sqlite_master WHERE name = ?"
    if conn.execute(query, (search_store.TABLE,)).fetchone():
        search_store.fill(search_store.Stdlib(conn), after_id)


def _name_grams(conn: sqlite3.Connection, after_id: int) -> None:
    """The new customers' name grams (ctid.crm.search_store), while the grams' index is dropped: appended
    in key order, then sorted once into the index; a database older than revision 0012 has no table."""
    query = "SELECT 1 FROM sqlite_master WHERE name = ?"
    if conn.execute(query, (search_store.GRAMS,)).fetchone():
        search_store.fill_grams(search_store.Stdlib(conn), after_id)


def _bulk_branch(conn: sqlite3.Connection) -> int:
    code, name = BULK_BRANCH
    found = conn.execute("SELECT id FROM branches WHERE code = ?", (code,)).fetchone()
    if found:
        return int(found[0])
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    cursor = conn.execute("INSERT INTO branches (code, name, created_at) VALUES (?, ?, ?)", (code, name, now))
    return int(cursor.lastrowid or 0)


def _next_ids(conn: sqlite3.Connection) -> dict[str, int]:
    """The first free id of every table with one (so a second run adds to the first)."""
    tables = [t for t in TABLES if t != "customer_vehicles"]
    return {t: int(conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0]) for t in tables}  # noqa: S608
