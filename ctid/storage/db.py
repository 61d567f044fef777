"""Storage engine: SQLAlchemy Core over aiosqlite (default) or asyncpg, migrated by Alembic at start-up.

SQLite is tuned for a daemon that writes a row at every call stage while the web reads: WAL (readers never
block the writer), foreign keys on, a busy timeout instead of instant "database is locked", NORMAL sync
(durable at checkpoints, safe with WAL). Times are stored in UTC and converted only for display.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, DateTime, MetaData, Select, column, event, func, select, table
from sqlalchemy.engine import Dialect, RowMapping, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

from ctid.core.paging import Page, PageRequest
from ctid.storage.cache_warmer import CacheWarmer
from ctid.storage.read_thread import ReadThread

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")

MIGRATIONS = Path(__file__).parents[1] / "migrations"
WRITE_RETRY_FIRST_S = 0.5
WRITE_RETRY_MAX_S = 5.0
IMMEDIATE_LOCK = 0x63746964  # "ctid": the advisory lock of Database.begin(immediate=True) on PostgreSQL
BUSY_TIMEOUT_MS = 10_000
"""How long a write waits for another's lock before it fails as transient (SQLite's busy timeout,
PostgreSQL's lock_timeout)."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def fetch_page(
    conn: AsyncConnection,
    query: Select[Any],
    order_by: list[Any],
    request: PageRequest,
    convert: Callable[[RowMapping], T],
) -> Page[T]:
    """One page of a query's rows (converted) and the total count, for every paginated list."""
    total = await conn.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = await conn.execute(query.order_by(*order_by).limit(request.per_page).offset(request.offset))
    return Page([convert(row) for row in rows.mappings()], int(total or 0), request)


def create_engine(url: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> AsyncEngine:
    """An engine with the SQLite pragmas (or the server session's settings) applied to every new connection;
    a write waits ``busy_timeout_ms`` for another's lock."""
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, connect_args={"timeout": 10})
        event.listen(
            engine.sync_engine, "connect", functools.partial(_sqlite_pragmas, busy_ms=busy_timeout_ms)
        )
        return engine
    engine = create_async_engine(url, pool_pre_ping=True)
    event.listen(engine.sync_engine, "connect", functools.partial(_server_session, busy_ms=busy_timeout_ms))
    return engine


