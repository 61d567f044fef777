"""A pop shows its line's branch only: that branch's customers with the number, and their calls on that
branch's lines. Before, a call on an east line from a number a main customer has popped main's card (with
its calls) on the east console, which the console's own API then refused to open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ctid.audit.models import Actor
from ctid.crm.new_customer import NewCustomer
from ctid.voicecard.callerid import CallerId
from ctid.voicecard.events import CallEnded, CallIdentified, CallRinging
from tests.screenpop.support import KNOWN, connect, known_customer, operator, ring
from tests.support.site import Site

T0 = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)


async def logged_call(site: Site, call_id: str, line: str, number: str, minutes: int) -> None:
    """A call that happened earlier, as the call log keeps it."""
    at, calls = T0 + timedelta(minutes=minutes), site.services.calls
    await calls.record(CallRinging(line=line, at=at, call_id=call_id, ring_count=1, tag=None))
    caller = CallerId(number=number)
    await calls.record(CallIdentified(line=line, at=at, call_id=call_id, caller_id=caller, ring_tag=None))
    ended = CallEnded(
        line=line, at=at + timedelta(seconds=20), call_id=call_id, direction="inbound",
        outcome="answered", reason="hangup", rings=1, duration_s=20.0, talk_s=15.0,
    )  # fmt: skip
    await calls.record(ended)


async def test_another_branchs_customer_does_not_pop(site: Site, server: Any) -> None:
    await known_customer(site)  # main's 张伟
    await operator(site, "erin", ["east-1"], branch="east")
    console = await connect(server, "erin")
    try:
        ring(site, "east-1", KNOWN)
        identified = await console.next("call.identified")
        assert (identified["customer"], identified["candidates"]) == (None, []), (
            "main's customer is not east's"
        )
    finally:
        await console.close()


async def test_the_pop_shows_its_branchs_customer_and_calls_only(site: Site, server: Any) -> None:
    await known_customer(site)  # main's 张伟, with the same number
    east = (await site.accounts.branches.branch_by_code("east")).id
    wang = await site.services.crm.create_customer(
        Actor.system(), NewCustomer("王芳", "person", east, [KNOWN])
    )
    await logged_call(site, "a1", "front", KNOWN, 0)  # the caller phoned main
    await logged_call(site, "e1", "east-1", KNOWN, 1)  # and east
    await operator(site, "erin", ["east-1"], branch="east")
    console = await connect(server, "erin")
    try:
        ring(site, "east-1", KNOWN)
        identified = await console.next("call.identified")
        assert identified["candidates"] == []
        customer = identified["customer"]
        assert (customer["id"], customer["name"]) == (wang.id, "王芳")
        assert [c["id"] for c in customer["recent_calls"]] == ["e1"], "main's call with the number is main's"
    finally:
        await console.close()
