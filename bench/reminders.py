"""The daily reminder queue at a million customers: the day's build, built twice; the worklist's first page.

    .venv/bin/python bench/reminders.py [--customers 1000000] [--pages 200] [--date YYYY-MM-DD] [--seed 1]

The customers (about 1.32 vehicles each: insurance expiries, inspection and service dates, birthdays spread
over the year by ``ctid.sampledata.bulk``) are generated once into the temp dir's
``ctid-bench/reminders-<customers>.sqlite3`` and reused; what the bulk data lacks for the reminders is added
to that file once (marked by a table of its own): warranty expiries (three years after purchase), licence
reviews for a third of the people, the service advisors of the repair orders as users (so the
vehicle-advisor rule finds them), an assigned user for a tenth of the customers, opt-outs for 2 % and
answered calls with 1 % in the last ten days (the contacted window). Each run empties the queue's tables
first.

- **build**: ``QueueBuilder.run`` for the day (default: today, site time), in this process; the figures are
  its time and CPU time (the loop's thread and SQLite's: on a shared box the wall time counts the
  neighbours' work too), the process's peak RSS (``ru_maxrss``, the interpreter and SQLAlchemy included),
  the items added and found due. Target < 10 s, RSS < 300 MB.
- **again**: the same day built again adds 0, and no (type, subject, due date, step) is there twice.
- **worklist**: ``Worklist.page`` (the API's service) for ``--pages`` requests of the first page of 50,
  as a supervisor of the branch: today's and overdue, by type, ``assignee=me`` of an advisor, the pool,
  in turn. Target p95 < 100 ms.

Exit status 0 when every target is met.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crm_lookup import migrate, prepare
from bench.support import percentile
from ctid.accounts.models import Role, User
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.core.paging import PageRequest
from ctid.reminders import candidate_store, service_due, settings_store
from ctid.reminders.build import QueueBuilder
from ctid.reminders.item_models import ReminderFilter
from ctid.reminders.models import ReminderType
from ctid.reminders.worklist import Worklist
from ctid.sampledata import samples
from ctid.storage.db import Database
from tests.support.site import fast_passwords

BUILD_TARGET_S = 10.0
RSS_TARGET_MB = 300.0
PAGE_TARGET_MS = 100.0
ZONE = "Asia/Shanghai"
MARK = "bench_reminders_data"  # a table marking the file as given the reminders' data
FULL = " (all: the first time, the settings changed, or an earlier day)"
MARK_VISITS = "bench_reminders_visits"  # ... and the visits' readings and closing times


def add_reminder_data(path: Path, seed: int) -> None:
    """What the bulk data lacks for the reminders, added once to the cached file."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (MARK,)).fetchone():
            return
        started = time.perf_counter()
        rng = random.Random(seed)
        conn.execute("BEGIN")
        conn.execute("UPDATE vehicles SET warranty_expiry = date(purchase_date, '+3 years')")
        conn.execute(
            "UPDATE customers SET licence_review_on = date('now', (abs(id * 7919) % 2190 - 30) || ' days') "
            "WHERE kind = 'person' AND id % 3 = 0"
        )
        low, high = conn.execute("SELECT min(id), max(id) FROM customers").fetchone()
        now = "2026-01-01 00:00:00.000000"
        opt_outs = {
            (rng.randint(low, high), rng.choice(("insurance", "marketing", "birthday")))
            for _ in range(20_000)
        }
        conn.executemany(
            "INSERT OR IGNORE INTO customer_opt_outs (customer_id, contact_type, reason, created_at) "
            "VALUES (?, ?, '', ?)",
            [(c, t, now) for c, t in opt_outs],
        )
        calls = []
        for n in range(10_000):
            when = f"{date.today() - timedelta(days=rng.randint(0, 9))} 02:00:00.000000"
            calls.append((f"bench-{n}", "desk", "in", rng.randint(low, high), when, when, "answered"))
        conn.executemany(
            "INSERT OR IGNORE INTO calls (id, line, direction, customer_id, started_at, answered_at, "
            "outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
            calls,
        )
        conn.execute(f"CREATE TABLE {MARK} (done INTEGER)")
        conn.execute("COMMIT")
        print(f"  the reminders' data added in {time.perf_counter() - started:.1f} s", flush=True)


