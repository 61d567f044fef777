"""``ctid db copy``: a shop's SQLite database moved into another database (PostgreSQL in a dealer group's
case), every table with every kind of value, counts checked; a target with rows refused, a source behind
the migrations refused, the source left untouched.

The target is each run's backend (``database_url``: SQLite -> SQLite, SQLite -> PostgreSQL); the source is
always an SQLite file, as a shop's is."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, insert, select, update

from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.tables import agent_state_log, agent_states
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.calls.tables import call_missed_by, calls, dnc_numbers
from ctid.copy_plan import PLAN
from ctid.core.phone import PhoneNormaliser
from ctid.crm import search_store
from ctid.crm.prospect_tables import crm_options, prospect_visits, prospects
from ctid.crm.search import parse
from ctid.crm.service import CustomerDirectory
from ctid.crm.tables import customer_merges, customer_opt_outs, customers, service_catalogue, vehicles
from ctid.dialer.tables import campaign_contacts, campaigns, dial_attempts
from ctid.home.tables import announcements
from ctid.jobs.tables import job_runs
from ctid.messaging.tables import sms_messages, sms_parts
from ctid.recording.tables import recording_access, recordings
from ctid.reminders.appointment_tables import appointments
from ctid.reminders.tables import (
    reminder_builds,
    reminder_events,
    reminder_items,
    reminder_marks,
    reminder_settings,
    service_due,
)
from ctid.sampledata.demo import DEMO_KNOWN, seed_demo
from ctid.storage.copying import CopyError, CopyPlan, copy_database, value_problem
from ctid.storage.db import Database, head_revision
from ctid.tables import metadata
from tests.support import databases
from tests.support.daemon import SIM_DESK, Daemon, free_port, write_config
from tests.support.queries import execute, rows
from tests.support.site import fast_passwords

NOW = datetime(2026, 3, 22, 2, 30, 15, 123456, tzinfo=UTC)
TODAY = date(2026, 3, 22)
PASSWORD = "copied-password-2026"
QUERIES = ["张", "伟", "恒通", "zw", "wang", "138", "8888", "粤A", "LSV", "广州恒通"]


@dataclass
class Shop:
    url: str
    token: str


async def _shop(url: str) -> Shop:
    """A shop's database with a row in every table: the demo's CRM, users with a session, a token and
    lines, calls with a recording that was listened to, a prospect, an announcement, audit entries."""
    db = Database(url)
    await db.start()
    try:
        accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: NOW)
        branch = (await accounts.branches.default_branch()).id
        await seed_demo(db, PhoneNormaliser("CN", "020"), branch, count=40, today=TODAY)
        new = NewUser("sue", Role.SUPERVISOR, branch, "苏", PASSWORD, must_change_password=False)
        sue, _ = await accounts.users.create_user(Actor.system("test"), new)
        await accounts.bindings.bind_lines(Actor.system("test"), sue.id, ["desk"], {"desk"})
        token, _ = await accounts.tokens.create_token(Actor.system("test"), sue.id, "copy test")
        await accounts.sessions.login("sue", PASSWORD, "192.0.2.7")
        await _records(db, branch, sue.id)
    finally:
        await db.stop()
    return Shop(url, token)


async def _records(db: Database, branch: int, user: int) -> None:
    """The rows no service of the test's makes cheaply, as the daemon writes them."""
    async with db.begin() as conn:
        customer = await conn.scalar(select(customers.c.id).order_by(customers.c.id).limit(1))
        await conn.execute(
            insert(calls).values(
                id="c-1", line="desk", direction="in", number="13800138000", number_e164="+8613800138000",
                customer_id=customer, started_at=NOW, answered_at=NOW + timedelta(seconds=4),
                ended_at=NOW + timedelta(seconds=64), outcome="answered", rings=2, duration_s=64.25,
                talk_s=60.5, note="换机油", note_by=user, note_at=NOW, handled_by=user, handled_how="note",
            )
        )  # fmt: skip
        await conn.execute(insert(call_missed_by).values(call_id="c-1", user_id=user))
        await conn.execute(insert(agent_states).values(user_id=user, state="break", since=NOW))
        await conn.execute(insert(agent_state_log).values(user_id=user, state="break", at=NOW))
        recording = await conn.scalar(
            insert(recordings)
            .values(
                call_id="c-1", line="desk", branch_id=branch, direction="in", number="13800138000",
                operator_id=user, started_at=NOW, ended_at=NOW + timedelta(seconds=60), duration_s=60.5,
                status="done", format="mp3", path="2026/03/22/c-1.mp3", size_bytes=3_000_000_000,
                sha256="ab" * 32, sample_rate=8000, source="modem", tags="保养,投诉",
            )
            .returning(recordings.c.id)
        )  # fmt: skip
        await conn.execute(
            insert(recording_access).values(
                recording_id=recording, user_id=user, user_name="sue", action="play", at=NOW
            )
        )
        await conn.execute(
            insert(service_catalogue).values(
                code="OIL", name="机油更换", price=28800, active=False, updated_at=NOW
            )
        )
        await conn.execute(
            insert(announcements).values(
                branch_id=branch, title="春节营业时间", body="初一休息", created_by=user, created_at=NOW,
                expires_on=TODAY + timedelta(days=30),
            )
        )  # fmt: skip
        await conn.execute(
            insert(customer_opt_outs).values(customer_id=customer, contact_type="sms", created_at=NOW)
        )
        await conn.execute(  # a customer merged into this one (its id gone, a bookmark leads here)
            insert(customer_merges).values(merged_id=999_999, kept_id=customer, merged_at=NOW, merged_by=user)
        )
        prospect = await conn.scalar(
            insert(prospects)
            .values(branch_id=branch, name="赵敏", phone="139 0000 1111", created_at=NOW, updated_at=NOW)
            .returning(prospects.c.id)
        )
        await conn.execute(
            insert(prospect_visits).values(prospect_id=prospect, at=NOW, next_on=TODAY, user_id=user)
        )
        await conn.execute(insert(job_runs).values(name="nightly backup", last_run_at=NOW))
        await conn.execute(
            insert(appointments).values(
                branch_id=branch, customer_id=customer, day=TODAY, slot="09:30", service="首保",
                advisor_id=user, status="booked", note="", source="pop", created_by=user, created_at=NOW,
                updated_at=NOW,
            )
        )  # fmt: skip
        await _reminders(conn, branch, customer, user)
        sms = await conn.scalar(
            insert(sms_messages)
            .values(
                branch_id=branch, customer_id=customer, number="+8613800138000", text="您的爱车保险将到期",
                params='{"plate": "粤A12345"}', purpose="marketing", status="sent", attempts=1,
                sender="modem", created_by=user, created_at=NOW, sent_at=NOW,
            )
            .returning(sms_messages.c.id)
        )  # fmt: skip
        await conn.execute(insert(sms_parts).values(message_id=sms, sender="modem", provider_id="17"))
        await conn.execute(update(crm_options).where(crm_options.c.id == 1).values(value="门店自定义"))


