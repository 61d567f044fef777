"""PostgreSQL's search (pg_trgm, migration 0013) finds what SQLite's (FTS5 trigram) finds, in the same
order: the demo's customers, searched by fragments of their names (one, two and three characters, Chinese
ones included), pinyin, phones, plates and VINs, in one branch and in all of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.core.phone import PhoneNormaliser
from ctid.crm import search_store
from ctid.crm.search import parse
from ctid.sampledata.demo import seed_demo
from ctid.storage.db import Database
from tests.crm.support import NOW, TODAY
from tests.support.databases import sqlite_url
from tests.support.queries import rows

COUNT = 80
FIXED = [
    "张",
    "伟",
    "王",
    "李",
    "zw",
    "zh",
    "wang",
    "li",
    "138",
    "139",
    "020",
    "8888",
    "粤A",
    "粤B1",
    "LSV",
    "A1",
]

pytestmark = pytest.mark.postgresql


async def _seeded(url: str) -> tuple[Database, int]:
    db = Database(url)
    await db.start()
    branch = await AccountService(db, LoginThrottle(), clock=lambda: NOW).branches.default_branch()
    await seed_demo(db, PhoneNormaliser("CN", "020"), branch.id, count=COUNT, today=TODAY)
    return db, branch.id


async def _queries(db: Database) -> list[str]:
    """Fragments of what the demo holds: every kind of query the box takes."""
    queries = list(FIXED)
    for (name,) in await rows(db, "SELECT name FROM customers ORDER BY id"):
        queries += {name[0], name[-1], name[:2], name[-2:], name[:3], name}
    for (number,) in await rows(db, "SELECT number FROM customer_phones ORDER BY id"):
        digits = "".join(c for c in number if c.isdigit())
        queries += {digits[3:7], digits[-4:]}
    for plate, vin in await rows(db, "SELECT plate, vin FROM vehicles ORDER BY id"):
        queries += {plate[1:4], plate[-3:], *([vin[6:13], vin] if vin else [])}
    return sorted(set(queries))


async def _search(
    db: Database, queries: list[str], branch_id: int | None
) -> dict[str, list[tuple[int, str]]]:
    answers = {}
    async with db.connect() as conn:
        for text in queries:
            query = parse(text)
            assert query is not None, text
            hits = await conn.run_sync(search_store.search, query, branch_id, 20)
            answers[text] = [(hit.id, hit.matched.value) for hit in hits]
    return answers


async def test_postgresql_finds_what_sqlite_finds(tmp_path: Path, postgresql_url: str) -> None:
    lite, lite_branch = await _seeded(sqlite_url(tmp_path))
    server, server_branch = await _seeded(postgresql_url)
    try:
        assert lite_branch == server_branch
        queries = await _queries(lite)
        assert queries == await _queries(server)
        assert len(queries) > 300
        for branch_id in (lite_branch, None):
            expected = await _search(lite, queries, branch_id)
            got = await _search(server, queries, branch_id)
            differing = {q: (expected[q], got[q]) for q in queries if expected[q] != got[q]}
            assert differing == {}
            assert sum(1 for q in queries if expected[q]) > 0.9 * len(queries), "the queries find customers"
    finally:
        await lite.stop()
        await server.stop()
