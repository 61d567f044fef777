"""Back-to-back calls and call waiting, from a line's caller ID to the consoles' websockets and the call log.

The sim line is driven as a modem would drive it (RINGs, caller-ID lines through a parser, the handset), so
the whole path above the line is the real one: state machine, bus, call log, screen pops, hub, app.
"""

from __future__ import annotations

from typing import Any

from ctid.accounts.models import Role
from ctid.voicecard.callerid import FormattedCallerIdParser
from ctid.voicecard.sim import SimCall
from tests.screenpop.support import connect, operator, sim
from tests.support.site import Site
from tests.support.waiting import eventually

A, B = "13912345678", "02088881234"


def caller_id(site: Site, line: str, number: str, name: str | None = None) -> None:
    """One caller-ID block as a modem prints it, through a parser of its own (a new block)."""
    parser, driver = FormattedCallerIdParser(), sim(site, line)
    lines = ["DATE = 0322", "TIME = 1405", f"NMBR = {number}", *([f"NAME = {name}"] if name else [])]
    for text in lines:
        if (update := parser.feed(text)) is not None:
            driver.caller_id(update)


async def test_the_next_caller_while_a_call_rings_pops_as_a_call_of_its_own(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    line = sim(site, "front")
    line.ring()
    caller_id(site, "front", A)
    first = (await console.next("call.identified"))["call"]
    line.ring()
    line.ring()  # the first caller hung up; the next one rings
    caller_id(site, "front", A)  # the same customer, redialling
    ended = await console.next("call.ended")
    assert (ended["call"]["id"], ended["outcome"]) == (first["id"], "missed")
    second = (await console.next("call.identified"))["call"]
    assert second["id"] != first["id"] and second["number"] == A
    calls = site.services.calls

    async def logged() -> bool:
        return (await calls.get(first["id"])) is not None and (await calls.get(second["id"])) is not None

    await eventually(logged, what="both calls in the call log (written from its own queue)")
    row = await calls.get(first["id"])
    assert row is not None and (row.outcome, row.end_reason, row.rings) == ("missed", "caller hung up", 2)
    assert (await console.api("GET", "/api/v1/me/missed"))[1]["items"][0]["id"] == first["id"]
    for language, words in (("zh-CN", "未接 · 来电方挂断"), ("en", "missed · caller hung up")):
        page = await console.session.get(console.base + "calls", headers={"Accept-Language": language})
        assert words in " ".join((await page.text()).split()), language
    await console.close()


async def test_call_waiting_shows_on_the_calls_consoles_only(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    await operator(site, "bob", ["back"])
    await operator(site, "boss", [], Role.SUPERVISOR)
    await operator(site, "east_op", ["east-1"], branch="east")
    consoles = {name: await connect(server, name) for name in ("olga", "bob", "boss", "east_op")}
    line = sim(site, "front")
    line.simulate(SimCall(A, rings=1, answer_after=1, talk_s=30))
    answered = await consoles["olga"].next("call.answered")
    caller_id(site, "front", B, "LI SI")
    for name in ("olga", "boss"):
        waiting = await consoles[name].next("call.waiting")
        assert waiting["call"]["id"] == answered["call"]["id"] and waiting["call"]["number"] == A
        assert (waiting["waiting"]["number"], waiting["waiting"]["number_e164"]) == (B, "+862088881234")
        named = await consoles[name].next("call.waiting")
        assert named["waiting"]["name"] == "LI SI"
    assert await consoles["bob"].silent() and await consoles["east_op"].silent()
    assert line.machine.call_id == answered["call"]["id"], "no new call"
    again = await connect(server, "olga")  # a reloaded console shows the call as it is
    replayed = [await again.next("call.answered"), await again.next("call.waiting")]
    assert replayed[1]["waiting"]["name"] == "LI SI"
    await again.close()
    for console in consoles.values():
        await console.close()
