"""Revision 0015 on a database with customers: every name gets its pinyin sort key (the list sorts customers
written before the upgrade), the merges table comes, and the downgrade takes both away."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection

from ctid.storage.db import Database, _alembic_config, upgrade
from tests.crm.support import execute, has_table, rows
from tests.support.queries import columns

NAMES = ("张三", "李四", "曾小贤", "广州恒通物流有限公司")


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_customers_written_before_get_their_sort_keys(db: Database, branch_id: int) -> None:
    await _downgrade(db, "0014")
    assert "name_key" not in await columns(db, "customers")
    assert not await has_table(db, "customer_merges")
    insert = (
        "INSERT INTO customers (id, branch_id, kind, name, created_at, updated_at) "
        "VALUES ({id}, :branch, '{kind}', :name{id}, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
    )
    names = {f"name{i}": name for i, name in enumerate(NAMES, 1)}
    statements = [
        insert.format(id=i, kind="company" if i == len(NAMES) else "person") for i in range(1, len(NAMES) + 1)
    ]
    await execute(db, *statements, branch=branch_id, **names)
    await upgrade(db.engine)
    assert await rows(db, "SELECT id, name_key FROM customers ORDER BY id") == [
        (1, "zhang san "),
        (2, "li si "),
        (3, "zeng xiao xian "),  # the surname's reading, not céng
        (4, "guang zhou heng tong wu liu you xian gong si "),
    ]
    assert await rows(db, "SELECT name FROM customers ORDER BY name_key") == [
        ("广州恒通物流有限公司",),
        ("李四",),
        ("曾小贤",),
        ("张三",),
    ]
    await _downgrade(db, "0014")
    assert "name_key" not in await columns(db, "customers")
    assert not await has_table(db, "customer_merges")
