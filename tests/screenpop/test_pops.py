"""Screen pops end to end inside one process: sim lines -> state machine -> ScreenPops -> hub -> websockets.

Real SQLite, real aiohttp server and websocket clients; the lines are simulated (the modem path to the same
events is covered by tests/voicecard).
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Connection, text

from ctid.accounts.models import Role
from ctid.audit.models import Actor
from ctid.crm.new_customer import NewCustomer
from ctid.screenpop import service
from ctid.screenpop.service import PopEvent
from ctid.voicecard.sim import SimCall
from ctid.web.hub import CLIENT_BUFFER
from ctid.web.keys import HUB
from tests.screenpop.support import KNOWN, Console, connect, known_customer, operator, ring, sim
from tests.support.site import Site
from tests.support.waiting import eventually, wait_until


async def test_the_bound_operator_gets_the_known_callers_card(site: Site, server: Any) -> None:
    customer_id = await known_customer(site)
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    started = time.monotonic()
    ring(site, "front", KNOWN)
    ringing = await console.next("call.ringing")
    identified = await console.next("call.identified")
    assert time.monotonic() - started < 1.0
    assert ringing["call"]["line"] == "front" and ringing["call"]["line_label"] == "前台"
    call, customer = identified["call"], identified["customer"]
    assert (call["number"], call["number_e164"], call["direction"]) == (KNOWN, "+8613800138000", "inbound")
    assert customer["id"] == customer_id and customer["name"] == "张伟"
    assert [v["plate"] for v in customer["vehicles"]] == ["粤A12345"]
    assert identified["candidates"] == [] and identified["lookup"] == "done"
    await console.close()

    async def matched() -> Any:
        stored = await site.services.calls.get(call["id"])
        return stored if stored is not None and stored.customer_id is not None else None

    stored = await eventually(matched, what="the match written onto the call (from the call log's queue)")
    assert stored.customer_id == customer_id, "the match is written onto the call"


async def test_an_unknown_caller_pops_with_no_customer(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    ring(site, "front", "13900001111")
    identified = await console.next("call.identified")
    assert identified["customer"] is None and identified["candidates"] == []
    assert identified["call"]["number"] == "13900001111"
    await console.close()


async def test_a_shared_number_pops_every_candidate(site: Site, server: Any) -> None:
    branch = (await site.accounts.branches.default_branch()).id
    for name in ("广州恒通物流有限公司", "李强"):
        await site.services.crm.create_customer(
            Actor.system(), NewCustomer(name, "person", branch, ["020-8888-1234"], confirm_shared_phone=True)
        )
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    ring(site, "front", "+86 20 8888 1234")
    identified = await console.next("call.identified")
    assert identified["customer"] is None
    assert sorted(c["name"] for c in identified["candidates"]) == ["广州恒通物流有限公司", "李强"]
    await console.close()


async def test_each_console_gets_only_its_own_lines_and_branch(site: Site, server: Any) -> None:
    await operator(site, "front_op", ["front"])
    await operator(site, "back_op", ["back"])
    await operator(site, "east_op", ["east-1"], branch="east")
    await operator(site, "boss", [], Role.SUPERVISOR)
    consoles = {name: await connect(server, name) for name in ("front_op", "back_op", "east_op", "boss")}
    ring(site, "front", "13900002222")
    assert (await consoles["front_op"].next("call.identified"))["call"]["line"] == "front"
    assert (await consoles["boss"].next("call.identified"))["call"]["line"] == "front"
    assert await consoles["back_op"].silent() and await consoles["east_op"].silent()
    ring(site, "east-1", "13900003333")
    assert (await consoles["east_op"].next("call.identified"))["call"]["line"] == "east-1"
    assert await consoles["front_op"].silent() and await consoles["boss"].silent(), "another branch's call"
    for console in consoles.values():
        await console.close()


async def test_a_reconnecting_console_gets_the_calls_in_progress(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    sim(site, "front").simulate(SimCall("13900004444", rings=3, ring_period_s=5))
    await wait_until(
        lambda: identified_on(site, "front"), what="the call identified before the console comes"
    )
    console = await connect(server, "olga")
    replay = await console.next("call.identified")
    assert replay["call"]["number"] == "13900004444"
    await console.close()


async def test_a_console_that_stops_reading_is_dropped_and_never_delays_the_others(
    site: Site, server: Any
) -> None:
    await operator(site, "fast", ["front"])
    await operator(site, "stuck", ["front"])
    fast = await connect(server, "fast")
    stuck = StuckConsole(server, fast.session)
    await stuck.open()
    hub = server.app[HUB]
    await wait_until(lambda: hub.clients == 2, what="the stuck console's handshake done")
    branch = (await site.accounts.branches.default_branch()).id
    # 20 KB a message, 15 MB in all: far more than the stuck socket's kernel buffers and CLIENT_BUFFER
    count, pad = 768, "x" * 20_000
    assert count * len(pad) > 10 * CLIENT_BUFFER
    reader = asyncio.create_task(_read_updates(fast, count))
    started = time.monotonic()
    for index in range(count):
        message = {"type": "call.updated", "call": {"id": "x", "line": "front"}, "pad": pad, "n": index}
        site.services.bus.publish(PopEvent(line="front", branch_id=branch, message=message))
        await asyncio.sleep(0.002)  # the behaviour: a stream of pops, the loop serving the sockets between
    received = await asyncio.wait_for(reader, 20)
    assert received == list(range(count)), "the reading console got everything, in order"
    assert time.monotonic() - started < 20
    assert hub.clients == 1, "the stuck console was disconnected"
    stuck.close()
    await fast.close()


async def _read_updates(console: Console, count: int) -> list[int]:
    return [(await console.next("call.updated", 20))["n"] for _ in range(count)]


def identified_on(site: Site, line: str) -> bool:
    """Whether the pops hold an identified call on ``line`` (what a console that connects now is sent)."""
    return any(m["type"] == "call.identified" for m in site.services.pops.active_messages({line}))


class StuckConsole:
    """A websocket client that completes the handshake and then never reads (tiny receive buffer)."""

    def __init__(self, server: Any, logged_in: aiohttp.ClientSession) -> None:
        self.server, self.logged_in = server, logged_in
        self.sock = socket.socket()

    async def open(self) -> None:
        cookies = self.logged_in.cookie_jar.filter_cookies(self.server.make_url("/"))
        cookie = "; ".join(f"{k}={v.value}" for k, v in cookies.items())
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((self.server.host, self.server.port))
        origin = str(self.server.make_url("/")).rstrip("/")
        request = (
            f"GET /ws HTTP/1.1\r\nHost: {self.server.host}:{self.server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\nCookie: {cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())  # from now on nothing is read

    def close(self) -> None:
        self.sock.close()


async def test_origin_is_checked(site: Site, server: Any) -> None:
    await operator(site, "olga", ["front"])
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await connect(server, "olga", origin="http://evil.example")
    assert refused.value.status == 403


async def test_programs_connect_with_a_bearer_token(site: Site, server: Any) -> None:
    user = await operator(site, "robot", ["front"])
    secret, _id = await site.token(user)
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(server.make_url("/ws"), headers={"Authorization": f"Bearer {secret}"})
        hello = await ws.receive_json(timeout=3)
        assert hello["type"] == "hello" and [line["name"] for line in hello["lines"]] == ["front"]
        await ws.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(server.make_url("/ws"))
        assert refused.value.status == 401


# a file not kept in memory: the pop's read goes to the reader thread, where it may be slow
@pytest.mark.parametrize("config", [{"keep_in_memory": False}], indirect=True, ids=["on disk"])
async def test_a_slow_lookup_pops_the_number_first_then_the_customer(
    site: Site, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id = await known_customer(site)
    real_read = service.read_pop

    def slow_read(conn: Connection, *args: Any) -> Any:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_sleep(0.5)"))  # a busy server: the loop goes on meanwhile
        else:
            time.sleep(0.5)  # in the reader thread, as a slow disk would
        return real_read(conn, *args)

    monkeypatch.setattr(service, "read_pop", slow_read)
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    ring(site, "front", KNOWN)
    first = await console.next("call.identified", within_s=0.45)
    assert first["lookup"] == "pending" and first["call"]["number"] == KNOWN and first["customer"] is None
    update = await console.next("call.updated", within_s=2)
    assert update["lookup"] == "done" and update["customer"]["id"] == customer_id
    await console.close()


async def test_frames_of_every_length_class_reach_a_real_client_whole(site: Site, server: Any) -> None:
    """The hub frames messages itself: 7-bit, 16-bit and 64-bit lengths and their edges, multibyte text."""
    await operator(site, "olga", ["front"])
    console = await connect(server, "olga")
    branch = (await site.accounts.branches.default_branch()).id
    base = len(b'{"type": "call.updated", "call": {"line": "front"}, "n": 0, "pad": ""}')
    sizes = [0, 125 - base, 126 - base, 65535 - base, 65536 - base, 200_000]
    for n, size in enumerate(sizes):
        message = {"type": "call.updated", "call": {"line": "front"}, "n": n, "pad": "x" * max(size, 0)}
        site.services.bus.publish(PopEvent(line="front", branch_id=branch, message=message))
    site.services.bus.publish(
        PopEvent(line="front", branch_id=branch, message={"type": "call.updated", "n": 99, "pad": "张伟粤A"})
    )
    for n, size in enumerate(sizes):
        got = await console.next("call.updated")
        assert (got["n"], len(got["pad"])) == (n, max(size, 0))
    assert (await console.next("call.updated"))["pad"] == "张伟粤A"
    await console.close()