async def _reminders(conn: Any, branch: int, customer: int, user: int) -> None:
    """A reminder's settings, an item and what came of it (ctid.reminders)."""
    await conn.execute(
        insert(reminder_settings).values(name="insurance", value='{"lead_days": [45]}', updated_at=NOW)
    )
    item = await conn.scalar(
        insert(reminder_items)
        .values(
            branch_id=branch, customer_id=customer, type="birthday", subject=f"customer:{customer}",
            due_on=TODAY, step=0, contact_on=TODAY, expires_on=TODAY, contact_key=f"{customer}:{TODAY}",
            channel="phone", status="done", assignee_id=user, outcome="reached", note="祝福",
            created_at=NOW, updated_at=NOW,
        )
        .returning(reminder_items.c.id)
    )  # fmt: skip
    await conn.execute(
        insert(reminder_events).values(
            item_id=item, customer_id=customer, at=NOW, user_id=user, outcome="reached", channel="phone"
        )
    )
    await conn.execute(insert(reminder_builds).values(day=TODAY, built_at=NOW, added=1))
    vehicle = await conn.scalar(select(func.min(vehicles.c.id)))
    await conn.execute(
        insert(service_due).values(vehicle_id=vehicle, branch_id=branch, due_on=TODAY, computed_at=NOW)
    )
    await conn.execute(
        insert(reminder_marks).values(name="service_due", value='{"visit_id": 1}', updated_at=NOW)
    )
    await _dialer(conn, branch, customer, user)


