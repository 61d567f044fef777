"""SQL of the CRM search: the ``customer_search`` index, kept in step with the records, and the search.

``customer_search`` (migration 0007) is an FTS5 table with the trigram tokenizer, one row per customer
(rowid = customer id), one column per kind of text: ``name``; ``pinyin`` (initials and full spelling,
``zsf zhangsanfeng``); ``phones`` (each phone's digits as given and its E.164 digits); ``plates`` and ``vins``
(of the vehicles the customer owns, uses or drives). ``column LIKE '%fragment%'`` is answered from the
trigram index for fragments of 3 or more characters.

On PostgreSQL (migration 0013) ``customer_search`` is a plain table of the same columns keyed by
``customer_id``, with a pg_trgm GIN index per column: the same ``ILIKE '%fragment%'`` is answered from
them, ordered by id as FTS5 gives its rows, so both backends find the same customers in the same order.
Names by prefix compare in the "C" collation there (code points, as SQLite compares), on an index of
their own (``ix_customers_branch_id_name_c``): a server's collation (zh_CN, ICU) orders and ranges names
otherwise.

``customer_name_grams`` (migration 0012, ctid.crm.tables) answers what the trigram index cannot: a query of
one or two characters with a Chinese one (``伟``, ``恒通``), found anywhere in a name. It is a plain table,
the same on SQLite and PostgreSQL: each customer's distinct name grams (``ctid.crm.search.name_grams``)
with their branch; ``(gram, branch_id, customer_id)`` gives the first page of a common character (伟:
tens of thousands of customers) straight off the index, in id order, without reading the rest.

Every change to a customer's name, kind, phones, vehicles or their links calls ``refresh`` for the
customers concerned in the change's own transaction, so the index and the grams never disagree with the
records. ``refresh`` writes the customers' ``name_key`` too (migration 0015, ``ctid.crm.pinyin.sort_key``):
the pinyin the customer list sorts by, derived from the name as the index is.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import Connection, Integer, Text, bindparam, column, delete, insert, select, table, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from ctid.accounts.tables import branches
from ctid.crm import pinyin
from ctid.crm.search import Field, SearchQuery, gram_key, name_grams, phone_digits, rank
from ctid.crm.tables import customer_name_grams, customer_phones, customer_vehicles, customers, vehicles
from ctid.storage import copy_store

TABLE = "customer_search"
COLUMNS = {Field.NAME: "name", Field.PINYIN: "pinyin", Field.PHONE: "phones", Field.PLATE: "plates"}
COLUMNS[Field.VIN] = "vins"
CREATE = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "name, pinyin, phones, plates, vins, tokenize='trigram', detail='column')"
)
BATCH = 5000
_SEP_PHONE, _SEP_FIELD = "\x1e", "\x1f"
_SOURCE = f"""
SELECT c.id, c.name, c.kind,
  (SELECT group_concat(p.number || '{_SEP_FIELD}' || coalesce(p.e164, ''), '{_SEP_PHONE}')
     FROM customer_phones p WHERE p.customer_id = c.id),
  (SELECT group_concat(DISTINCT v.plate)
     FROM customer_vehicles l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.customer_id = c.id),
  (SELECT group_concat(DISTINCT v.vin)
     FROM customer_vehicles l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.customer_id = c.id)
FROM customers c
"""  # noqa: S608 - constants only
_INSERT = f"INSERT INTO {TABLE} (rowid, name, pinyin, phones, plates, vins) VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608
SERVER_TABLE = table(
    TABLE,
    column("customer_id", Integer),
    *(column(name, Text) for name in ("name", "pinyin", "phones", "plates", "vins")),
)
"""``customer_search`` on PostgreSQL: a plain table (ctid.migrations 0013), not on the metadata, as
SQLite's FTS5 table is not."""
_SERVER_KEYS = ("customer_id", "name", "pinyin", "phones", "plates", "vins")
GRAMS = customer_name_grams.name
_GRAMS_SOURCE = "SELECT id, branch_id, name FROM customers WHERE id > ? ORDER BY id LIMIT ?"
_GRAMS_INSERT = f"INSERT INTO {GRAMS} (customer_id, gram, branch_id) VALUES (?, ?, ?)"  # noqa: S608
_KEYS_SOURCE = "SELECT id, name, kind FROM customers WHERE id > ? ORDER BY id LIMIT ?"
_KEYS_UPDATE = "UPDATE customers SET name_key = ? WHERE id = ?"


@dataclass(frozen=True)
class SearchHit:
    id: int
    name: str
    kind: str
    branch_id: int
    phones: tuple[str, ...]  # as given
    plates: tuple[str, ...]
    matched: Field


