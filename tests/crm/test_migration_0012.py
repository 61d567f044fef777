"""Revision 0012 on a database with customers: every name gets its grams (the search of one or two Chinese
characters finds customers written before the upgrade), and the downgrade takes the table away."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from ctid.crm.search import name_grams
from ctid.storage.db import Database, _alembic_config, upgrade
from tests.crm.support import execute, has_table, rows, sqlite_rows

NAMES = ("广州恒通物流有限公司", "张伟", "王Amy", "李 静")


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_customers_written_before_get_their_grams(
    db: Database, branch_id: int, database_backend: str, db_path: Path
) -> None:
    await _downgrade(db, "0011")
    assert not await has_table(db, "customer_name_grams")
    insert = (
        "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
        "VALUES ({id}, :branch, 'person', :name{id}, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
    )
    names = {f"name{i}": name for i, name in enumerate(NAMES, 1)}
    await execute(db, *(insert.format(id=i) for i in range(1, len(NAMES) + 1)), branch=branch_id, **names)
    await upgrade(db.engine)
    expected = {(i, g, branch_id) for i, name in enumerate(NAMES, 1) for g in name_grams(name)}
    assert set(await rows(db, "SELECT customer_id, gram, branch_id FROM customer_name_grams")) == expected
    assert "恒通" in name_grams(NAMES[0]) and "伟" in name_grams(NAMES[1])
    if database_backend == "sqlite":  # the first page of a common character is read off the index
        plan = sqlite_rows(
            db_path,
            "EXPLAIN QUERY PLAN SELECT customer_id FROM customer_name_grams "
            "WHERE gram = '伟' AND branch_id = 1 ORDER BY customer_id LIMIT 20",
        )
        assert "ix_customer_name_grams_gram" in str(plan) and "TEMP B-TREE" not in str(plan), plan
    await _downgrade(db, "0011")
    assert not await has_table(db, "customer_name_grams")
