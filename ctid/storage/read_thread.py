"""Latency-critical SQLite reads in one hop: a synchronous engine on the same file, used from its own threads.

Why: through aiosqlite every statement costs four trips between the event loop and the driver's thread
(cursor, execute, fetch, close, each ~0.1 ms on a small machine) plus one more to reset the connection, so
even a one-row lookup takes ~1 ms and its tail several. The caller-ID match runs on every ring and must
answer well under 1 ms; here a whole read function (any number of statements) costs one trip.

The connections are read-only (``query_only``): writes keep going through the async engine, one writer at
a time. Under WAL each statement sees everything committed before it started. Each keeps a page cache of
``CACHE_KIB`` (SQLite's default is 2 MB, less than the index pages of a million customers, so every pop
re-read some of them); the file itself is kept in memory (ctid.storage.cache_warmer).
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

T = TypeVar("T")
P = ParamSpec("P")
THREADS = 2
CACHE_KIB = 32 * 1024


class ReadThread:
    def __init__(self, engine: Engine, threads: int = THREADS) -> None:
        self._engine = engine
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db-read")
        self._here: Connection | None = None

    @classmethod
    def for_sqlite_file(cls, url: str, on_connect: Callable[[Any, Any], None]) -> ReadThread:
        """A reader for the SQLite file of ``url`` (``on_connect`` sets the pragmas). Only for a file: an
        in-memory database is private to its connection, and a server needs no thread."""
        sync_url = make_url(url).set(drivername="sqlite")
        engine = create_engine(sync_url, connect_args={"timeout": 10, "check_same_thread": False})
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "connect", _read_only)
        return cls(engine)

    def run(
        self, read: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kw: P.kwargs
    ) -> asyncio.Future[T]:
        """``read(connection, *args, **kw)`` in a reader thread, handed over now."""
        call = functools.partial(self._call, lambda conn: read(conn, *args, **kw))
        return asyncio.get_running_loop().run_in_executor(self._executor, call)

    def run_here(
        self, read: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kw: P.kwargs
    ) -> asyncio.Future[T]:
        """``read`` on the calling thread (the event loop's), on a connection that never waits for a lock
        (``busy_timeout`` 0): when SQLite would have to wait, the read goes to a reader thread instead.

        Only for short indexed reads of pages kept in memory (ctid.storage.cache_warmer), such as a pop's:
        they take ~0.2 ms, less than handing them to a thread and back (a thread wake, two GIL hand-overs and
        the loop's wake-up, 1-3 ms on a busy 2-core machine).
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        conn = self._here_connection()
        try:
            future.set_result(read(conn, *args, **kw))
        except (OperationalError, sqlite3.OperationalError) as error:
            if not _busy(error):
                raise
            return self.run(read, *args, **kw)
        finally:
            conn.rollback()
        return future

    def _here_connection(self) -> Connection:
        if self._here is None:
            self._here = self._engine.connect()
            self._here.exec_driver_sql("PRAGMA busy_timeout=0")
            self._here.rollback()
        return self._here

    def _call(self, read: Callable[[Connection], T]) -> T:
        with self._engine.connect() as conn:
            return read(conn)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._here is not None:
            self._here.close()
            self._here = None
        self._engine.dispose()


def _busy(error: Exception) -> bool:
    """SQLite's "database is locked" / "database table is locked" (SQLITE_BUSY, SQLITE_LOCKED)."""
    return "locked" in str(error) or "busy" in str(error)


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()
