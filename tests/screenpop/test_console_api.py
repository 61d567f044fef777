"""The console's API as its script uses it: dialing, missed calls, notes, new customers, the line picker.

Real SQLite, a real aiohttp server, sim lines; every request carries the session cookie and the CSRF
header like the browser's.
"""

from __future__ import annotations

from typing import Any, TypeVar

import aiohttp

from ctid.accounts.models import Role
from ctid.audit.models import Actor, AuditFilter
from ctid.crm.new_customer import NewCustomer
from ctid.voicecard.sim import SimCall
from tests.screenpop.support import KNOWN, Console, connect, operator, ring, sim
from tests.support.site import Site
from tests.support.waiting import eventually

T = TypeVar("T")


async def missed_numbers(console: Console) -> list[str]:
    status, body = await console.api("GET", "/api/v1/me/missed")
    assert status == 200
    return [item["number"] for item in body["items"]]


async def test_an_operator_dials_on_a_bound_line_and_hangs_up(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    status, body = await console.api("POST", "/api/v1/lines/desk/dial", {"number": "139 0000 1111"})
    assert status == 202 and body["line"] == "desk"
    calls = site.services.calls

    async def connected() -> Any:
        call = await calls.get(body["call_id"])
        return call if call and call.outcome == "connected" else None

    call = await eventually(connected)
    assert (call.direction, call.number_e164) == ("outbound", "+8613900001111")
    assert (await console.next("line.status"))["line"]["status"] == "in call"
    status, _ = await console.api("POST", "/api/v1/lines/desk/hangup")
    assert status == 200
    ended = await eventually(lambda: _ended(site, body["call_id"]))
    assert ended.outcome == "connected" and ended.ended_at is not None
    await console.close()


async def _ended(site: Site, call_id: str) -> Any:
    call = await site.services.calls.get(call_id)
    return call if call and call.ended_at else None


async def test_dialing_is_refused_where_the_operator_may_not_or_cannot_dial(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    for line, number, expected, code in [
        ("back", KNOWN, 403, "forbidden"),  # a line of the branch, not bound to her
        ("east-1", KNOWN, 403, "forbidden"),  # another branch's line
        ("nope", KNOWN, 404, "not_found"),
        ("front", "call me", 422, "invalid"),
        ("front", "", 422, "invalid"),
    ]:
        status, body = await console.api("POST", f"/api/v1/lines/{line}/dial", {"number": number})
        assert (status, body["error"]["code"]) == (expected, code), (line, number, body)
    status, body = await console.api("POST", "/api/v1/lines/front/dial", {"number": "12"})
    assert status == 422 and body["error"]["field"] == "number"
    sim(site, "front").simulate(SimCall("13900002222", rings=3, ring_period_s=5))
    await console.next("call.ringing")
    status, body = await console.api("POST", "/api/v1/lines/front/dial", {"number": KNOWN})
    assert (status, body["error"]["code"]) == (409, "line_busy")
    # in words: the line's label and what it is doing, not its config key and state ("front", "identified")
    words = ("线路 前台 正在振铃，无法拨号。", "Line 前台 is ringing: cannot dial.")
    assert body["error"]["message"] in words
    await console.close()


async def test_a_missed_call_is_listed_until_someone_returns_it(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    await operator(site, "bob", ["back"])
    olga, bob = await connect(server, "olga"), await connect(server, "bob")
    ring(site, "desk", "13900005555")
    ended = await olga.next("call.ended")
    assert ended["outcome"] == "missed"
    assert await eventually(lambda: _listed(olga, "13900005555"))
    assert await missed_numbers(bob) == [], "bob does not follow the desk line"
    status, _ = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": "13900005555"})
    assert status == 202
    assert await eventually(lambda: _gone(olga, "13900005555"))
    await olga.api("POST", "/api/v1/lines/desk/hangup")
    await olga.close()
    await bob.close()


async def _listed(console: Console, number: str) -> bool:
    return number in await missed_numbers(console)


async def _gone(console: Console, number: str) -> bool:
    return number not in await missed_numbers(console)


async def test_a_note_is_saved_on_the_call_and_audited(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    await operator(site, "erin", ["east-1"], branch="east")
    olga, erin = await connect(server, "olga"), await connect(server, "erin")
    ring(site, "desk", KNOWN)
    call_id = (await olga.next("call.ringing"))["call"]["id"]
    await eventually(lambda: site.services.calls.get(call_id))
    note = "客户要求明天上午回电\n确认保养时间"
    status, body = await olga.api("PUT", f"/api/v1/calls/{call_id}/note", {"note": f"  {note}  "})
    assert status == 200 and body["note"] == note and body["id"] == call_id
    stored = await site.services.calls.get(call_id)
    assert stored is not None and stored.note == note
    entries = (await site.services.audit.search(AuditFilter(action="call.note"))).items
    assert [(e.entity_id, e.after) for e in entries] == [(call_id, {"note": note})]
    status, body = await erin.api("PUT", f"/api/v1/calls/{call_id}/note", {"note": "x"})
    assert status == 404, "another branch's call does not exist for erin"
    status, body = await olga.api("PUT", f"/api/v1/calls/{call_id}/note", {"note": "长" * 2001})
    assert status == 422 and body["error"]["field"] == "note"
    status, body = await olga.api("PUT", "/api/v1/calls/ffff/note", {"note": "x"})
    assert status == 404
    await olga.close()
    await erin.close()


async def test_an_unknown_caller_becomes_a_customer_linked_to_the_call(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    ring(site, "desk", "13900006666")
    identified = await console.next("call.identified")
    assert identified["customer"] is None
    call_id = identified["call"]["id"]
    # the call log writes the call after the pop is out (EventBus.urgent): a slower database writes later
    await eventually(lambda: site.services.calls.get(call_id))
    form = {"name": "", "phones": ["13900006666"], "plate": "粤B 12345", "call_id": call_id}
    status, body = await console.api("POST", "/api/v1/customers", form)
    assert status == 422 and body["error"]["field"] == "name"
    status, body = await console.api("POST", "/api/v1/customers", {**form, "name": "李娜", "plate": "??"})
    assert status == 422 and body["error"]["field"] == "plate"
    status, card = await console.api("POST", "/api/v1/customers", {**form, "name": "李娜", "brand": "丰田"})
    assert status == 201 and card["name"] == "李娜"
    assert [v["plate"] for v in card["vehicles"]] == ["粤B12345"]
    assert [p["e164"] for p in card["phones"]] == ["+8613900006666"]
    linked = await eventually(lambda: _linked(site, call_id))
    assert linked.customer_id == card["id"]
    await console.next("call.ended")
    ring(site, "desk", "139-0000-6666")
    again = await console.next("call.identified")
    assert again["customer"]["id"] == card["id"], "the next call from this number pops the new card"
    await console.close()


async def _linked(site: Site, call_id: str) -> Any:
    call = await site.services.calls.get(call_id)
    return call if call and call.customer_id else None


async def test_choosing_one_of_several_candidates_links_the_call(site: Site, server: Any) -> None:
    branch = (await site.accounts.branches.default_branch()).id
    ids = [
        (
            await site.services.crm.create_customer(
                Actor.system(), NewCustomer(n, "person", branch, [KNOWN], confirm_shared_phone=True)
            )
        ).id
        for n in ("王强", "王芳")
    ]
    await operator(site, "olga", ["front"])
    await operator(site, "erin", ["east-1"], branch="east")
    console, erin = await connect(server, "olga"), await connect(server, "erin")
    ring(site, "front", KNOWN)
    identified = await console.next("call.identified")
    assert sorted(c["id"] for c in identified["candidates"]) == sorted(ids)
    call_id = identified["call"]["id"]
    status, card = await console.api("GET", f"/api/v1/customers/{ids[1]}")
    assert status == 200 and card["name"] == "王芳"
    assert [c["direction"] for c in card["recent_calls"]] == ["inbound"], "this call, with her number"
    status, _ = await console.api("PUT", f"/api/v1/calls/{call_id}/customer", {"customer_id": ids[1]})
    assert status == 200
    assert (await eventually(lambda: _linked(site, call_id))).customer_id == ids[1]
    status, _ = await erin.api("GET", f"/api/v1/customers/{ids[1]}")
    assert status == 404, "another branch's customer"
    status, body = await console.api("PUT", f"/api/v1/calls/{call_id}/customer", {"customer_id": "x"})
    assert status == 422 and body["error"]["field"] == "customer_id"
    await console.close()
    await erin.close()


async def test_the_line_picker_binds_lines_of_the_own_branch_only(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    status, body = await console.api("GET", "/api/v1/me/lines")
    assert status == 200
    assert {c["name"]: c["bound"] for c in body["lines"]} == {"front": True, "back": False, "desk": False}
    status, body = await console.api("PUT", "/api/v1/me/lines", {"lines": ["back", "desk"]})
    assert status == 200 and [c["name"] for c in body["lines"] if c["bound"]] == ["back", "desk"]
    status, body = await console.api("PUT", "/api/v1/me/lines", {"lines": ["east-1"]})
    assert status == 422 and body["error"]["field"] == "lines"
    status, body = await console.api("PUT", "/api/v1/me/lines", {"lines": "back"})
    assert status == 422
    await console.close()
    moved = await connect(server, "olga")
    ring(site, "back", "13900007777")
    assert (await moved.next("call.identified"))["call"]["line"] == "back", "the new binding applies"
    await moved.close()


async def test_a_supervisor_follows_and_dials_on_every_line_of_the_branch(site: Site, server: Any) -> None:
    await operator(site, "boss", [], Role.SUPERVISOR)
    console = await connect(server, "boss")
    status, _ = await console.api("POST", "/api/v1/lines/back/dial", {"number": KNOWN})
    assert status == 202
    status, _ = await console.api("POST", "/api/v1/lines/east-1/dial", {"number": KNOWN})
    assert status == 403
    await console.api("POST", "/api/v1/lines/back/hangup")
    await console.close()


async def test_the_console_page_needs_a_login_and_carries_no_inline_script(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    async with console.session.get(console.base + "console") as response:
        page = await response.text()
        assert response.status == 200
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    openings = [s.split(">")[0] for s in page.split("<script")[1:]]
    assert openings and all('type="application/json"' in o or "src=" in o for o in openings), openings
    await console.close()
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(str(server.make_url("/console")), allow_redirects=False) as response:
            assert response.status in (302, 303) and "/login" in response.headers["Location"]
        async with anonymous.get(str(server.make_url("/api/v1/me/missed"))) as response:
            assert response.status == 401


async def test_an_admin_sets_an_operators_lines_on_the_users_page(site: Site, server: Any) -> None:
    olga = await operator(site, "olga", ["front"])
    await operator(site, "root", [], Role.ADMIN)
    admin = await connect(server, "root")
    await admin.api("GET", "/api/v1/me")  # fetches the CSRF token
    page = await (await admin.session.get(admin.base + f"admin/users/{olga.id}")).text()
    assert 'name="lines" value="front" checked' in page and 'value="east-1"' not in page
    form = [("display_name", "Olga"), ("role", "operator"), ("branch_id", str(olga.branch_id))]
    form += [("active", "on"), ("lines", "back"), ("lines", "desk"), ("lines", "east-1")]
    headers = {"X-CSRF-Token": admin.csrf or ""}
    url = admin.base + f"admin/users/{olga.id}"
    async with admin.session.post(url, data=form, headers=headers, allow_redirects=False) as response:
        assert response.status == 303
    assert await site.accounts.bindings.bound_lines(olga.id) == ["back", "desk"], (
        "another branch's line is left out"
    )
    await admin.close()