def _server_session(dbapi_connection: Any, _record: Any, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
    """A server's sessions in UTC, whatever its own time zone (a Chinese shop's is Asia/Shanghai): times
    are stored and computed in UTC as on SQLite, so a cast to a date, a day's bounds or a migration's text
    timestamp mean the same on both backends. A lock held elsewhere (an admin's ``LOCK TABLE``, a long
    transaction) is waited for as long as SQLite's busy timeout, then the write fails as transient: a 503
    to retry, a call stage retried; not a request hanging for as long as the lock is held."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.execute(f"SET lock_timeout = {int(busy_ms)}")
    cursor.close()
    dbapi_connection.commit()  # the driver ran them in a transaction: one rolled back would undo them


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL; None for an in-memory database or another server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _ensure_sqlite_dir(url: str) -> None:
    if (path := sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_ms: int = BUSY_TIMEOUT_MS) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        f"busy_timeout={int(busy_ms)}",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _alembic_config(connection: Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """Apply pending migrations; returns (revision before, revision after).

    On SQLite, foreign keys are off while they run: a migration in batch mode rebuilds a table (copy, drop,
    rename), and dropping ``customers`` with foreign keys on would cascade to every customer's phones,
    vehicles links and follow-ups. The keys are checked once the migrations are done (when there were any).

    A database already at the newest revision (every start but the first after an update) is told by one
    read of ``alembic_version``: Alembic, its migration scripts and the schema they import (a third of a
    second of a start) are loaded only when there is something to migrate.
    """
    async with engine.connect() as conn:
        stamped = await conn.run_sync(_stamped_revision)
    if stamped is not None and stamped == head_revision():
        return stamped, stamped
    from alembic import command

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # outside a transaction, or SQLite ignores it
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                before = await conn.run_sync(_current_revision)
                await conn.run_sync(lambda sync: command.upgrade(_alembic_config(sync), "head"))
                after = await conn.run_sync(_current_revision)
                checked = sqlite and before != after  # a full scan: seconds at a million customers
                if checked and (broken := (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first()):
                    raise RuntimeError(f"migration to {after} broke a foreign key: {tuple(broken)}")
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
    if before != after:
        log.info("database migrated from %s to %s", before or "empty", after)
    return before, after


_SERVER_TRANSIENT = (
    "08",  # connection exception
    "25006",  # read-only transaction: a standby while the primary fails over
    "40001",  # serialization failure
    "40P01",  # deadlock detected
    "53",  # insufficient resources: disk full, out of memory, too many connections
    "55P03",  # lock not available: past lock_timeout
    "57P",  # operator intervention: the server shutting down or restarting
)
"""PostgreSQL SQLSTATEs (classes and codes) of a write that may work later."""

_SQLITE_TRANSIENT = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY",
)


def transient(error: DBAPIError) -> bool:
    """A write that may work later: SQLite busy, locked, full, read-only or failing I/O; PostgreSQL past
    its lock timeout, in a deadlock or a serialization failure, full, restarting; a lost connection; not a
    constraint, a missing table or another bug."""
    code = getattr(error.orig, "sqlite_errorname", None)
    if code is not None:
        return str(code).startswith(_SQLITE_TRANSIENT)
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return str(state).startswith(_SERVER_TRANSIENT) or error.connection_invalidated
    return isinstance(error, OperationalError) or error.connection_invalidated


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


_ALEMBIC_VERSION = table("alembic_version", column("version_num"))


def _stamped_revision(connection: Connection) -> str | None:
    """The database's one revision; None when it has none yet, or not exactly one (Alembic sorts it out)."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    stamped = connection.execute(select(_ALEMBIC_VERSION.c.version_num)).scalars().all()
    return str(stamped[0]) if len(stamped) == 1 else None


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(None|[\"']([^\"']+)[\"'])\s*$", re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration's revision: what every start compares the database with."""
    if (head := _straight_line_head()) is not None:
        return head
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _straight_line_head() -> str | None:
    """The head read from the scripts' ``revision`` and ``down_revision`` lines, without loading Alembic.
    None when they are not one straight line of single-parent revisions: then Alembic, which knows branches
    and merges, decides (a test holds this to Alembic's own head)."""
    revisions, parents = set(), set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        parents.add(down[0][1] or None)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(revisions) == len(parents) else None


class Database:
    """The engine as a component: opened and migrated at start, disposed at stop."""

    name = "database"

    def __init__(
        self, url: str, *, keep_in_memory: bool = True, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.url = url
        self._keep_in_memory = keep_in_memory
        self._busy_timeout_ms = busy_timeout_ms
        self._engine: AsyncEngine | None = None
        self._reader: ReadThread | None = None
        self._warmer: CacheWarmer | None = None
        self.write_problem: str | None = None
        """Why writes fail now (locked by another program, disk full), for /healthz; None when they work."""
        self._failing_since = 0.0

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``: what the System page and the backups need to know."""
        return make_url(self.url).get_backend_name()

    async def size_bytes(self) -> int | None:
        """A server database's size on its disk; None for SQLite (its file is measured where it lies)."""
        if self.backend != "postgresql":
            return None
        async with self.connect() as conn:
            return int(await conn.scalar(select(func.pg_database_size(func.current_database()))) or 0)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("database is not started")
        return self._engine

    async def start(self) -> None:
        self._engine = create_engine(self.url, self._busy_timeout_ms)
        await upgrade(self._engine)
        if (path := sqlite_file(self.url)) is not None:
            pragmas = functools.partial(_sqlite_pragmas, busy_ms=self._busy_timeout_ms)
            self._reader = ReadThread.for_sqlite_file(self.url, pragmas)
            if self._keep_in_memory:
                self._warmer = CacheWarmer(path)
                self._warmer.start()

    async def stop(self) -> None:
        if self._warmer is not None:
            self._warmer.stop()
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
        if self._warmer is not None:  # last: its descriptors of the file must outlive SQLite's
            self._warmer.close()
            self._warmer = None

    @asynccontextmanager
    async def begin(self, immediate: bool = False) -> AsyncIterator[AsyncConnection]:
        """One short write transaction: committed on success, rolled back on any error.

        ``immediate``: for a change that checks before it writes (is this visit still open, may this
        prospect still be won), take SQLite's write lock at the start (BEGIN IMMEDIATE) rather than at the
        first write. The driver runs the reads before that write outside any transaction, so two requests
        at once could both find the visit open and both close it (two mileage readings, two follow-ups).
        Not the default: a transaction that mostly reads would wait for every writer.

        On PostgreSQL the same order comes from one transaction-scoped advisory lock that every immediate
        transaction takes first: they run one after another, as under SQLite's write lock, and each of
        their statements (READ COMMITTED) sees what the one before committed. A row lock (``FOR UPDATE``)
        would need each caller to name its rows, a missed one a race again; SERIALIZABLE would fail the
        losers with an error to retry instead of refusing them as a later request alone would be (409).
        These transactions last milliseconds; past ``lock_timeout`` a waiter fails as transient (503)."""
        async with self.engine.begin() as conn:
            if immediate and conn.dialect.name == "sqlite":
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif immediate:
                await conn.execute(select(func.pg_advisory_xact_lock(IMMEDIATE_LOCK)))
            yield conn

    async def write(self, work: Callable[[AsyncConnection], Awaitable[T]], what: str) -> T:
        """``work(conn)`` in one transaction, tried again until the database takes it.

        For what must not be lost (a call's stages, a recording's row): a database locked by another program
        for longer than the busy timeout (an admin's ``sqlite3`` shell, a backup) or a full disk fails the
        write; it is retried every few seconds, in order, and the failure is logged once and shown on
        /healthz until a write succeeds. Errors that a retry cannot fix (a constraint, a bug) are raised.
        """
        delay, began = WRITE_RETRY_FIRST_S, time.monotonic()  # the first try may wait out the busy timeout
        while True:
            try:
                async with self.begin() as conn:
                    result = await work(conn)
            except DBAPIError as error:
                if not transient(error):
                    raise
                self._write_failed(what, error, began)
                await asyncio.sleep(delay)
                delay = min(delay * 2, WRITE_RETRY_MAX_S)
                continue
            self._write_worked()
            return result

    def _write_failed(self, what: str, error: DBAPIError, began: float) -> None:
        problem = str(error.orig or error).splitlines()[0][:200]
        if self.write_problem is None:
            self._failing_since = began
            log.error(
                "database: cannot write %s (%s); retrying until it works, nothing is dropped", what, problem
            )
        elif problem != self.write_problem:
            log.error("database: still cannot write %s, now: %s", what, problem)
        self.write_problem = problem

    def _write_worked(self) -> None:
        if self.write_problem is not None:
            log.warning(
                "database: writable again after %.1f s (was: %s)",
                time.monotonic() - self._failing_since,
                self.write_problem,
            )
            self.write_problem = None

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads."""
        async with self.engine.connect() as conn:
            yield conn

    def read(
        self, read: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kw: P.kwargs
    ) -> Awaitable[T]:
        """Run ``read(conn, *args, **kw)`` on a synchronous read-only connection, all of it in one trip.

        For what must answer within a millisecond (the screen pop's lookup): on an SQLite file it runs in
        a reader thread (see ctid.storage.read_thread), elsewhere on an async connection through ``run_sync``.
        Not a coroutine function: the read is handed to the thread at the call, not when it is awaited, so
        a caller in a synchronous event handler starts it without waiting for a task to be scheduled.
        """
        if self._reader is not None:
            return self._reader.run(read, *args, **kw)
        return asyncio.ensure_future(self._read_async(lambda conn: read(conn, *args, **kw)))

    async def kept_in_memory(self) -> None:
        """Until the file has been kept in memory (or that was skipped); at once when it is not kept."""
        if self._warmer is not None:
            await asyncio.to_thread(self._warmer.warm.wait)

    def read_here(
        self, read: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kw: P.kwargs
    ) -> Awaitable[T]:
        """``read`` on the event loop itself when it cannot wait for anything: an SQLite file kept in memory,
        read on a connection that never waits for a lock (ReadThread.run_here); otherwise as ``read``.
        Only for reads of a fraction of a millisecond that must answer at once (the screen pop's)."""
        if self._reader is not None and self._warmer is not None and self._warmer.resident():
            return self._reader.run_here(read, *args, **kw)
        return self.read(read, *args, **kw)

    async def _read_async(self, read: Callable[[Connection], T]) -> T:
        """Without a transaction, as SQLite's reader thread reads (its driver begins one only to write):
        on a server BEGIN and ROLLBACK were two round trips of the pop's dozen."""
        async with self.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return await autocommit.run_sync(read)

    async def ping(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            log.exception("database ping failed")
            return False
        return True
