"""An unknown caller who is a customer calling from a new phone: the operator finds them by a search and
``PUT /api/v1/calls/{id}/customer`` with ``add_number`` adds the call's number to their phones (audited,
branch-scoped, a number another customer has asked about first) and links the call; the next call from the
number pops them. Real database (both backends), a real aiohttp server, sim lines."""

from __future__ import annotations

from typing import Any

import aiohttp

from ctid.audit.models import Actor, AuditFilter
from ctid.crm.new_customer import NewCustomer
from tests.screenpop.support import Console, connect, operator, ring
from tests.support.site import Site
from tests.support.waiting import eventually

NEW_PHONE = "13900008888"


async def _customer(site: Site, name: str, *phones: str, branch: str = "") -> int:
    branches = site.accounts.branches
    found = await (branches.branch_by_code(branch) if branch else branches.default_branch())
    new = NewCustomer(name, "person", found.id, phones, confirm_shared_phone=True)
    return (await site.services.crm.create_customer(Actor.system(), new)).id


async def _unknown_call(site: Site, console: Console, line: str, number: str | None) -> str:
    ring(site, line, number)
    identified = await console.next("call.identified")
    assert identified["customer"] is None and identified["candidates"] == []
    call_id = str(identified["call"]["id"])
    await eventually(lambda: site.services.calls.get(call_id))  # written after the pop is out
    if line == "desk":  # missed after 0.3 s: the line is free for the next call
        await console.next("call.ended")
    return call_id


async def _phones(console: Console, customer_id: int) -> list[str]:
    status, card = await console.api("GET", f"/api/v1/customers/{customer_id}")
    assert status == 200
    return [p["e164"] for p in card["phones"]]


async def test_the_number_joins_the_customer_found_and_the_next_call_pops_them(
    site: Site, server: Any
) -> None:
    zhang = await _customer(site, "张伟", "13800138000")
    await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    call_id = await _unknown_call(site, console, "desk", NEW_PHONE)
    body = {"customer_id": zhang, "add_number": True}
    status, answer = await console.api("PUT", f"/api/v1/calls/{call_id}/customer", body)
    assert (status, answer) == (200, {"call_id": call_id, "customer_id": zhang})
    assert await _phones(console, zhang) == ["+8613800138000", "+86" + NEW_PHONE]
    call = await site.services.calls.get(call_id)
    assert call is not None and call.customer_id == zhang
    updates = (await site.services.audit.search(AuditFilter(action="customer.update"))).items
    assert [(e.entity_id, e.before, e.after) for e in updates] == [
        (str(zhang), {"phones": ["+8613800138000"]}, {"phones": ["+8613800138000", "+86" + NEW_PHONE]})
    ]
    linked = (await site.services.audit.search(AuditFilter(action="call.customer"))).items
    assert [(e.entity_id, e.after) for e in linked] == [(call_id, {"customer_id": zhang})]

    # once more (a second click): the number is theirs already, nothing new to audit
    status, _ = await console.api("PUT", f"/api/v1/calls/{call_id}/customer", body)
    assert status == 200 and await _phones(console, zhang) == ["+8613800138000", "+86" + NEW_PHONE]
    assert len((await site.services.audit.search(AuditFilter(action="customer.update"))).items) == 1

    ring(site, "desk", "139 0000 8888")
    again = await console.next("call.identified")
    assert again["customer"]["id"] == zhang, "the next call from the number pops the customer"
    assert (await console.api("GET", "/api/v1/search?q=13900008888"))[1]["items"][0]["id"] == zhang
    await console.close()


