"""``ctid reminders run [--date YYYY-MM-DD]``: build a day's reminder queue now, as the daemon's daily job
and the worklist's button do. It builds the database and the queue's builder alone (no web, lines or
recorder to import), and may run beside the daemon: the build writes in short transactions and adds
nothing twice."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from ctid.audit.models import Actor
from ctid.cli.settings import load_config
from ctid.core.errors import CtidError
from ctid.reminders.build import BuildResult, QueueBuilder
from ctid.storage.db import Database


def run(args: argparse.Namespace) -> int:
    day = _day(args.date)
    loaded = load_config(args.config)
    loaded.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(loaded.database_url, keep_in_memory=False)
    builder = QueueBuilder(db, loaded.site.timezone)

    async def go() -> BuildResult:
        await db.start()
        try:
            return await builder.run(day, Actor.system("cli"))
        finally:
            await db.stop()

    result = asyncio.run(go())
    covered = f" (contact days {result.days[0]} to {result.days[-1]})" if len(result.days) > 1 else ""
    print(
        f"{result.day}{covered}: {result.added} reminder(s) added, {result.found} due found, "
        f"{result.expired} expired, {result.woken} back from a snooze, in {result.seconds:.1f} s"
    )
    return 0


def _day(written: str | None) -> date | None:
    if written is None:
        return None
    try:
        return date.fromisoformat(written) if len(written) == 10 else date.fromisoformat("x")
    except ValueError:
        raise CtidError(f"--date must be a day like 2026-12-08, got {written!r}") from None
