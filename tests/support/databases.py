"""One fresh database per test, on SQLite or on the private PostgreSQL cluster.

On PostgreSQL each xdist worker migrates a template database once (``ctid_tmpl_<worker>``) and every test
gets a copy of it (CREATE DATABASE ... TEMPLATE, a file copy with fsync off): the migrations run once per
worker, not once per test, and no test sees another's rows.

The copies are made on one connection to the maintenance database kept by a thread of this worker (a
``psql`` process per statement cost ~40 ms each, three per test), one copy ahead of the test that takes
it, and dropped behind it: a test waits for neither (some 150 ms a test otherwise). Whatever is still being
dropped when the worker ends is awaited then.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from ctid.storage.db import Database

BASE_URL_ENV = "CTID_TEST_POSTGRES_URL"
"""The URL of the cluster's maintenance database (``postgres``), set by the controller for the workers."""

T = TypeVar("T")
_numbers = itertools.count(1)
_admins: dict[str, _Admin] = {}


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def sqlite_url(directory: Path, name: str = "ctid.sqlite3") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


_sqlite_template: list[Path] = []


def new_sqlite_database(directory: Path, name: str = "ctid.sqlite3") -> str:
    """The URL of a migrated SQLite file in ``directory``: a copy of this process's migrated template (the
    migrations from empty take ~0.15 s, a copy a millisecond)."""
    if not _sqlite_template:
        made = Path(tempfile.mkdtemp(prefix="ctid-sqlite-template-")) / "template.sqlite3"
        with ThreadPoolExecutor(1) as thread:  # the test's event loop may already be set on this one
            thread.submit(asyncio.run, _migrate(sqlite_url(made.parent, made.name))).result(300)
        _sqlite_template.append(made)
        atexit.register(shutil.rmtree, made.parent, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template[0], directory / name)
    return sqlite_url(directory, name)


def _with_database(base_url: str, name: str) -> str:
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


class _Admin:
    """This worker's connection to a cluster's maintenance database, on a loop in a thread of its own (the
    tests' own loops come and go)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="pg-admin", daemon=True).start()
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._drops: list[Future[None]] = []
        self._spare: Future[str] | None = None
        self.template = self._template()
        atexit.register(self.close)

    def _run(self, work: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _execute(self, sql: str) -> None:
        async with self._lock:  # one statement at a time on the one connection
            if self._conn is None:
                url = make_url(self.base_url)
                self._conn = await asyncpg.connect(
                    host=str(url.query["host"]),
                    port=int(str(url.query.get("port", "5432"))),
                    user=url.username or "postgres",
                    password=url.password,
                    database=url.database or "postgres",
                )
            await self._conn.execute(sql)

    def _template(self) -> str:
        name = f"ctid_tmpl_{worker()}_{os.getpid()}"
        self._run(self._execute(f"DROP DATABASE IF EXISTS {name}")).result(60)
        self._run(self._execute(f"CREATE DATABASE {name}")).result(60)
        # In a thread of its own: the test's event loop may already be set on this one.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _migrate(self.url(name))).result(300)
        return name

    def url(self, name: str) -> str:
        return _with_database(self.base_url, name)

    async def _copy(self) -> str:
        name = f"ctid_{worker()}_{os.getpid()}_{next(_numbers)}"
        await self._execute(f"CREATE DATABASE {name} TEMPLATE {self.template} STRATEGY FILE_COPY")
        return name

    def empty(self) -> str:
        """A new database with nothing in it, not even the migrations."""
        name = f"ctid_empty_{worker()}_{os.getpid()}_{next(_numbers)}"
        self._run(self._execute(f"CREATE DATABASE {name}")).result(60)
        return name

    def new(self) -> str:
        """A new database's name: the one made ahead, and the next one started."""
        spare = self._spare or self._run(self._copy())
        self._spare = self._run(self._copy())
        return spare.result(60)

    def drop(self, name: str) -> None:
        self._drops.append(self._run(self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")))

    def close(self) -> None:
        """The drops under way and the spare's, awaited; the connection closed. Once."""
        atexit.unregister(self.close)
        if self._spare is not None:
            self.drop(self._spare.result(60))
            self._spare = None
        self.drop(self.template)
        for dropped in self._drops:
            dropped.result(60)
        self._drops.clear()
        if self._conn is not None:
            self._run(self._conn.close()).result(30)
            self._conn = None


async def _migrate(url: str) -> None:
    database = Database(url)
    await database.start()
    await database.stop()


def _admin(base_url: str) -> _Admin:
    if base_url not in _admins:
        _admins[base_url] = _Admin(base_url)
    return _admins[base_url]


def new_postgres_database(base_url: str) -> tuple[str, str]:
    """(name, URL) of a new, migrated, empty database."""
    admin = _admin(base_url)
    name = admin.new()
    return name, admin.url(name)


def new_empty_postgres_database(base_url: str) -> tuple[str, str]:
    """(name, URL) of a new database that was never migrated (``ctid db copy`` migrates it)."""
    admin = _admin(base_url)
    name = admin.empty()
    return name, admin.url(name)


def drop_postgres_database(base_url: str, name: str) -> None:
    """Dropped in the background: the next test need not wait for it."""
    _admin(base_url).drop(name)


def close_all() -> None:
    """At the end of this process's tests: every drop done, the template too, the connections closed."""
    while _admins:
        _admins.popitem()[1].close()