async def _dialer(conn: Any, branch: int, customer: int, user: int) -> None:
    """A campaign, a contact of it, an attempt and a number not to call (ctid.dialer)."""
    settings = '{"lines": ["modem1"], "source": {"kind": "reminders"}}'
    campaign = await conn.scalar(
        insert(campaigns)
        .values(
            branch_id=branch, name="续保", mode="progressive", state="paused", settings=settings,
            created_by=user, created_at=NOW, updated_at=NOW,
        )
        .returning(campaigns.c.id)
    )  # fmt: skip
    contact = await conn.scalar(
        insert(campaign_contacts)
        .values(
            campaign_id=campaign, customer_id=customer, number_e164="+8613800138000", status="pending",
            attempts=1, next_try_at=NOW, last_result="busy", updated_at=NOW,
        )
        .returning(campaign_contacts.c.id)
    )  # fmt: skip
    await conn.execute(
        insert(dial_attempts).values(
            campaign_id=campaign, contact_id=contact, number_e164="+8613800138000", line="modem1",
            operator_id=user, started_at=NOW, ended_at=NOW, result="busy",
        )
    )  # fmt: skip
    await conn.execute(
        insert(dnc_numbers).values(number_e164="+8613900139000", reason="投诉", created_at=NOW)
    )


async def _all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as Python gets them through the column types, in one order on both
    backends (a server's collation orders text its own way)."""
    db = Database(url)
    await db.start()
    try:
        return {t.name: sorted(await rows(db, select(t)), key=repr) for t in metadata.sorted_tables}
    finally:
        await db.stop()


async def _answers(url: str) -> tuple[list[Any], dict[str, list[tuple[int, str]]]]:
    """What a pop and the search box find."""
    db = Database(url)
    await db.start()
    try:
        directory = CustomerDirectory(db, PhoneNormaliser("CN", "020"), clock=lambda: NOW)
        pops = [[(c.id, c.name) for c in await directory.match(number)] for number in DEMO_KNOWN]
        found = {}
        async with db.connect() as conn:
            for text in QUERIES:
                query = parse(text)
                assert query is not None
                hits = await conn.run_sync(search_store.search, query, None, 20)
                found[text] = [(hit.id, hit.matched.value) for hit in hits]
        return pops, found
    finally:
        await db.stop()


def _digest(path: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.parent.glob(path.name + "*"))
    }