class Driver(Protocol):
    """Plain SQL on a connection, whoever holds it (SQLAlchemy, or the stdlib in ctid.sampledata.bulk)."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]: ...

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None: ...


class _Alchemy:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return list(self._conn.exec_driver_sql(sql, tuple(params)).fetchall())

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._conn.exec_driver_sql(sql, rows)


class Stdlib:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self._conn.executemany(sql, rows)


# --- keeping the index ------------------------------------------------------------------------------------


async def refresh(conn: AsyncConnection, customer_ids: Iterable[int]) -> None:
    """Rewrite the search rows and name grams of these customers from the tables (a deleted customer's
    go)."""
    ids = sorted(set(customer_ids))
    if ids:
        await conn.run_sync(_refresh, ids)


def _refresh(conn: Connection, customer_ids: Sequence[int]) -> None:
    if conn.dialect.name == "sqlite":
        refresh_sync(_Alchemy(conn), customer_ids)
    else:
        refresh_server(conn, customer_ids)
    refresh_grams(conn, customer_ids)
    refresh_sort_keys(conn, customer_ids)


def refresh_sort_keys(conn: Connection, customer_ids: Sequence[int]) -> None:
    """Rewrite these customers' ``name_key`` where their name (or kind) gave it another."""
    people = select(customers.c.id, customers.c.name, customers.c.kind, customers.c.name_key)
    change = update(customers).where(customers.c.id == bindparam("b_id")).values(name_key=bindparam("b_key"))
    for start in range(0, len(customer_ids), BATCH):
        ids = list(customer_ids[start : start + BATCH])
        rows = [
            {"b_id": customer_id, "b_key": key}
            for customer_id, name, kind, old in conn.execute(people.where(customers.c.id.in_(ids)))
            if (key := _sort_key(name, kind)) != old
        ]
        if rows:
            conn.execute(change, rows)


def fill_sort_keys(driver: Driver, after_id: int = 0) -> int:
    """``name_key`` of every customer with an id above ``after_id`` (bulk data, the migration on SQLite),
    in batches by id; how many."""
    count = 0
    while people := driver.rows(_KEYS_SOURCE, (after_id, BATCH)):
        driver.many(
            _KEYS_UPDATE, [(_sort_key(name, kind), customer_id) for customer_id, name, kind in people]
        )
        count += len(people)
        after_id = int(people[-1][0])
    return count


def fill_sort_keys_connection(conn: Connection) -> int:
    """``fill_sort_keys`` on a SQLAlchemy connection (the migration's); on PostgreSQL through
    ``refresh_sort_keys``."""
    if conn.dialect.name == "sqlite":
        return fill_sort_keys(_Alchemy(conn))
    ids = list(conn.scalars(select(customers.c.id).order_by(customers.c.id)))
    refresh_sort_keys(conn, ids)
    return len(ids)


@lru_cache(maxsize=100_000)
def _sort_key(name: str, kind: str) -> str:
    return pinyin.sort_key(name, person=kind != "company")


def refresh_server(conn: Connection, customer_ids: Sequence[int]) -> None:
    """``refresh_sync`` on PostgreSQL: the same rows, read through Core (no ``group_concat`` there)."""
    for start in range(0, len(customer_ids), BATCH):
        ids = list(customer_ids[start : start + BATCH])
        conn.execute(delete(SERVER_TABLE).where(SERVER_TABLE.c.customer_id.in_(ids)))
        _insert_server_rows(conn, ids)


def fill_server(conn: Connection) -> int:
    """Index every customer on PostgreSQL (migration 0013), in batches by id; how many."""
    count, after = 0, 0
    while ids := list(
        conn.scalars(
            select(customers.c.id).where(customers.c.id > after).order_by(customers.c.id).limit(BATCH)
        )
    ):
        _insert_server_rows(conn, ids)
        count, after = count + len(ids), ids[-1]
    return count


def _insert_server_rows(conn: Connection, ids: list[int]) -> None:
    rows = [dict(zip(_SERVER_KEYS, row, strict=True)) for row in _server_rows(conn, ids)]
    if rows:
        conn.execute(insert(SERVER_TABLE), rows)