def add_visit_data(path: Path) -> None:
    """The visits as the workshop leaves them, once: closed at 10:00 site time on their day (the
    follow-up calls), and their odometer readings in the vehicles' mileage history (the maintenance
    projection by mileage)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (MARK_VISITS,)).fetchone():
            return
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(
            "UPDATE visits SET closed_at = visited_on || ' 02:00:00.000000' "
            "WHERE status = 'completed' AND closed_at IS NULL"
        )
        conn.execute(
            "INSERT INTO vehicle_mileage (vehicle_id, mileage_km, read_on, source, correction, visit_id, "
            "created_at) SELECT vehicle_id, mileage_km, visited_on, 'visit', 0, id, "
            "visited_on || ' 02:00:00.000000' FROM visits WHERE mileage_km IS NOT NULL ORDER BY id"
        )
        conn.execute(f"CREATE TABLE {MARK_VISITS} (done INTEGER)")
        conn.execute("COMMIT")
        print(f"  the visits' readings and closing times added in {time.perf_counter() - started:.1f} s")


async def staff(db: Database, branch_id: int) -> tuple[User, list[User]]:
    """A supervisor of the branch, and the advisors written on the repair orders as its users."""
    accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords())
    existing = {u.username: u for u in (await accounts.users.list_users(PageRequest(1, 200))).items}
    made = []
    for n, name in enumerate(("bench-sup", *samples.ADVISORS)):
        username = "bench-sup" if n == 0 else f"advisor{n}"
        if username not in existing:
            role = Role.SUPERVISOR if n == 0 else Role.OPERATOR
            new = NewUser(username, role, branch_id, name, "bench password 1", False)
            existing[username] = (await accounts.users.create_user(Actor.system("bench"), new))[0]
        made.append(existing[username])
    return made[0], made[1:]


def assign_customers(path: Path, advisors: list[User]) -> None:
    """A tenth of the customers have an assigned user (the customer-user rule's, birthdays')."""
    cases = " ".join(f"WHEN {n} THEN {a.id}" for n, a in enumerate(advisors))
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        if conn.execute("SELECT count(*) FROM customers WHERE assigned_user_id IS NOT NULL").fetchone()[0]:
            return
        conn.execute(
            f"UPDATE customers SET assigned_user_id = CASE id % {len(advisors)} {cases} END WHERE id % 10 = 0"
        )


def empty_queue(path: Path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for table in ("reminder_events", "reminder_items", "reminder_builds"):
            conn.execute(f"DELETE FROM {table}")


def duplicates(path: Path) -> int:
    query = (
        "SELECT count(*) FROM (SELECT 1 FROM reminder_items GROUP BY type, subject, due_on, step "
        "HAVING count(*) > 1)"
    )
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute(query).fetchone()[0])


def by_type(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT type, count(*) FROM reminder_items GROUP BY type ORDER BY 2 DESC"
        ).fetchall()
        contacts = conn.execute("SELECT count(DISTINCT contact_key) FROM reminder_items").fetchone()[0]
        assigned = conn.execute(
            "SELECT count(*) FROM reminder_items WHERE assignee_id IS NOT NULL"
        ).fetchone()[0]
    kinds = ", ".join(f"{t} {n:,}" for t, n in rows)
    return f"{kinds}; {contacts:,} contacts, {assigned:,} items assigned"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def worklist_pages(
    db: Database, supervisor: User, advisors: list[User], day: date, count: int
) -> list[float]:
    worklist = Worklist(db, ZONE)
    filters = [
        ReminderFilter(on_or_before=day),
        ReminderFilter(on_or_before=day, type=ReminderType.INSURANCE),
        ReminderFilter(on_or_before=day, type=ReminderType.BIRTHDAY),
        ReminderFilter(on_or_before=day, unassigned=True),
    ]
    times = []
    for n in range(count):
        where = filters[n % len(filters)]
        user = supervisor
        if n % 5 == 4:
            user = advisors[n % len(advisors)]
            where = ReminderFilter(on_or_before=day, assignee_id=user.id)
        started = time.perf_counter()
        await worklist.page(user, where)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def project_services(db: Database, day: date) -> None:
    """The maintenance projection brought up to date before the build is timed: every vehicle the first
    time (as once after an upgrade, or after the maintenance settings change), else the changed ones."""
    async with db.connect() as conn:
        settings = (await settings_store.load(conn))[ReminderType.MAINTENANCE]
        branch_list = await candidate_store.branch_ids(conn)
    started, cpu = time.perf_counter(), time.process_time()
    done = await service_due.refresh(db, settings, day, branch_list, datetime.now(UTC))
    print(
        f"projection  {time.perf_counter() - started:6.2f} s ({time.process_time() - cpu:.2f} s of CPU)  "
        f"{done.projected:,} vehicles{FULL if done.full else ''}",
        flush=True,
    )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--date", type=date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    path = Path(tempfile.gettempdir()) / "ctid-bench" / f"reminders-{args.customers}.sqlite3"
    await prepare(path, args.customers, args.seed)
    await migrate(path)
    add_reminder_data(path, args.seed)
    add_visit_data(path)
    empty_queue(path)
    url = f"sqlite+aiosqlite:///{path}"
    db = Database(url, keep_in_memory=False)
    await db.start()
    try:
        with closing(sqlite3.connect(path)) as conn:
            branch_id = conn.execute("SELECT id FROM branches WHERE code = 'bulk'").fetchone()[0]
            vehicles = conn.execute("SELECT count(*) FROM vehicles").fetchone()[0]
        supervisor, advisors = await staff(db, branch_id)
        assign_customers(path, advisors)
        builder = QueueBuilder(db, ZONE)
        day = args.date or builder.today()
        await project_services(db, day)
        print(f"{args.customers:,} customers, {vehicles:,} vehicles; building the queue of {day}", flush=True)
        rss_before, cpu = peak_rss_mb(), time.process_time()
        first = await builder.run(day)
        rss, cpu = peak_rss_mb(), time.process_time() - cpu
        print(
            f"build       {first.seconds:6.2f} s ({cpu:.2f} s of CPU, both threads)  peak RSS {rss:.0f} MB "
            f"(before it {rss_before:.0f} MB)  "
            f"{first.added:,} items added, {first.found:,} found due"
            f"  target < {BUILD_TARGET_S:g} s, < {RSS_TARGET_MB:g} MB: "
            f"{'met' if first.seconds < BUILD_TARGET_S and rss < RSS_TARGET_MB else 'NOT met'}",
            flush=True,
        )
        print(f"            {by_type(path)}", flush=True)
        again = await builder.run(day)
        doubled = duplicates(path)
        print(
            f"again       {again.seconds:6.2f} s  {again.added} added, {doubled} duplicates: "
            f"{'met' if again.added == 0 and doubled == 0 else 'NOT met'}",
            flush=True,
        )
        times = await worklist_pages(db, supervisor, advisors, day, args.pages)
        p50, p95, p99 = (percentile(times, f) for f in (0.5, 0.95, 0.99))
        print(
            f"worklist    n={len(times)}  p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}  "
            f"max {max(times):.2f} ms"
            f"  target p95 < {PAGE_TARGET_MS:g} ms: {'met' if p95 < PAGE_TARGET_MS else 'NOT met'}",
            flush=True,
        )
    finally:
        await db.stop()
    met = first.seconds < BUILD_TARGET_S and rss < RSS_TARGET_MB and again.added == 0 and doubled == 0
    return 0 if met and p95 < PAGE_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
