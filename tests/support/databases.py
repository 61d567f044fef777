"""One fresh database per test, on SQLite or on the private PostgreSQL cluster.

On PostgreSQL each xdist worker migrates a template database once (``ctid_tmpl_<worker>``) and every test
gets a copy of it (CREATE DATABASE ... TEMPLATE, a file copy of a few milliseconds with fsync off): the
migrations run once per worker, not once per test, and no test sees another's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import make_url

from ctid.db import Database

BASE_URL_ENV = "CTID_TEST_POSTGRES_URL"
"""The URL of the cluster's maintenance database (``postgres``), set by the controller for the workers."""

_numbers = itertools.count(1)
_templates: dict[str, str] = {}


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def sqlite_url(directory: Path, name: str = "ctid.sqlite3") -> str:
    return f"sqlite+aiosqlite:///{directory / name}"


def _psql(base_url: str, sql: str) -> None:
    url = make_url(base_url)
    host, port = str(url.query["host"]), str(url.query.get("port", "5432"))
    command = ["psql", "-h", host, "-p", port, "-U", "postgres", "-d", "postgres", "-qv", "ON_ERROR_STOP=1"]
    result = subprocess.run([*command, "-c", sql], capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"psql {sql!r}: {result.stderr.strip()}")


def _with_database(base_url: str, name: str) -> str:
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def _template(base_url: str) -> str:
    """This worker's migrated template database, made at its first use."""
    if base_url not in _templates:
        name = f"ctid_tmpl_{worker()}"
        _psql(base_url, f"DROP DATABASE IF EXISTS {name}")
        _psql(base_url, f"CREATE DATABASE {name}")
        # In a thread of its own: the test's event loop may already be set on this one.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, _migrate(_with_database(base_url, name))).result()
        _templates[base_url] = name
    return _templates[base_url]


async def _migrate(url: str) -> None:
    database = Database(url)
    await database.start()
    await database.stop()


def new_postgres_database(base_url: str) -> tuple[str, str]:
    """(name, URL) of a new, migrated, empty database."""
    template = _template(base_url)
    name = f"ctid_{worker()}_{next(_numbers)}"
    _psql(base_url, f"DROP DATABASE IF EXISTS {name}")
    _psql(base_url, f"CREATE DATABASE {name} TEMPLATE {template}")
    return name, _with_database(base_url, name)


def drop_postgres_database(base_url: str, name: str) -> None:
    _psql(base_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
