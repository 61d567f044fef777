"""Revision 0018: the wrap-up results' list (seeded, in order) and the call's result columns; the calls of
an existing log keep every value and have no result; downgrading takes both away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection

from ctid.calls import store
from ctid.storage.db import Database, _alembic_config, upgrade
from tests.support.queries import columns, differences, execute, rows


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_the_list_is_seeded_and_calls_gain_an_empty_result(db: Database) -> None:
    await _downgrade(db, "0017")
    assert "result" not in await columns(db, "calls")
    await execute(
        db,
        "INSERT INTO calls (id, line, direction, number, started_at, outcome, note) "
        "VALUES ('c1', 'desk', 'inbound', '13800138000', '2026-03-22 06:00:00', 'answered', '回电')",
    )
    await upgrade(db.engine)
    assert await rows(db, "SELECT code, label, position FROM wrap_up_codes ORDER BY position") == [
        ("enquiry", "咨询", 10),
        ("appointment", "预约", 20),
        ("complaint", "投诉", 30),
        ("follow_up_done", "回访成功", 40),
        ("no_answer", "无人接听", 50),
        ("wrong_number", "打错电话", 60),
        ("other", "其他", 70),
    ]
    async with db.connect() as conn:
        call = await store.get_call(conn, "c1")
    assert call is not None and (call.note, call.outcome) == ("回电", "answered")
    assert (call.result, call.result_by, call.result_at) == (None, None, None)
    mine = [d for d in await differences(db) if "wrap_up_codes" in repr(d) or "calls" in repr(d)]
    assert mine == [], "the migration makes what ctid.calls.tables declares"

    await _downgrade(db, "0017")
    assert not {"result", "result_by", "result_at"} & set(await columns(db, "calls"))
    assert await rows(db, "SELECT id, note FROM calls") == [("c1", "回电")]
    await upgrade(db.engine)
    assert len(await rows(db, "SELECT id FROM wrap_up_codes")) == 7, "seeded once again, not twice"