def _server_rows(conn: Connection, ids: list[int]) -> list[tuple[int, str, str, str, str, str]]:
    """The search rows of these customers, as ``_SOURCE`` and ``_search_row`` make them on SQLite."""
    phones: dict[int, list[str]] = defaultdict(list)
    phone_query = select(customer_phones.c.customer_id, customer_phones.c.number, customer_phones.c.e164)
    for customer_id, number, e164 in conn.execute(phone_query.where(customer_phones.c.customer_id.in_(ids))):
        phones[customer_id].append(f"{number}{_SEP_FIELD}{e164 or ''}")
    plates: dict[int, set[str]] = defaultdict(set)
    vins: dict[int, set[str]] = defaultdict(set)
    links = (
        select(customer_vehicles.c.customer_id, vehicles.c.plate, vehicles.c.vin)
        .join(vehicles, vehicles.c.id == customer_vehicles.c.vehicle_id)
        .where(customer_vehicles.c.customer_id.in_(ids))
    )
    for customer_id, plate, vin in conn.execute(links):
        plates[customer_id].add(plate)
        if vin:
            vins[customer_id].add(vin)
    people = select(customers.c.id, customers.c.name, customers.c.kind).where(customers.c.id.in_(ids))
    return [
        _search_row(
            customer_id,
            name,
            kind,
            _SEP_PHONE.join(phones[customer_id]) or None,
            ",".join(sorted(plates[customer_id])) or None,
            ",".join(sorted(vins[customer_id])) or None,
        )
        for customer_id, name, kind in conn.execute(people)
    ]


def refresh_grams(conn: Connection, customer_ids: Sequence[int]) -> None:
    """Rewrite these customers' name grams from their names. Written in the index's order, in batches of
    ``BATCH`` customers: an import's hundred thousand new customers then walk the ``(gram, ...)`` index
    once per batch instead of jumping to a random page per gram (twice as fast at a million customers)."""
    grams, people = customer_name_grams, select(customers.c.id, customers.c.branch_id, customers.c.name)
    for start in range(0, len(customer_ids), BATCH):
        ids = list(customer_ids[start : start + BATCH])
        conn.execute(delete(grams).where(grams.c.customer_id.in_(ids)))
        rows = _gram_rows(conn.execute(people.where(customers.c.id.in_(ids))))
        rows.sort(key=itemgetter(1, 2, 0))
        if not rows:
            continue
        if conn.dialect.name == "sqlite":
            # the driver's executemany: SQLAlchemy's handling of each row's parameters took longer than the
            # inserts themselves
            _Alchemy(conn).many(_GRAMS_INSERT, rows)
        else:
            keys = ("customer_id", "gram", "branch_id")
            conn.execute(insert(grams), [dict(zip(keys, row, strict=True)) for row in rows])


def refresh_sync(driver: Driver, customer_ids: Sequence[int]) -> None:
    for start in range(0, len(customer_ids), 500):
        ids = list(customer_ids[start : start + 500])
        marks = ",".join("?" * len(ids))
        driver.many(f"DELETE FROM {TABLE} WHERE rowid = ?", [(i,) for i in ids])  # noqa: S608
        rows = driver.rows(f"{_SOURCE} WHERE c.id IN ({marks})", ids)
        driver.many(_INSERT, [_search_row(*row) for row in rows])


def fill(driver: Driver, after_id: int = 0) -> int:
    """Index every customer with an id above ``after_id`` (the migration, bulk data); how many."""
    count = 0
    for batch in _batches(driver, after_id):
        driver.many(_INSERT, [_search_row(*row) for row in batch])
        count += len(batch)
    return count


async def rebuild(conn: AsyncConnection) -> int:
    """The search index (not the name grams, a plain table copied as it is) emptied and filled from the
    tables, on either backend, for a database whose rows were written behind the services' back (``ctid
    db copy``); how many customers. On PostgreSQL the rows go in with COPY: a million customers' rows
    through INSERTs took over ten minutes."""
    if conn.dialect.name == "sqlite":
        return await conn.run_sync(_rebuild_sqlite)
    await conn.execute(delete(SERVER_TABLE))
    count, after = 0, 0
    while ids := list(
        await conn.scalars(
            select(customers.c.id).where(customers.c.id > after).order_by(customers.c.id).limit(BATCH)
        )
    ):
        rows = await conn.run_sync(_server_rows, ids)
        await copy_store.copy_records(conn, TABLE, _SERVER_KEYS, rows)
        count, after = count + len(ids), ids[-1]
    return count


def _rebuild_sqlite(conn: Connection) -> int:
    conn.exec_driver_sql(f"DELETE FROM {TABLE}")  # noqa: S608 - a constant
    return fill_connection(conn)


def fill_connection(conn: Connection) -> int:
    """``fill`` on a SQLAlchemy connection (the migration's)."""
    return fill(_Alchemy(conn))


