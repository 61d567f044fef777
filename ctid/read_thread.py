"""Latency-critical SQLite reads in one hop: a synchronous engine on the same file, used from its own threads.

Why: through aiosqlite every statement costs four trips between the event loop and the driver's thread
(cursor, execute, fetch, close, each ~0.1 ms on a small machine) plus one more to reset the connection, so
even a one-row lookup takes ~1 ms and its tail several. The caller-ID match runs on every ring and must
answer well under 1 ms; here a whole read function (any number of statements) costs one trip.

The connections are read-only (``query_only``): writes keep going through the async engine, one writer at
a time. Under WAL each statement sees everything committed before it started. Each keeps a page cache of
``CACHE_KIB`` (SQLite's default is 2 MB, less than the index pages of a million customers, so every pop
re-read some of them); the file itself is kept in memory (ctid.cache_warmer).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

T = TypeVar("T")
P = ParamSpec("P")
THREADS = 2
CACHE_KIB = 32 * 1024


class ReadThread:
    def __init__(self, engine: Engine, threads: int = THREADS) -> None:
        self._engine = engine
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db-read")

    @classmethod
    def for_url(cls, url: str, on_connect: Callable[[Any, Any], None]) -> ReadThread | None:
        """A reader for an SQLite file (``on_connect`` sets the pragmas), None for anything else: an
        in-memory database is private to its connection, and a server needs no thread."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
            return None
        sync_url = parsed.set(drivername="sqlite")
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

    def _call(self, read: Callable[[Connection], T]) -> T:
        with self._engine.connect() as conn:
            return read(conn)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._engine.dispose()


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()
