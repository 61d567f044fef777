"""The recordings schema and its queries: the migration matches the tables; filters find what they say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ctid.calls import store as calls_store
from ctid.recording import store
from ctid.recording.models import AccessFilter, RecordingFilter
from ctid.storage.db import Database
from tests.support.queries import differences, sqlite_plan, statements

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def test_the_migration_matches_the_tables(db: Database) -> None:
    assert [d for d in await differences(db) if "recording" in repr(d)] == []


def _row(**values: Any) -> dict[str, Any]:
    row = {
        "line": "desk",
        "direction": "inbound",
        "started_at": T0,
        "status": "ready",
        "format": "opus",
        "path": "2026/12/01/x.opus",
        "sample_rate": 8000,
        "source": "tap",
    }
    return {**row, **values}


async def _ids(db: Database, where: RecordingFilter) -> list[int]:
    async with db.connect() as conn:
        return sorted(r.id for r in (await store.search(conn, where)).items)


async def test_filters(db: Database) -> None:
    async with db.begin() as conn:
        a = await store.insert_recording(
            conn, _row(number="13912345678", number_e164="+8613912345678", duration_s=30.0, operator_id=1)
        )
        b = await store.insert_recording(
            conn,
            _row(
                line="back",
                direction="outbound",
                number="02088881234",
                number_e164="+862088881234",
                started_at=T0 + timedelta(days=1),
                duration_s=300.0,
                note="客户投诉",
                tags=",complaint,vip,",
                branch_id=2,
            ),
        )
        c = await store.insert_recording(conn, _row(deleted_at=T0, status="deleted"))
    assert c not in await _ids(db, RecordingFilter())
    assert await _ids(db, RecordingFilter(line="back")) == [b]
    assert await _ids(db, RecordingFilter(direction="inbound")) == [a]
    assert await _ids(db, RecordingFilter(number="139", number_match="begins")) == [a]
    assert await _ids(db, RecordingFilter(number="8888", number_match="begins")) == []
    assert await _ids(db, RecordingFilter(number="8888")) == [b]
    assert await _ids(db, RecordingFilter(number="020", number_match="begins")) == [b]
    assert await _ids(db, RecordingFilter(min_duration_s=60)) == [b]
    assert await _ids(db, RecordingFilter(max_duration_s=60)) == [a]
    assert await _ids(db, RecordingFilter(has_notes=True)) == [b]
    assert await _ids(db, RecordingFilter(has_notes=False)) == [a]
    assert await _ids(db, RecordingFilter(tag="vip")) == [b]
    assert await _ids(db, RecordingFilter(tag="vi")) == []
    assert await _ids(db, RecordingFilter(tag="%")) == []
    assert await _ids(db, RecordingFilter(since=T0 + timedelta(hours=1))) == [b]
    assert await _ids(db, RecordingFilter(until=T0 + timedelta(hours=1))) == [a]
    assert await _ids(db, RecordingFilter(operator_id=1)) == [a]
    assert await _ids(db, RecordingFilter(branch_id=2)) == [b]


@pytest.mark.parametrize("branch", [None, 2])
async def test_access_log(db: Database, branch: int | None) -> None:
    async with db.begin() as conn:
        rid = await store.insert_recording(conn, _row(branch_id=2))
        other = await store.insert_recording(conn, _row(branch_id=3))
        for recording_id in (rid, other):
            values = {"user_id": 1, "user_name": "li", "action": "play", "at": T0}
            await store.log_access(conn, {"recording_id": recording_id, **values})
        page = await store.access_log(conn, AccessFilter(branch_id=branch))
    assert {e.recording_id for e in page.items} == ({rid} if branch else {rid, other})


async def test_the_operators_note_on_the_call_counts_as_a_note(db: Database) -> None:
    """'With notes' finds what a supervisor wrote on the recording and what the operator wrote on the call."""
    call = {"line": "desk", "direction": "inbound", "started_at": T0, "outcome": "answered"}
    async with db.begin() as conn:
        await calls_store.insert_call(conn, {**call, "id": "noted", "note": "客户要求回电"})
        await calls_store.insert_call(conn, {**call, "id": "blank", "note": ""})
        noted = await store.insert_recording(conn, _row(call_id="noted"))
        blank = await store.insert_recording(conn, _row(call_id="blank"))
        alone = await store.insert_recording(conn, _row())
    assert await _ids(db, RecordingFilter(has_notes=True)) == [noted]
    assert await _ids(db, RecordingFilter(has_notes=False)) == [blank, alone]


async def _recordings_of_calls(db: Database) -> list[int]:
    """Three calls' recordings: c1 twice (operator 1 then 2, branch 2), c2 once deleted and once by operator
    2 of branch 3, c3 by operator 1 of no branch."""
    async with db.begin() as conn:
        return [
            await store.insert_recording(
                conn, _row(call_id=call, operator_id=operator, branch_id=branch, **more)
            )
            for call, operator, branch, more in [
                ("c1", 1, 2, {}),
                ("c1", 2, 2, {}),
                ("c2", 1, 3, {"deleted_at": T0, "status": "deleted"}),
                ("c2", 2, 3, {}),
                ("c3", 1, None, {}),
            ]
        ]


async def test_the_links_of_calls_to_their_recordings(db: Database) -> None:
    """The first live recording of each call, of the operator's and the branch's when they are given."""
    first, second, _deleted, other, alone = await _recordings_of_calls(db)
    calls = ["c1", "c2", "c3", "c4"]
    async with db.connect() as conn:
        assert await store.for_calls(conn, calls) == {"c1": first, "c2": other, "c3": alone}
        assert await store.for_calls(conn, calls, operator_id=2) == {"c1": second, "c2": other}
        assert await store.for_calls(conn, calls, branch_id=2) == {"c1": first}
        assert await store.for_calls(conn, calls, operator_id=2, branch_id=3) == {"c2": other}
        assert await store.for_calls(conn, calls, operator_id=1, branch_id=3) == {}
        assert await store.for_calls(conn, [], branch_id=2) == {}


@pytest.mark.sqlite_only  # the plan is SQLite's planner's
async def test_the_links_are_read_by_the_calls_ids(db: Database) -> None:
    """Before, with the branch (or the operator) in the WHERE clause SQLite walked every recording of the
    branch for a call log page's links: 50 ms a page at 180,000 recordings."""
    await _recordings_of_calls(db)
    for operator in (None, 1):
        with statements(db, "recordings.call_id IN") as seen:
            async with db.connect() as conn:
                await store.for_calls(conn, ["c1", "c2", "c3"], operator, branch_id=2)
        ((statement, parameters),) = seen
        plan = await sqlite_plan(db, statement, parameters)
        assert plan[0].startswith("SEARCH recordings USING INDEX ix_recordings_call_id"), plan