@pytest.fixture
def empty_target(database_backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the migrations: a new SQLite file, a new PostgreSQL one."""
    if database_backend == "sqlite":
        yield databases.sqlite_url(tmp_path / "target", "new.sqlite3")
        return
    base = os.environ[databases.BASE_URL_ENV]
    name, url = databases.new_empty_postgres_database(base)
    yield url
    databases.drop_postgres_database(base, name)


async def test_a_copy_holds_every_row_of_every_table_and_answers_as_the_source(
    tmp_path: Path, database_url: str
) -> None:
    shop = await _shop(databases.new_sqlite_database(tmp_path / "shop"))
    source = await _all_rows(shop.url)
    assert not [name for name, found in source.items() if not found], (
        "the shop must have a row in every table"
    )
    before = _digest(tmp_path / "shop" / "ctid.sqlite3")

    report = await copy_database(shop.url, database_url, PLAN, batch=50)  # many batches per big table

    assert report.rows == {name: len(found) for name, found in source.items()}
    assert report.derived_rows == len(source["customers"])
    assert await _all_rows(database_url) == source
    assert await _answers(database_url) == await _answers(shop.url)
    assert _digest(tmp_path / "shop" / "ctid.sqlite3") == before, "the source was written to"
    db = Database(database_url)
    await db.start()
    try:  # the next rows get new ids (PostgreSQL's sequences moved past the copied ones)
        async with db.begin() as conn:
            values = {
                "branch_id": source["branches"][0][0],
                "name": "新",
                "created_at": NOW,
                "updated_at": NOW,
            }
            entry = await conn.scalar(insert(prospects).values(values).returning(prospects.c.id))
        assert entry == max(row[0] for row in source["prospects"]) + 1
    finally:
        await db.stop()


async def test_an_empty_database_is_migrated_and_filled(tmp_path: Path, empty_target: str) -> None:
    shop = await _shop(databases.new_sqlite_database(tmp_path / "shop"))
    report = await copy_database(shop.url, empty_target, PLAN)
    assert report.rows["customers"] == 40
    assert await _all_rows(empty_target) == await _all_rows(shop.url)


async def test_a_target_holding_a_shops_rows_is_refused_and_left_alone(
    tmp_path: Path, database_url: str
) -> None:
    shop = await _shop(databases.new_sqlite_database(tmp_path / "shop"))
    target = Database(database_url)
    await target.start()
    try:
        await AccountService(
            target, LoginThrottle(), clock=lambda: NOW
        ).branches.default_branch()  # a daemon's start
    finally:
        await target.stop()
    before = await _all_rows(database_url)
    with pytest.raises(
        CopyError, match=r"is not empty \(table audit_log has rows\): ctid copies only into an empty"
    ):
        await copy_database(shop.url, database_url, PLAN)
    assert await _all_rows(database_url) == before


async def test_a_source_behind_the_migrations_is_refused(tmp_path: Path, database_url: str) -> None:
    shop = databases.new_sqlite_database(tmp_path / "shop")
    db = Database(shop)
    await db.start()
    await execute(db, "UPDATE alembic_version SET version_num = '0012'")
    await db.stop()
    expected = f"is at migration 0012, this ctid at {head_revision()}: upgrade it first"
    with pytest.raises(CopyError, match=expected):
        await copy_database(shop, database_url, PLAN)


async def test_a_missing_source_file_is_named(tmp_path: Path, database_url: str) -> None:
    with pytest.raises(CopyError, match=r"no SQLite database file at .*nothing\.sqlite3"):
        await copy_database(databases.sqlite_url(tmp_path, "nothing.sqlite3"), database_url, PLAN)
    assert not (tmp_path / "nothing.sqlite3").exists()


async def test_counts_that_differ_fail_the_copy_and_keep_nothing(tmp_path: Path, database_url: str) -> None:
    """A copy whose target ends with another count than the source's (here a rebuild that adds a row
    behind the copy's back) fails, and the target is as it was: one transaction."""
    shop = await _shop(databases.new_sqlite_database(tmp_path / "shop"))
    before = await _all_rows(database_url)

    async def meddling(conn: Any) -> int:
        await conn.execute(
            insert(service_catalogue).values(id=999, code="X", name="多出来的", updated_at=NOW)
        )
        return await PLAN.rebuild(conn)

    plan = CopyPlan(PLAN.metadata, PLAN.seeded, PLAN.derived, meddling)
    with pytest.raises(CopyError, match=r"does not add up.*service_catalogue: 1 in the source, 1 read, 2 in"):
        await copy_database(shop.url, database_url, plan)
    assert await _all_rows(database_url) == before


@pytest.mark.postgresql
async def test_what_postgresql_refuses_is_named_with_its_row(tmp_path: Path, postgresql_url: str) -> None:
    """SQLite keeps a username longer than its column; PostgreSQL does not: the copy says which."""
    shop = await _shop(databases.new_sqlite_database(tmp_path / "shop"))
    db = Database(shop.url)
    await db.start()
    await execute(db, "UPDATE users SET display_name = :long WHERE username = 'sue'", long="苏" * 101)
    await db.stop()
    with pytest.raises(
        CopyError,
        match=r"cannot copy table users, row id \d+: display_name has 101 characters, more than its 100",
    ):
        await copy_database(shop.url, postgresql_url, PLAN)


def test_value_problems_are_named_for_postgresql_alone() -> None:
    users = metadata.tables["users"]

    def row(**values: Any) -> tuple[Any, ...]:
        return tuple(values.get(column.name) for column in users.columns)

    too_big, nul, long = row(id=2**31), row(username="a\x00b"), row(username="x" * 65)
    assert value_problem(users, too_big, "postgresql") == "id = 2147483648 is beyond PostgreSQL's integer"
    assert (
        value_problem(users, nul, "postgresql")
        == "username holds a NUL character, which PostgreSQL text cannot"
    )
    assert value_problem(users, long, "postgresql") == "username has 65 characters, more than its 64"
    assert value_problem(users, long, "sqlite") is None
    assert value_problem(users, row(id=7, username="sue"), "postgresql") is None


def test_the_seeded_tables_are_all_a_fresh_database_has_rows_in(tmp_path: Path) -> None:
    """The copy replaces the rows of ``PLAN.seeded`` and refuses any other: a migration that starts filling
    another table must be named there."""
    import asyncio

    url = databases.new_sqlite_database(tmp_path)
    found = asyncio.run(_all_rows(url))
    assert {name for name, rows_ in found.items() if rows_} == PLAN.seeded


def _ctid(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ctid", *args], capture_output=True, text=True, check=False)


async def test_the_command_copies_and_a_daemon_runs_on_the_copy(tmp_path: Path, database_url: str) -> None:
    """``ctid db copy`` as the shop runs it, then the daemon on the copy: its users log in with their
    passwords, its tokens work, the search box finds the shop's customers."""
    shop = await _shop(databases.new_sqlite_database(tmp_path / "shop"))
    copied = _ctid("db", "copy", "--from", shop.url, "--to", database_url)
    assert copied.returncode == 0, copied.stderr
    assert re.search(rf"copied [\d,]+ rows in {len(metadata.tables)} tables .* count checked", copied.stdout)
    assert "customers: 40 rows ..." in copied.stderr and "customers: 40 of 40 (100%)" in copied.stderr
    again = _ctid("db", "copy", "--from", shop.url, "--to", database_url)
    assert again.returncode == 1 and "is not empty (table audit_log has rows)" in again.stderr

    port = free_port()
    (tmp_path / "site").mkdir()
    config = write_config(tmp_path / "site", port, SIM_DESK + f'[database]\nurl = "{database_url}"\n')
    daemon = Daemon(config, port).start()
    try:
        daemon.wait_healthy()
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(daemon.url, cookie_jar=jar) as browser:
            async with browser.get("/login") as page:
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
            assert csrf is not None
            form = {"username": "sue", "password": PASSWORD, "next": "/", "csrf_token": csrf.group(1)}
            async with browser.post("/login", data=form, allow_redirects=False) as login:
                assert login.status == 303, await login.text()
            async with browser.get("/api/v1/search", params={"q": "张"}) as search:
                assert search.status == 200
                by_session = await search.json()
        headers = {"Authorization": f"Bearer {shop.token}"}
        async with (
            aiohttp.ClientSession(daemon.url, headers=headers) as program,
            program.get("/api/v1/search", params={"q": "张"}) as search,
        ):
            by_token = await search.json()
    finally:
        daemon.stop()
    _pops, answers = await _answers(shop.url)
    assert [item["id"] for item in by_session["items"]] == [hit[0] for hit in answers["张"]]
    assert by_token == by_session and by_session["items"]
    assert "Traceback" not in daemon.stderr()
