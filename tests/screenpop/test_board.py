"""The live board's JSON and the per-operator statistics over real calls, on SQLite and PostgreSQL: an
answered and a missed call on a sim line, counted for the operator who was ready; supervisors only, and
only their own branch's operators."""

from __future__ import annotations

import csv
import io
from typing import Any

from ctid.accounts.models import Role
from ctid.calls.models import CallFilter
from ctid.voicecard.sim import SimCall
from tests.screenpop.support import connect, operator, sim
from tests.support.site import Site
from tests.support.waiting import eventually


async def _ended(site: Site, count: int) -> bool | None:
    admin = await site.accounts.users.get_user(1)
    calls = (await site.services.calls.search(admin, CallFilter())).items
    done = [c for c in calls if c.ended_at is not None and (c.handled_by or c.outcome == "missed")]
    return True if len(done) >= count else None


async def test_the_board_and_the_statistics_count_the_ready_operator_s_calls(site: Site, server: Any) -> None:
    olga = await operator(site, "olga", ["desk"])
    await operator(site, "erin", ["east-1"], branch="east")  # another branch: not on this board
    await operator(site, "sam", [], role=Role.SUPERVISOR)
    supervisor, console = await connect(server, "sam", board=True), await connect(server, "olga")
    await supervisor.next("agent.state")
    answered = SimCall("13700000001", rings=1, answer_after=1, talk_s=0.3, ring_period_s=0.01)
    sim(site, "desk").simulate(answered)
    await supervisor.next("call.ended", within_s=5)
    sim(site, "desk").simulate(SimCall("13700000002", rings=1, ring_period_s=0.01))  # missed
    await supervisor.next("call.handled", within_s=5)  # the missed call's: whom it counts against
    await eventually(lambda: _ended(site, 2))

    status, body = await supervisor.api("GET", "/api/v1/board")
    assert status == 200
    assert [(a["label"], a["state"]) for a in body["agents"]] == [("Olga", "ready")]
    mine = body["agents"][0]
    assert (mine["id"], mine["calls"], mine["answered"], mine["missed"]) == (olga.id, 1, 1, 1)
    assert mine["talk_s"] > 0 and mine["since"]

    async with supervisor.session.get(supervisor.base + "stats/operators/export.csv?by=line") as r:
        assert r.status == 200
        rows = list(csv.reader(io.StringIO((await r.read()).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Operator", "Line", "Calls handled", "Answered"]
    assert rows[1][:7] == ["Olga", "服务台", "1", "1", "0", "1", "0"]
    async with supervisor.session.get(supervisor.base + "stats/operators?by=day") as r:
        assert r.status == 200 and "Olga" in await r.text()

    assert (await console.api("GET", "/api/v1/board"))[0] == 403  # operators do not watch
    async with console.session.get(console.base + "board") as r:
        assert r.status == 403
    async with supervisor.session.get(supervisor.base + "board") as r:
        assert r.status == 200
    await supervisor.close()
    await console.close()


async def test_a_grouping_that_is_none_is_refused_by_name(site: Site, server: Any) -> None:
    await operator(site, "sam", [], role=Role.SUPERVISOR)
    supervisor = await connect(server, "sam", board=True)
    async with supervisor.session.get(supervisor.base + "stats/operators/export.csv?by=week") as r:
        assert r.status == 422 and "by" in await r.text()
    await supervisor.close()