def fill_grams(driver: Driver, after_id: int = 0) -> int:
    """The name grams of every customer with an id above ``after_id`` (the migration, bulk data), written
    in key order (customer, gram): appended, not inserted page by page; how many grams."""
    count = 0
    while people := driver.rows(_GRAMS_SOURCE, (after_id, BATCH)):
        rows = _gram_rows(people)
        driver.many(_GRAMS_INSERT, rows)
        count += len(rows)
        after_id = int(people[-1][0])
    return count


def fill_grams_connection(conn: Connection) -> int:
    """``fill_grams`` on a SQLAlchemy connection (the migration's); other databases than SQLite, whose
    driver SQL is written for, through ``refresh_grams``."""
    if conn.dialect.name == "sqlite":
        return fill_grams(_Alchemy(conn))
    ids = list(conn.scalars(select(customers.c.id).order_by(customers.c.id)))
    refresh_grams(conn, ids)
    return len(ids)


def _gram_rows(people: Iterable[Sequence[Any]]) -> list[tuple[int, str, int]]:
    """(customer_id, gram, branch_id) of each (id, branch_id, name), in key order."""
    return [
        (int(customer_id), gram, int(branch_id))
        for customer_id, branch_id, name in people
        for gram in _grams(name)
    ]


@lru_cache(maxsize=8192)
def _grams(name: str) -> tuple[str, ...]:
    """A name's grams, sorted: common names repeat (张伟...); a small cache, as most names do not."""
    return tuple(sorted(name_grams(name)))


def _batches(driver: Driver, after_id: int) -> Iterator[list[Sequence[Any]]]:
    while batch := driver.rows(f"{_SOURCE} WHERE c.id > ? ORDER BY c.id LIMIT {BATCH}", (after_id,)):
        yield batch
        after_id = int(batch[-1][0])


def _search_row(
    customer_id: int, name: str, kind: str, phones: str | None, plates: str | None, vins: str | None
) -> tuple[int, str, str, str, str, str]:
    numbers = [phone.split(_SEP_FIELD) for phone in phones.split(_SEP_PHONE)] if phones else []
    digits = " ".join(phone_digits(number, e164) for number, e164 in numbers)
    return customer_id, name, _spelling(name, kind), digits, plates or "", vins or ""


@lru_cache(maxsize=100_000)
def _spelling(name: str, kind: str) -> str:
    """``initials full``: names repeat (张伟...), so each is read once."""
    initials, full = pinyin.spellings(name, person=kind != "company")
    return initials if initials == full else f"{initials} {full}"


# --- searching --------------------------------------------------------------------------------------------


def search(conn: Connection, query: SearchQuery, branch_id: int | None, limit: int) -> list[SearchHit]:
    """Customers matching ``query`` in ``branch_id`` (None: every branch), best first, at most ``limit``."""
    found: dict[int, Field] = {}
    if query.initials:
        found = _by_fragment(conn, query, branch_id, limit)
    if query.prefix:
        for customer_id, field in _by_name_prefix(conn, query.fragment, branch_id, limit).items():
            found.setdefault(customer_id, field)
        if query.grams and len(found) < limit:
            # names starting with the fragment hold it too: ask for as many more as were found
            for customer_id in _by_name_gram(conn, gram_key(query.fragment), branch_id, limit + len(found)):
                found.setdefault(customer_id, Field.NAME)
    else:
        found = _by_fragment(conn, query, branch_id, limit)
    return _hits(conn, dict(list(found.items())[:limit]))


def _by_fragment(conn: Connection, query: SearchQuery, branch_id: int | None, limit: int) -> dict[int, Field]:
    """Up to ``limit`` candidates per field, ranked: the field's order in the query, then an exact value,
    then a prefix, then the id. Each field's are read from the trigram index in id order, stopping at the
    limit; CROSS JOIN keeps the index the outer loop (else SQLite may scan the branch's customers and
    query the index once for each)."""
    ranked: list[tuple[tuple[int, int], int, Field]] = []
    for field in query.fields:
        found = (
            _fragment_sqlite(conn, query, COLUMNS[field], branch_id, limit)
            if conn.dialect.name == "sqlite"
            else _fragment_server(conn, query, COLUMNS[field], branch_id, limit)
        )
        for customer_id, value in found:
            ranked.append((rank(query, field, value), int(customer_id), field))
    best: dict[int, Field] = {}
    for _rank, customer_id, field in sorted(ranked, key=lambda r: (r[0], r[1])):
        best.setdefault(customer_id, field)
    return dict(list(best.items())[:limit])


