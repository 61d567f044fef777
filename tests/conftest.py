"""Suite-wide markers, and the database every database test runs on.

The suite runs in three passes (quickstart.sh): everything else in parallel on every core, then the tests
marked ``realtime`` (tests/realtime.txt). Those measure time against the wall clock (a real daemon's pop
within 3 s, a line up again after an unplug, a disk filling mid-call) and run two at a time, as a shop's
shared box would run the daemon; or they keep pace with audio played in real time (PyAudio reading a sound
card sample for sample, marked ``alone`` too) and run with no neighbour, which they would measure instead
of ctid.

Database tests take the ``database_url`` fixture and run once per backend: SQLite, and PostgreSQL on a
private cluster that the first pytest process starts (``--postgres=auto``: Debian's PostgreSQL 15 server,
initdb and pg_ctl as the ``postgres`` user), or on a cluster of yours (``--postgres=postgresql+asyncpg://...``
to its maintenance database), or not at all (``--postgres=off``). ``-m postgresql`` / ``-m "not postgresql"``
pick one. A test about SQLite itself (its file, its locks, its online backup) that needs a fixture built on
``database_url`` is marked ``sqlite_only``; one that needs no such fixture takes an SQLite file of its own.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import databases
from tests.support.postgres import BIN, Cluster, ClusterError, start_cluster

REALTIME_LIST = Path(__file__).with_name("realtime.txt")


def _realtime() -> dict[str, str]:
    """Path prefix -> ``alone`` or ``paired``, from tests/realtime.txt (which quickstart.sh reads too)."""
    entries = (line.split("#", 1)[0].split() for line in REALTIME_LIST.read_text().splitlines())
    return {entry[0]: entry[1] for entry in entries if entry}


REALTIME = _realtime()

_cluster: list[Cluster] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        default="auto",
        help="database tests on PostgreSQL too: auto (a private cluster of Debian's postgresql 15), off, "
        "or the URL of a cluster's maintenance database (postgresql+asyncpg://user@host/postgres)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """In the first process only (xdist workers inherit the URL through the environment)."""
    if hasattr(config, "workerinput") or databases.BASE_URL_ENV in os.environ:
        return
    choice = config.getoption("--postgres")
    if choice == "off":
        return
    if choice != "auto":
        os.environ[databases.BASE_URL_ENV] = choice
        return
    if not (BIN / "initdb").exists() and not os.environ.get("CI"):
        return  # a developer's machine without the server: SQLite only (CI must have it)
    try:
        _cluster.append(start_cluster())
    except ClusterError as error:
        problem = f"cannot start PostgreSQL for the tests: {error} (or use --postgres=off)"
        raise pytest.UsageError(problem) from error
    os.environ[databases.BASE_URL_ENV] = _cluster[0].url()


def pytest_unconfigure(config: pytest.Config) -> None:
    try:
        databases.close_all()
    finally:  # the cluster stops even when a drop failed
        while _cluster:
            _cluster.pop().stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(databases.BASE_URL_ENV) and not metafunc.definition.get_closest_marker("sqlite_only"):
        backends.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql))
    if "database_backend" in metafunc.fixturenames:
        metafunc.parametrize("database_backend", backends, indirect=True)
    if "module_database_backend" in metafunc.fixturenames:
        metafunc.parametrize("module_database_backend", backends, indirect=True, scope="module")


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def module_database_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def module_database_url(
    module_database_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database for all of a module's tests, on each backend in turn: for the live sites of the fuzz
    tests, built once per module (a site per hypothesis example would cost seconds each)."""
    if module_database_backend == "sqlite":
        yield databases.new_sqlite_database(tmp_path_factory.mktemp("db"))
        return
    base = os.environ[databases.BASE_URL_ENV]
    name, url = databases.new_postgres_database(base)
    yield url
    databases.drop_postgres_database(base, name)


@pytest.fixture
def new_database_url(database_backend: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes fresh, migrated databases for this test alone, on the backend of this run of it (copies of a
    template migrated once per process, on either backend)."""
    base = os.environ.get(databases.BASE_URL_ENV, "")
    sqlite_files = (f"ctid-{n}.sqlite3" if n else "ctid.sqlite3" for n in itertools.count())
    made: list[str] = []  # the PostgreSQL databases, dropped after the test

    def new() -> str:
        if database_backend == "sqlite":
            return databases.new_sqlite_database(tmp_path, next(sqlite_files))
        name, url = databases.new_postgres_database(base)
        made.append(name)
        return url

    yield new
    for name in made:
        databases.drop_postgres_database(base, name)


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for a test that compares the backends (mark it
    ``postgresql``); skipped when the run has no PostgreSQL."""
    base = os.environ.get(databases.BASE_URL_ENV)
    if not base:
        pytest.skip("no PostgreSQL in this run (--postgres=off)")
    name, url = databases.new_postgres_database(base)
    yield url
    databases.drop_postgres_database(base, name)


@pytest.fixture
def database_url(new_database_url: Callable[[], str]) -> str:
    """A fresh, migrated database for this test alone, on the backend of this run of it."""
    return new_database_url()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix()
        for prefix, how in REALTIME.items():
            if where.startswith(prefix):
                item.add_marker(pytest.mark.realtime)
                if how == "alone":
                    item.add_marker(pytest.mark.alone)
