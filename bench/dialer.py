"""The dialer (issue 18): the next contact among a campaign's 100,000, and from a line coming free to the
next dial with the runner at work on 8 sim lines.

    .venv/bin/python bench/dialer.py [--contacts 100000] [--picks 500] [--queued 10000] [--dials 2000]

A fresh SQLite file in the temp dir holds one running campaign of ``--contacts`` contacts (customers made
with them), a third already tried once and waiting their retry (some due, some not), the rest fresh. Each
pick asks for the next due contact and claims it (pending -> dialling), then settles it as busy (its retry
ten minutes on), as a line coming free would. Target: the pick < 5 ms (p99).

Then the runner (``ctid.dialer.runner``) works a broadcast campaign of ``--queued`` contacts over 8 sim lines
whose dials end at random (busy, no answer, no carrier, or answered and hung up a little later), each after
0.1-0.4 s (a real dial takes seconds), on a fresh SQLite file. Measured for each line coming free (its
call's ``CallEnded`` on the bus): the time until that line's next ``CallDialing``, i.e. the runner woken,
the next contacts read with the
lists at dial time (do-not-call, opt-outs), claimed, the attempt written and the dial started, while the
ended call's own attempt is settled alongside. Target p99 < 50 ms. CPU time is printed too: the box is
shared, so wall times follow its load.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import percentile
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.core.config import SimLineOptions
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.dialer import store
from ctid.dialer.campaign_settings import settings_from_json, settings_to_json
from ctid.dialer.hours import ordinary
from ctid.dialer.models import AttemptResult
from ctid.dialer.retry import RetryRules, after_attempt
from ctid.dialer.runner import Runner
from ctid.storage.db import Database
from ctid.voicecard.driver import LineDriver, LineInfo
from ctid.voicecard.events import CallDialing, CallEnded
from ctid.voicecard.sim import SimLine
from tests.support.site import fast_passwords

PICK_TARGET_MS = 5.0
NEXT_DIAL_TARGET_MS = 50.0
LINES = 8
RESULTS = ("BUSY", "NO ANSWER", "NO CARRIER", "OK")
RINGS_OUT_S = (
    0.1,
    0.4,
)  # a real dial takes seconds; shortened tenfold and more, the runner still idles between
TALK_S = (0.1, 0.4)
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
STAMP = "2026-12-08 02:00:00.000000"


def fill(path: Path, branch: int, contacts: int, seed: int, mode: str = "progressive") -> int:
    """A running campaign and its contacts, written straight in (the bench times the reads)."""
    rng = random.Random(seed)
    lines = [f"sim{n}" for n in range(LINES)]
    settings = settings_from_json({"lines": lines, "source": {"kind": "reminders"}})
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
            "VALUES (?, ?, 'person', ?, ?, ?)",
            [(n + 1, branch, f"客户{n}", STAMP, STAMP) for n in range(contacts)],
        )
        campaign = conn.execute(
            "INSERT INTO campaigns (branch_id, name, mode, state, priority, settings, created_at, "
            "updated_at) VALUES (?, 'bench', ?, 'running', 0, ?, ?, ?) RETURNING id",
            (branch, mode, json.dumps(settings_to_json(settings)), STAMP, STAMP),
        ).fetchone()[0]
        rows = []
        for n in range(contacts):
            tried = n % 3 == 0
            offset = rng.randint(-120, 120) if tried else -rng.randint(0, 600)
            when = (NOW + timedelta(minutes=offset)).strftime("%Y-%m-%d %H:%M:%S.%f")
            rows.append(
                (campaign, n + 1, f"+86138{n:08d}", 1 if tried else 0, "busy" if tried else None, when, STAMP)
            )
        conn.executemany(
            "INSERT INTO campaign_contacts (campaign_id, customer_id, number_e164, attempts, last_result, "
            "next_try_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
        return int(campaign)


async def picks(db: Database, campaign: int, count: int) -> list[float]:
    times = []
    rules = RetryRules()
    for n in range(count):
        now = NOW + timedelta(seconds=n)
        started = time.perf_counter()
        async with db.begin(immediate=True) as conn:
            found = await store.next_due(conn, campaign, now, 1)
            assert found and await store.claim(conn, found[0].id, now)
        times.append((time.perf_counter() - started) * 1000)
        contact = found[0]
        async with db.begin(immediate=True) as conn:  # the call ends busy: back in ten minutes
            after = after_attempt(AttemptResult.BUSY, contact.attempts, now, rules)
            await store.settle(conn, contact.id, after, AttemptResult.BUSY, now)
    return times


class RandomLine(SimLine):
    """A sim line whose dials end at random after 0.1-0.4 s: busy, no answer, no carrier, or answered and
    hung up 0.1-0.4 s later (the far end)."""

    def __init__(self, name: str, bus: EventBus, rng: random.Random) -> None:
        super().__init__(name, name, bus, SimLineOptions(ring_interval_s=0), clock=lambda: NOW)
        self._rng = rng

    async def dial(self, number: str) -> str:
        self._apply(self.machine.dial, number)
        call_id = self.machine.call_id or ""
        self._spawn(self._end(call_id), "bench-dial")
        return call_id

    async def _end(self, call_id: str) -> None:
        await asyncio.sleep(self._rng.uniform(*RINGS_OUT_S))
        code = self._rng.choice(RESULTS)
        self._apply(self.machine.dial_result, code)
        if code == "OK":
            await asyncio.sleep(self._rng.uniform(*TALK_S))
            if self.machine.call_id == call_id:
                self._apply(self.machine.far_end_hangup)


class SimLines:
    def __init__(self, drivers: dict[str, LineDriver]) -> None:
        self.drivers = drivers

    def get(self, name: str) -> LineDriver:
        return self.drivers[name]

    def infos(self) -> list[LineInfo]:
        return [driver.info for driver in self.drivers.values()]


async def line_free_to_next_dial(
    db: Database, campaign: int, dials: int, seed: int
) -> tuple[list[float], float]:
    """Per line coming free, ms until its next dial; and the CPU seconds the whole run took."""
    bus, rng = EventBus(), random.Random(seed)
    lines = {f"sim{n}": RandomLine(f"sim{n}", bus, rng) for n in range(LINES)}
    freed: dict[str, float] = {}
    gaps: list[float] = []
    count = 0
    done = asyncio.Event()

    def ended(event: CallEnded) -> None:
        freed[event.line] = time.perf_counter()

    def dialling(event: CallDialing) -> None:
        nonlocal count
        if (at := freed.pop(event.line, None)) is not None:
            gaps.append((time.perf_counter() - at) * 1000)
        count += 1
        if count >= dials:
            done.set()

    bus.subscribe(CallEnded, ended)
    bus.subscribe(CallDialing, dialling)
    runner = Runner(
        db, bus, SimLines(dict(lines)), PhoneNormaliser("CN", "20", ""), "Asia/Shanghai", lambda: NOW,
        kind_of=ordinary,
    )  # fmt: skip
    cpu = time.process_time()
    await runner.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=600)
    finally:
        await runner.stop()
        for line in lines.values():
            await line.stop()
    return gaps, time.process_time() - cpu


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--picks", type=int, default=500)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--dials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "dialer.sqlite3"
        db = Database(f"sqlite+aiosqlite:///{path}", keep_in_memory=False)
        await db.start()
        try:
            started = time.perf_counter()
            accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords())
            branch = (await accounts.branches.default_branch()).id
            campaign = fill(path, branch, args.contacts, args.seed)
            seconds = time.perf_counter() - started
            print(f"{args.contacts:,} contacts in one running campaign, written in {seconds:.1f} s")
            times = await picks(db, campaign, args.picks)
        finally:
            await db.stop()
    p50, p95, p99 = (percentile(times, f) for f in (0.5, 0.95, 0.99))
    met = p99 < PICK_TARGET_MS
    print(
        f"next contact  n={len(times)}  p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}  max {max(times):.2f} ms"
        f"  target p99 < {PICK_TARGET_MS:g} ms: {'met' if met else 'NOT met'}"
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "runner.sqlite3"
        db = Database(f"sqlite+aiosqlite:///{path}", keep_in_memory=False)
        await db.start()
        try:
            accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords())
            branch = (await accounts.branches.default_branch()).id
            campaign = fill(path, branch, args.queued, args.seed, mode="broadcast")
            sys.setswitchinterval(0.0005)  # as the daemon runs (ctid.app: the loop takes the GIL back soon)
            gc.collect()
            gc.freeze()  # as the daemon does after its start
            wall = time.perf_counter()
            gaps, cpu = await line_free_to_next_dial(db, campaign, args.dials, args.seed)
            wall = time.perf_counter() - wall
        finally:
            await db.stop()
    g50, g95, g99 = (percentile(gaps, f) for f in (0.5, 0.95, 0.99))
    met_dial = g99 < NEXT_DIAL_TARGET_MS
    print(
        f"line free -> next dial  {args.queued:,} queued, {LINES} sim lines, {args.dials} dials"
        f" in {wall:.1f} s ({args.dials / wall:.0f}/s),"
        f" CPU {cpu:.1f} s ({cpu / args.dials * 1000:.1f} ms a dial)\n"
        f"  n={len(gaps)}  p50 {g50:.1f}  p95 {g95:.1f}  p99 {g99:.1f}  max {max(gaps):.1f} ms"
        f"  target p99 < {NEXT_DIAL_TARGET_MS:g} ms: {'met' if met_dial else 'NOT met'}"
    )
    return 0 if met and met_dial else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
