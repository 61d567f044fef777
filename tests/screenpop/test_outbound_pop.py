"""Outbound calls pop too: a number dialled from a console shows its customer's card on the dialling
operator's console, and on no other console following the line."""

from __future__ import annotations

from typing import Any

from ctid.accounts.models import Role
from tests.screenpop.support import KNOWN, Console, connect, known_customer, operator
from tests.support.site import Site


async def no_call_messages(console: Console) -> bool:
    """Nothing about a call arrives for a while (line statuses may)."""
    while True:
        try:
            message = await console.ws.receive_json(timeout=0.5)
        except TimeoutError:
            return True
        if message["type"].startswith("call."):
            return False


async def test_a_dialled_customer_pops_on_the_dialling_console_only(site: Site, server: Any) -> None:
    customer_id = await known_customer(site)
    await operator(site, "olga", ["desk"])
    await operator(site, "bob", ["desk"])
    await operator(site, "sam", [], role=Role.SUPERVISOR)
    olga, bob, sam = [await connect(server, name) for name in ("olga", "bob", "sam")]
    status, body = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": "138 0013 8000"})
    assert status == 202
    pop = await olga.next("call.dialing")
    assert pop["call"]["id"] == body["call_id"] and pop["call"]["direction"] == "outbound"
    assert (pop["call"]["number"], pop["call"]["number_e164"]) == ("138 0013 8000", "+86" + KNOWN)
    assert pop["customer"]["id"] == customer_id and pop["lookup"] == "done"
    assert (await olga.next("call.connected"))["call"]["id"] == body["call_id"]
    assert await no_call_messages(bob) and await no_call_messages(sam)

    # a console of hers that connects mid-call shows the call; another operator's does not
    again, bob_again = await connect(server, "olga"), await connect(server, "bob")
    assert (await again.next("call.dialing"))["customer"]["name"] == "张伟"
    assert await no_call_messages(bob_again)

    status, _ = await olga.api("POST", "/api/v1/lines/desk/hangup")
    assert status == 200
    assert (await olga.next("call.ended"))["outcome"] == "connected"
    assert await no_call_messages(bob)
    call = await site.services.calls.get(body["call_id"])
    assert call is not None and call.customer_id == customer_id  # the call log knows whom she called
    for console in (olga, bob, sam, again, bob_again):
        await console.close()


async def test_an_unknown_dialled_number_pops_without_a_card(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    olga = await connect(server, "olga")
    status, _ = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": "020-3888-6666"})
    assert status == 202
    pop = await olga.next("call.dialing")
    assert (pop["customer"], pop["candidates"], pop["lookup"]) == (None, [], "done")
    assert pop["call"]["number_e164"] == "+862038886666"
    await olga.api("POST", "/api/v1/lines/desk/hangup")
    await olga.close()
