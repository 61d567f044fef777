"""``ctid db upgrade`` and ``ctid db backup``."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime

from ctid.cli.settings import load_config
from ctid.core.errors import CtidError
from ctid.storage.backup import backup as copy_database
from ctid.storage.backup import backup_path
from ctid.storage.db import Database, head_revision, sqlite_file


def upgrade(args: argparse.Namespace) -> int:
    loaded = load_config(args.config)
    loaded.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(loaded.database_url, keep_in_memory=False)

    async def migrate() -> None:
        await database.start()
        await database.stop()

    asyncio.run(migrate())
    print(f"database is at revision {head_revision()}")
    return 0


def backup(args: argparse.Namespace) -> int:
    loaded = load_config(args.config)
    source = sqlite_file(loaded.database_url)
    if source is None:
        raise CtidError("the database is not an SQLite file: back it up with its server's tools (pg_dump)")
    report = copy_database(source, backup_path(args.destination, datetime.now()))
    print(f"backed up {source} to {report.path}: {report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s")
    return 0
