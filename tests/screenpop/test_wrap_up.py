"""A call's wrap-up result, given from the console (PUT /api/v1/calls/{id}/result, on the note's model):
only a result of the list that is not retired, only on a call of the user's branch, audited; the call log
filters by it (GET /api/v1/calls?result=)."""

from __future__ import annotations

from typing import Any

from ctid.accounts.models import Role
from ctid.audit.models import Actor, AuditFilter
from tests.screenpop.support import KNOWN, Console, connect, operator, ring
from tests.support.site import Site
from tests.support.waiting import eventually


async def _call_on_desk(site: Site, olga: Console) -> str:
    ring(site, "desk", KNOWN)
    call_id = str((await olga.next("call.ringing"))["call"]["id"])
    await eventually(lambda: site.services.calls.get(call_id))
    return call_id


async def _listed(console: Console, query: str) -> list[str]:
    status, body = await console.api("GET", f"/api/v1/calls?{query}")
    assert status == 200, body
    return [item["id"] for item in body["items"]]


async def test_a_result_is_given_audited_and_filtered_on(site: Site, server: Any) -> None:
    olga_user = await operator(site, "olga", ["desk"])
    olga = await connect(server, "olga")
    call_id = await _call_on_desk(site, olga)
    status, body = await olga.api("PUT", f"/api/v1/calls/{call_id}/result", {"result": "appointment"})
    assert status == 200 and body["id"] == call_id
    assert (body["result"], body["result_by"]) == ("appointment", olga_user.id) and body["result_at"]
    stored = await site.services.calls.get(call_id)
    assert stored is not None and stored.result == "appointment"
    assert await _listed(olga, "result=appointment") == [call_id]
    assert await _listed(olga, "result=complaint") == []
    status, body = await olga.api("PUT", f"/api/v1/calls/{call_id}/result", {"result": "complaint"})
    assert status == 200 and body["result"] == "complaint"
    status, body = await olga.api("PUT", f"/api/v1/calls/{call_id}/result", {"result": None})
    assert status == 200 and body["result"] is None
    entries = (await site.services.audit.search(AuditFilter(action="call.result"))).items
    changes = {((e.before or {}).get("result"), (e.after or {}).get("result")) for e in entries}
    assert changes == {(None, "appointment"), ("appointment", "complaint"), ("complaint", None)}
    assert {e.entity_id for e in entries} == {call_id}
    await olga.close()


async def test_an_unknown_or_retired_result_is_refused_by_name(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    olga = await connect(server, "olga")
    call_id = await _call_on_desk(site, olga)
    codes = {c.code: c for c in await site.services.wrap_up.list()}
    boss = await site.user("boss", Role.ADMIN)
    await site.services.wrap_up.update(Actor(boss.id, "boss"), boss, codes["other"].id, {"active": False})
    for body, field in [
        ({"result": "no_such_code"}, "result"),
        ({"result": "other"}, "result"),  # retired
        ({"result": "Not A Code"}, "result"),
        ({"result": 7}, "result"),
        ({}, "result"),
        ({"result": "enquiry", "note": "x"}, "note"),
    ]:
        status, answer = await olga.api("PUT", f"/api/v1/calls/{call_id}/result", body)
        assert (status, answer["error"]["field"]) == (422, field), (body, answer)
    stored = await site.services.calls.get(call_id)
    assert stored is not None and stored.result is None
    status, _ = await olga.api("PUT", "/api/v1/calls/ffff/result", {"result": "enquiry"})
    assert status == 404
    await olga.close()


async def test_another_branchs_call_does_not_exist(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    await operator(site, "erin", ["east-1"], branch="east")
    olga, erin = await connect(server, "olga"), await connect(server, "erin")
    call_id = await _call_on_desk(site, olga)
    status, _ = await erin.api("PUT", f"/api/v1/calls/{call_id}/result", {"result": "enquiry"})
    assert status == 404, "another branch's call does not exist for erin"
    await olga.api("PUT", f"/api/v1/calls/{call_id}/result", {"result": "enquiry"})
    assert await _listed(erin, "result=enquiry") == []
    assert await _listed(olga, "result=enquiry") == [call_id]
    await olga.close()
    await erin.close()