def _fragment_sqlite(
    conn: Connection, query: SearchQuery, column: str, branch_id: int | None, limit: int
) -> list[Sequence[Any]]:
    scoped = "" if branch_id is None else "AND c.branch_id = ?"
    sql = (
        f"SELECT s.rowid, s.{column} FROM {TABLE} s CROSS JOIN customers c ON c.id = s.rowid "  # noqa: S608
        f"WHERE s.{column} LIKE ? {scoped} LIMIT ?"
    )
    params: list[Any] = [query.like, *([] if branch_id is None else [branch_id]), limit]
    return list(conn.exec_driver_sql(sql, tuple(params)))


def _fragment_server(
    conn: Connection, query: SearchQuery, column: str, branch_id: int | None, limit: int
) -> list[Sequence[Any]]:
    """As on SQLite: ILIKE (FTS5's LIKE ignores the case of latin letters), in id order."""
    s = SERVER_TABLE.c
    found = (
        select(s.customer_id, s[column])
        .join(customers, customers.c.id == s.customer_id)
        .where(s[column].ilike(query.like))
        .order_by(s.customer_id)
        .limit(limit)
    )
    if branch_id is not None:
        found = found.where(customers.c.branch_id == branch_id)
    return list(conn.execute(found))


def binary(conn: Connection, text: ColumnElement[str]) -> ColumnElement[str]:
    """``text`` compared and ordered by code point, as SQLite does: in the "C" collation on a server."""
    return text if conn.dialect.name == "sqlite" else text.collate("C")


def _by_name_prefix(conn: Connection, prefix: str, branch_id: int | None, limit: int) -> dict[int, Field]:
    """Names starting with ``prefix``, by name: a range of the ``(branch_id, name)`` index per branch."""
    branch = (
        customers.c.branch_id == branch_id
        if branch_id is not None
        else customers.c.branch_id.in_(select(branches.c.id).scalar_subquery())
    )
    name = binary(conn, customers.c.name)
    query = (
        select(customers.c.id)
        .where(branch, name >= prefix, name < prefix + "\U0010ffff")
        .order_by(name, customers.c.id)
        .limit(limit)
    )
    return {int(customer_id): Field.NAME for customer_id in conn.scalars(query)}


def _by_name_gram(conn: Connection, gram: str, branch_id: int | None, limit: int) -> list[int]:
    """The first ``limit`` customers, by id, whose name holds ``gram``: one range of the ``(gram,
    branch_id, customer_id)`` index per branch, cut at the limit, merged (admins: every branch)."""
    grams = customer_name_grams.c
    if branch_id is None:
        branch_ids = list(conn.scalars(select(branches.c.id).order_by(branches.c.id)))
    else:
        branch_ids = [branch_id]
    runs = [
        list(
            conn.scalars(
                select(grams.customer_id)
                .where(grams.gram == gram, grams.branch_id == branch)
                .order_by(grams.customer_id)
                .limit(limit)
            )
        )
        for branch in branch_ids
    ]
    return list(islice(heapq.merge(*runs), limit))


def _hits(conn: Connection, found: dict[int, Field]) -> list[SearchHit]:
    """The found customers with their phones and plates, in the order found."""
    if not found:
        return []
    ids = list(found)
    people = {
        row.id: row
        for row in conn.execute(
            select(customers.c.id, customers.c.name, customers.c.kind, customers.c.branch_id).where(
                customers.c.id.in_(ids)
            )
        )
    }
    phones: dict[int, list[str]] = defaultdict(list)
    phone_query = (
        select(customer_phones.c.customer_id, customer_phones.c.number)
        .where(customer_phones.c.customer_id.in_(ids))
        .order_by(customer_phones.c.customer_id, customer_phones.c.position, customer_phones.c.id)
    )
    for customer_id, number in conn.execute(phone_query):
        phones[customer_id].append(number)
    plates: dict[int, list[str]] = defaultdict(list)
    plate = binary(conn, vehicles.c.plate)
    plate_query = (
        select(customer_vehicles.c.customer_id, plate)
        .distinct()
        .join(vehicles, vehicles.c.id == customer_vehicles.c.vehicle_id)
        .where(customer_vehicles.c.customer_id.in_(ids))
        .order_by(customer_vehicles.c.customer_id, plate)
    )
    for customer_id, plate in conn.execute(plate_query):
        plates[customer_id].append(plate)
    return [
        SearchHit(
            id=customer_id,
            name=people[customer_id].name,
            kind=people[customer_id].kind,
            branch_id=people[customer_id].branch_id,
            phones=tuple(phones[customer_id]),
            plates=tuple(plates[customer_id]),
            matched=field,
        )
        for customer_id, field in found.items()
        if customer_id in people
    ]
