"""Operators' states through the console's API and socket, on SQLite and PostgreSQL: ready / break kept
server-side, offline with no console open, every change in the state history, supervisors told live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ctid.accounts.agents import AgentState
from ctid.accounts.models import Role, User
from ctid.calls.models import Call, CallFilter
from ctid.voicecard.sim import SimCall
from tests.screenpop.support import connect, operator, sim
from tests.support.site import Site
from tests.support.waiting import eventually


async def test_an_operator_goes_on_a_break_and_back_and_the_supervisor_sees_each_change(
    site: Site, server: Any
) -> None:
    olga = await operator(site, "olga", ["desk"])
    await operator(site, "sam", [], role=Role.SUPERVISOR)
    agents = site.services.agents
    assert (await agents.status(olga)).state == AgentState.OFFLINE  # no console open yet
    supervisor = await connect(server, "sam", board=True)
    console = await connect(server, "olga")
    seen = await supervisor.next("agent.state")
    assert (seen["agent"]["id"], seen["agent"]["state"]) == (olga.id, "ready")  # an operator starts ready
    assert agents.ready_on("desk") == {olga.id} and agents.ready_on("front") == set()

    status, body = await console.api("PUT", "/api/v1/me/state", {"state": "break"})
    assert status == 200 and (body["state"], body["chosen"]) == ("break", "break")
    assert (await supervisor.next("agent.state"))["agent"]["state"] == "break"
    assert await console.silent()  # consoles are not sent the board's messages
    assert agents.ready_on("desk") == set()

    status, body = await console.api("PUT", "/api/v1/me/state", {"state": "asleep"})
    assert status == 422 and body["error"]["field"] == "state"

    await console.close()
    assert (await supervisor.next("agent.state"))["agent"]["state"] == "offline"
    assert (await agents.status(olga)).chosen == AgentState.BREAK  # kept for her next console

    console = await connect(server, "olga")
    assert (await supervisor.next("agent.state"))["agent"]["state"] == "break"
    board = {a.user.username: a for a in await agents.of_branch(olga.branch_id)}
    assert list(board) == ["olga"] and board["olga"].state == AgentState.BREAK  # operators only
    await console.close()
    await eventually(lambda: _offline(site, olga))

    expected = ["ready", "break", "offline", "break", "offline"]
    assert await eventually(lambda: _states(site, olga, len(expected)), within_s=15) == expected
    await supervisor.close()


async def _states(site: Site, user: User, count: int = 1) -> list[str] | None:
    """The state history's states once ``count`` of its writes are in (None before)."""
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    history = await site.services.agents.history([user.id], user.created_at, tomorrow)
    states = [state for _user, state, _at in history]
    return states if len(states) >= count else None


async def _offline(site: Site, user: User) -> bool | None:
    return True if (await site.services.agents.status(user)).state == AgentState.OFFLINE else None


async def test_supervisors_choose_no_state(site: Site, server: Any) -> None:
    await operator(site, "sam", [], role=Role.SUPERVISOR)
    supervisor = await connect(server, "sam", board=True)
    status, body = await supervisor.api("PUT", "/api/v1/me/state", {"state": "ready"})
    assert status == 422 and body["error"]["field"] == "state"
    await supervisor.close()


async def test_a_start_puts_whoever_the_last_run_left_online_offline(site: Site, server: Any) -> None:
    olga = await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    await eventually(lambda: _online(site, olga))
    assert await eventually(lambda: _states(site, olga), within_s=15) == ["ready"]
    await site.services.agents.start()  # as the next run's start would, with her log saying ready
    assert await eventually(lambda: _states(site, olga, 2), within_s=15) == ["ready", "offline"]
    await console.close()


async def _online(site: Site, user: User) -> bool | None:
    return True if (await site.services.agents.status(user)).state == AgentState.READY else None


async def _call(site: Site, number: str, done: bool = True) -> Call | None:
    found = await site.services.calls.search(await _admin(site), CallFilter(number=number))
    calls = [c for c in found.items if c.ended_at is not None or not done]
    return calls[0] if calls else None


async def _admin(site: Site) -> User:
    return await site.accounts.users.get_user(1)


async def test_an_answered_call_is_the_only_ready_operator_s_and_a_missed_one_counts_against_the_ready(
    site: Site, server: Any
) -> None:
    olga = await operator(site, "olga", ["desk"])
    pete = await operator(site, "pete", ["desk"])
    await operator(site, "sam", [], role=Role.SUPERVISOR)
    supervisor = await connect(server, "sam", board=True)
    olgas, petes = await connect(server, "olga"), await connect(server, "pete")
    await petes.api("PUT", "/api/v1/me/state", {"state": "break"})
    await eventually(lambda: _ready_on(site, "desk", {olga.id}))

    sim(site, "desk").simulate(
        SimCall("13700000001", rings=1, answer_after=1, talk_s=0.2, ring_period_s=0.01)
    )
    handled = await supervisor.next("call.handled")
    assert handled["user"] == {"id": olga.id, "label": "Olga", "how": "only ready"}
    call = await eventually(lambda: _call(site, "13700000001"))  # ended: the line is free again
    assert (call.handled_by, call.handled_how) == (olga.id, "only ready")

    await petes.api("PUT", "/api/v1/me/state", {"state": "ready"})
    await eventually(lambda: _ready_on(site, "desk", {olga.id, pete.id}))
    sim(site, "desk").simulate(SimCall("13700000002", rings=1, ring_period_s=0.01))  # rings out: missed
    missed = await eventually(lambda: _call(site, "13700000002"))
    assert await eventually(lambda: site.services.calls.missed_by(missed.id)) == sorted([olga.id, pete.id])

    # two ready: an answered call is nobody's until one of them writes its note
    sim(site, "desk").simulate(
        SimCall("13700000003", rings=1, answer_after=1, talk_s=0.2, ring_period_s=0.01)
    )
    answered = await eventually(lambda: _call(site, "13700000003"))
    assert answered.handled_by is None
    status, _body = await petes.api("PUT", f"/api/v1/calls/{answered.id}/note", {"note": "问保养价格"})
    assert status == 200
    noted = await site.services.calls.get(answered.id)
    assert noted is not None and (noted.handled_by, noted.handled_how) == (pete.id, "note")
    for console in (supervisor, olgas, petes):
        await console.close()


def answered_call(number: str) -> SimCall:
    return SimCall(number, rings=1, answer_after=1, talk_s=0.2, ring_period_s=0.01)


async def _ready_on(site: Site, line: str, expected: set[int]) -> bool | None:
    return True if site.services.agents.ready_on(line) == expected else None


async def _handled(site: Site, number: str) -> Call | None:
    call = await _call(site, number, done=False)
    return call if call is not None and call.handled_by is not None else None


async def test_an_outbound_call_is_the_dialling_operator_s(site: Site, server: Any) -> None:
    olga = await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    status, body = await console.api("POST", "/api/v1/lines/desk/dial", {"number": "139 0000 1111"})
    assert status == 202
    call = await eventually(lambda: _handled(site, "13900001111"))
    assert (call.id, call.direction, call.handled_by, call.handled_how) == (
        body["call_id"],
        "outbound",
        olga.id,
        "dialled",
    )
    await console.api("POST", "/api/v1/lines/desk/hangup")
    await console.close()
