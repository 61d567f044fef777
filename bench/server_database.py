"""The benches on PostgreSQL (``--database-url postgresql+asyncpg://user@host/NAME``): the million customers
moved once from the SQLite cache file into a cache database on the server, then every run on a fresh copy.

- The SQLite cache file (``ctid-bench/crm-<customers>.sqlite3``, ``ctid.sampledata.bulk``'s, as on SQLite) is
  copied into ``ctid_bench_crm_<customers>`` on the same server with ``ctid db copy``'s own code
  (``ctid.storage.copying``: COPY, indexes rebuilt, counts checked), once; the time is printed. The
  generator writes SQLite only: the copy is how its rows reach a server, as a shop's do.
- Every run drops and creates database ``NAME`` as a copy of that cache (``CREATE DATABASE ... TEMPLATE``):
  ``NAME`` is the bench's own, whatever it held is gone. The user needs ``CREATEDB``.
- The ids are the cache file's (the copy keeps them), so the benches draw their numbers, queries and
  customer ids from the SQLite file, read-only, as on SQLite.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ctid.copy_plan import PLAN
from ctid.storage.copying import CopyPrinter, copy_database


def is_server(url: str | None) -> bool:
    return bool(url) and make_url(str(url)).get_backend_name() != "sqlite"


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _customers_in_file(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM customers").fetchone()[0])


async def fresh_copy(url: str, cache_file: Path, customers: int) -> str:
    """``url``'s database made anew as a copy of the server's cache of ``customers`` (filled from
    ``cache_file`` first when missing or not the file's); returns ``url``."""
    name = make_url(url).database
    cache = f"ctid_bench_crm_{customers}"
    if not name or name == cache:
        raise SystemExit(f"--database-url must name a database of the bench's own, not {name or 'none'}")
    admin = create_async_engine(_with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            found = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": cache})
            version = int(await conn.scalar(text("SHOW server_version_num")) or 0)
        if not found or not await _cache_matches(_with_database(url, cache), cache_file):
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {cache} WITH (FORCE)")
                await conn.exec_driver_sql(f"CREATE DATABASE {cache}")
            print(f"copying {cache_file} into the server's {cache} (once) ...", flush=True)
            began = time.monotonic()
            source = f"sqlite+aiosqlite:///{cache_file}"
            report = await copy_database(
                source, _with_database(url, cache), PLAN, CopyPrinter(sys.stderr, 30).progress
            )
            rows = sum(report.rows.values())
            print(f"  {rows:,} rows in {time.monotonic() - began:.0f} s (ctid db copy)", flush=True)
        began = time.monotonic()
        strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {cache}{strategy}")
        print(f"database {name}: a copy of {cache} in {time.monotonic() - began:.1f} s", flush=True)
    finally:
        await admin.dispose()
    return url


async def _cache_matches(cache_url: str, cache_file: Path) -> bool:
    """The cache database holds the file's customers (not an older file's, not a copy cut short)."""
    engine = create_async_engine(cache_url)
    try:
        async with engine.connect() as conn:
            stored = int(await conn.scalar(text("SELECT count(*) FROM customers")) or 0)
    except Exception:  # no tables: a copy that never got going
        return False
    finally:
        await engine.dispose()
    return stored == _customers_in_file(cache_file)


def database_section(url: str) -> str:
    """The daemon's config for it (TOML)."""
    return f'[database]\nurl = "{url}"\n'