async def test_a_number_another_customer_has_is_asked_about_first(site: Site, server: Any) -> None:
    zhang = await _customer(site, "张伟", "13800138000")
    family = await _customer(site, "张伟的太太", NEW_PHONE)
    await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    call_id = await _unknown_call(site, console, "desk", "13900009999")
    await _customer(site, "李娜", "13900009999")  # the number is someone's by now (another operator's)
    status, body = await console.api(
        "PUT", f"/api/v1/calls/{call_id}/customer", {"customer_id": zhang, "add_number": True}
    )
    assert (status, body["error"]["code"], body["error"]["field"]) == (409, "phone_shared", "phones")
    assert [c["name"] for c in body["error"]["customers"]] == ["李娜"]
    assert await _phones(console, zhang) == ["+8613800138000"], "nothing added before the yes"
    call = await site.services.calls.get(call_id)
    assert call is not None and call.customer_id is None, "nor linked"
    confirmed = {"customer_id": zhang, "add_number": True, "confirm_shared_phone": True}
    status, _ = await console.api("PUT", f"/api/v1/calls/{call_id}/customer", confirmed)
    assert status == 200 and await _phones(console, zhang) == ["+8613800138000", "+8613900009999"]
    assert await _phones(console, family) == ["+86" + NEW_PHONE]
    await console.close()


async def test_another_branchs_customer_or_call_does_not_exist(site: Site, server: Any) -> None:
    zhang = await _customer(site, "张伟", "13800138000")
    wang = await _customer(site, "王芳", "13700137000", branch="east")
    await operator(site, "olga", ["desk"])
    await operator(site, "erin", ["east-1"], branch="east")
    olga, erin = await connect(server, "olga"), await connect(server, "erin")
    call_id = await _unknown_call(site, olga, "desk", NEW_PHONE)
    east_call = await _unknown_call(site, erin, "east-1", "13900007777")
    for console, call, customer in [(olga, call_id, wang), (erin, east_call, zhang), (erin, call_id, wang)]:
        body = {"customer_id": customer, "add_number": True}
        status, answer = await console.api("PUT", f"/api/v1/calls/{call}/customer", body)
        assert (status, answer["error"]["code"]) == (404, "not_found"), (call, customer)
    assert await _phones(olga, zhang) == ["+8613800138000"]
    assert await _phones(erin, wang) == ["+8613700137000"]
    assert (await site.services.audit.search(AuditFilter(action="customer.update"))).items == []
    await olga.close()
    await erin.close()


async def test_bad_input_is_refused_naming_the_field(site: Site, server: Any) -> None:
    zhang = await _customer(site, "张伟", "13800138000")
    await operator(site, "olga", ["desk"])
    console = await connect(server, "olga")
    call_id = await _unknown_call(site, console, "desk", NEW_PHONE)
    private = await _unknown_call(site, console, "desk", None)
    path = f"/api/v1/calls/{call_id}/customer"
    for body, field in [
        ({"customer_id": "x", "add_number": True}, "customer_id"),
        ({"add_number": True}, "customer_id"),
        ({"customer_id": zhang, "add_number": "maybe"}, "add_number"),
        ({"customer_id": zhang, "add_number": True, "confirm_shared_phone": [1]}, "confirm_shared_phone"),
        ({"customer_id": zhang, "add_numbers": True}, "add_numbers"),
    ]:
        status, answer = await console.api("PUT", path, body)
        assert (status, answer["error"]["field"]) == (422, field), body
    status, answer = await console.api(
        "PUT", f"/api/v1/calls/{private}/customer", {"customer_id": zhang, "add_number": True}
    )
    assert (status, answer["error"]["field"]) == (422, "add_number"), "a private number cannot be added"
    assert await _phones(console, zhang) == ["+8613800138000"]
    wang = await _customer(site, "王芳", *[f"1390000100{i}" for i in range(10)])
    status, answer = await console.api("PUT", path, {"customer_id": wang, "add_number": True})
    assert (status, answer["error"]["field"]) == (422, "phones"), "ten phones are the most a customer has"
    await console.close()
    async with aiohttp.ClientSession() as anonymous:
        url = str(server.make_url(path))
        async with anonymous.put(url, json={"customer_id": zhang, "add_number": True}) as response:
            assert response.status in (401, 403)
