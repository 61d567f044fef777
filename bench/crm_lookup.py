"""Screen-pop lookups on a big customer base: CustomerDirectory.match() and card() latency.

    .venv/bin/python bench/crm_lookup.py [--db PATH] [--customers 1000000] [--lookups 2000] [--seed 1]

Generates the customers with ``ctid.sampledata.bulk`` (migrated first through ``ctid.storage.db``) into
``--db`` (default: ``ctid-bench/crm-<customers>.sqlite3`` in the temp dir), or reuses that file when it
already holds them. Then, through the real ``Database`` and ``CustomerDirectory`` (the reader thread
included):

- ``match`` of ``--lookups`` random stored numbers (target p99 < 1 ms), and of as many unknown numbers;
- ``card`` of the first candidate of each (target: a few ms);
- both together, as a pop does them.

Each call is awaited alone and timed with ``perf_counter`` around the ``await``: the figures include the
event loop's and the thread hop's share, as the pop sees them.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctid.core.phone import PhoneNormaliser
from ctid.crm.service import CustomerDirectory
from ctid.sampledata import bulk
from ctid.storage.db import Database

MATCH_TARGET_MS = 1.0
CARD_TARGET_MS = 5.0
WARMUP = 200


def stored_customers(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(path)) as conn:
            return int(conn.execute("SELECT count(*) FROM customers").fetchone()[0])
    except sqlite3.Error:
        return 0


async def prepare(path: Path, customers: int, seed: int) -> None:
    """Reuse the file if it holds enough customers, else build it anew."""
    if (found := stored_customers(path)) >= customers:
        print(f"reusing {path} ({found:,} customers)")
        await migrate(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.start()
    await db.stop()
    print(f"generating {customers:,} customers into {path} ...", flush=True)
    stats = bulk.generate(path, customers=customers, seed=seed)
    rows = f"{stats.phones:,} phones, {stats.vehicles:,} vehicles, {stats.links:,} links"
    rest = f"{stats.visits:,} visits, {stats.items:,} items, {stats.follow_ups:,} follow-ups"
    size = stored_size(path)
    print(f"  {stats.customers:,} customers, {rows}, {rest} in {stats.seconds:.1f} s ({size:,.0f} MB)")


async def migrate(path: Path) -> None:
    """Bring a file made by an older ctid to the current schema once, not in every run's copy."""
    began = time.monotonic()
    db = Database(f"sqlite+aiosqlite:///{path}", keep_in_memory=False)
    await db.start()
    await db.stop()
    if (seconds := time.monotonic() - began) > 1:
        print(f"  migrated to the current schema in {seconds:.1f} s")


def stored_size(path: Path) -> float:
    return path.stat().st_size / 2**20


async def timed(calls: list[Callable[[], Awaitable[object]]]) -> list[float]:
    """Milliseconds per call, each awaited alone."""
    times = []
    for call in calls:
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(label: str, times: list[float], target_ms: float | None = None) -> bool:
    ordered = sorted(times)
    p50, p99 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    p90 = ordered[int(len(ordered) * 0.9)]
    verdict = (
        ""
        if target_ms is None
        else f"  target p99 < {target_ms:g} ms: {'met' if p99 < target_ms else 'NOT met'}"
    )
    figures = f"p50 {p50:.3f}  p90 {p90:.3f}  p99 {p99:.3f}  max {ordered[-1]:.3f} ms"
    print(f"{label:28s} n={len(ordered):5d}  {figures}{verdict}")
    return target_ms is None or p99 < target_ms


async def measure(path: Path, lookups: int, seed: int) -> bool:
    numbers = bulk.known_numbers(path, lookups + WARMUP, seed=seed)
    unknown = [f"+8610{60_000_000 + n}" for n in range(lookups)]  # Beijing landlines: never in the bulk data
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.start()
    await db.kept_in_memory()  # as in the daemon once started: lookups read no disk
    try:
        directory = CustomerDirectory(db, PhoneNormaliser("CN", "020"))
        today = date.today()
        await timed([lambda n=n: directory.match(n) for n in numbers[:WARMUP]])
        numbers = numbers[WARMUP:]
        found = [await directory.match(n) for n in numbers]
        first, shared = [f[0].id for f in found], [len(f) for f in found if len(f) > 1]
        print(
            f"{len(shared)} of {len(numbers)} numbers are shared (up to {max(shared, default=1)} customers)"
        )
        ok = report(
            "match(known number)",
            await timed([lambda n=n: directory.match(n) for n in numbers]),
            MATCH_TARGET_MS,
        )
        ok &= report(
            "match(unknown number)",
            await timed([lambda n=n: directory.match(n) for n in unknown]),
            MATCH_TARGET_MS,
        )
        ok &= report(
            "card(first candidate)",
            await timed([lambda c=c: directory.card(c, today) for c in first]),
            CARD_TARGET_MS,
        )

        async def pop(number: str) -> None:
            await directory.card((await directory.match(number))[0].id, today)

        report("match + card (a whole pop)", await timed([lambda n=n: pop(n) for n in numbers]))
    finally:
        await db.stop()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    path = args.db or Path(tempfile.gettempdir()) / "ctid-bench" / f"crm-{args.customers}.sqlite3"
    asyncio.run(prepare(path, args.customers, args.seed))
    ok = asyncio.run(measure(path, args.lookups, args.seed))
    print(f"targets: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
