"""The AT command layer over the real serial transport and the fake pty modem."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest

from ctid.voicecard.framing import DleEvent, Item, ModemLine
from ctid.voicecard.modem import Modem, ModemGone, ModemTimeout, Response
from ctid.voicecard.transport import open_serial
from tests.support.fakemodem import IDENTITY, FakeModem
from tests.support.waiting import wait_until

NOISE = [b"\x00", b"\xff", b"\x7f", b"\x10", b"\x07", b"\x1b[0m", b"\x1b[2J", b"\x1b7", b"\x08", b"\x1a"]


class Harness:
    def __init__(self, modem: Modem, items: list[Item]) -> None:
        self.modem = modem
        self.items = items

    def lines(self) -> list[str]:
        return [item.text for item in self.items if isinstance(item, ModemLine)]

    async def wait_for_lines(self, count: int) -> list[str]:
        await wait_until(lambda: len(self.lines()) >= count)
        return self.lines()


@pytest.fixture
async def at(fake_modem: FakeModem) -> AsyncIterator[Harness]:
    items: list[Item] = []
    modem = Modem(items.append)
    modem.attach(await open_serial(str(fake_modem.path), 115200, modem))
    yield Harness(modem, items)
    await modem.aclose()


async def write_slowly(fake: FakeModem, data: bytes, rng: random.Random) -> None:
    """In chunks of 1-4 bytes with a pause between: every split point gets exercised across reads."""
    index = 0
    while index < len(data):
        size = rng.randint(1, 4)
        fake.write(data[index : index + size])
        index += size
        await asyncio.sleep(0.0002)  # the behaviour under test: bytes trickling in, read apart


async def test_a_command_gets_its_lines_and_result_without_the_echo(
    at: Harness, fake_modem: FakeModem
) -> None:
    assert fake_modem.state.echo, "the fake starts with echo on, as a reset modem does"
    assert await at.modem.command("ATI3", 1) == Response("ATI3", "OK", (IDENTITY[1],))
    assert await at.modem.command("AT+GCI?", 1) == Response("AT+GCI?", "OK", ("+GCI: 26",))
    assert at.items == []


async def test_error_is_a_result_not_an_exception(at: Harness) -> None:
    response = await at.modem.command("AT+NONSENSE", 1)
    assert (response.result, response.ok) == ("ERROR", False)


async def test_no_answer_times_out_and_the_next_command_works(at: Harness, fake_modem: FakeModem) -> None:
    fake_modem.muted = True
    with pytest.raises(ModemTimeout, match=r"no answer to AT within 0\.05 s"):
        await at.modem.command("AT", 0.05)
    fake_modem.muted = False
    assert (await at.modem.command("AT", 1)).ok


async def test_ring_and_caller_id_during_a_command_go_to_the_line(at: Harness, fake_modem: FakeModem) -> None:
    assert (await at.modem.command("AT+VCID=1", 1)).ok
    fake_modem.dial_delay_s = 0.2
    dialing = asyncio.create_task(at.modem.command("ATDT95555;", 2))
    await fake_modem.wait_for_command("ATDT95555;")
    fake_modem.ring("A")
    fake_modem.caller_id("13912345678", "ZHANG SAN")
    assert await dialing == Response("ATDT95555;", "OK")
    assert at.lines() == ["RING A", "DATE = 0322", "TIME = 1405", "NMBR = 13912345678", "NAME = ZHANG SAN"]


async def test_one_command_in_flight_the_next_waits_for_its_answer(
    at: Harness, fake_modem: FakeModem
) -> None:
    fake_modem.dial_delay_s = 0.1
    dialing = asyncio.create_task(at.modem.command("ATDT1;", 2))
    asking = asyncio.create_task(at.modem.command("ATI3", 2))
    await fake_modem.wait_for_command("ATDT1;")
    # Kept: a window inside the 0.1 s dial for a wrong ATI3 to be written; no event says "not written".
    await asyncio.sleep(0.05)
    assert at.modem.busy and fake_modem.commands == ["ATDT1;"], "ATI3 was written during the dial"
    assert (await dialing).result == "OK"
    assert (await asking).lines == (IDENTITY[1],)
    assert fake_modem.commands == ["ATDT1;", "ATI3"]


async def test_unplugging_fails_the_pending_command_and_every_later_one(
    at: Harness, fake_modem: FakeModem
) -> None:
    fake_modem.dial_delay_s = 10
    dialing = asyncio.create_task(at.modem.command("ATDT1;", 20))
    await fake_modem.wait_for_command("ATDT1;")
    fake_modem.unplug()
    with pytest.raises(ModemGone, match="device disconnected"):
        await asyncio.wait_for(dialing, 2)
    lost = await at.modem.wait_lost(1)
    assert lost is not None and at.modem.is_lost
    with pytest.raises(ModemGone):
        await at.modem.command("AT", 1)


async def test_close_fails_the_pending_command(at: Harness, fake_modem: FakeModem) -> None:
    fake_modem.muted = True
    asking = asyncio.create_task(at.modem.command("ATI", 5))
    await fake_modem.wait_for_command("ATI")
    await at.modem.aclose()
    with pytest.raises(ModemGone, match="modem closed"):
        await asking


async def test_a_cancelled_command_leaves_the_modem_usable(at: Harness, fake_modem: FakeModem) -> None:
    fake_modem.muted = True
    asking = asyncio.create_task(at.modem.command("ATI", 5))
    await fake_modem.wait_for_command("ATI")
    asking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asking
    fake_modem.muted = False
    assert not at.modem.busy and (await at.modem.command("AT", 1)).ok


async def test_an_answer_a_byte_at_a_time_amid_noise(at: Harness, fake_modem: FakeModem) -> None:
    fake_modem.muted = True  # the test plays the modem's answer itself
    asking = asyncio.create_task(at.modem.command("ATI3", 5))
    await fake_modem.wait_for_command("ATI3")
    answer = b"ATI3\r\x00\r\n\xffZoom\x1b[0m 3095\r\n\x07\r\nRING\r\n\r\n+CME ERROR: 100\r\n"
    await write_slowly(fake_modem, answer, random.Random(1))
    assert await asking == Response("ATI3", "+CME ERROR: 100", ("Zoom 3095",))
    assert at.lines() == ["RING"]


@pytest.mark.parametrize("seed", range(3))
async def test_garbage_between_and_inside_lines_never_reaches_the_line(
    at: Harness, fake_modem: FakeModem, seed: int
) -> None:
    rng = random.Random(seed)
    expected = [
        "RING",
        "DATE = 0322",
        "TIME = 1405",
        "NMBR = 13912345678",
        "MESG = 80100108303332",
        "RING 1",
    ] * 3
    stream = b""
    for line in expected:
        noisy = bytearray(line.encode())
        for at_index in sorted(rng.sample(range(len(line) + 1), rng.randint(0, 3)), reverse=True):
            noisy[at_index:at_index] = rng.choice(NOISE)  # never inside another noise sequence
        stream += b"".join(rng.choices([*NOISE, b"\r", b"\n", b"\r\n"], k=rng.randint(0, 8)))
        stream += b"\r\n" + bytes(noisy) + b"\r\n"
    await write_slowly(fake_modem, stream, rng)
    assert await at.wait_for_lines(len(expected)) == expected
    await fake_modem.taken()  # and nothing more came of the rest of the stream
    assert at.items == [ModemLine(line) for line in expected]


async def test_dle_events_exist_only_in_voice_mode(at: Harness, fake_modem: FakeModem) -> None:
    def dle_events() -> list[Item]:
        return [item for item in at.items if isinstance(item, DleEvent)]

    fake_modem.write(b"\x10h\r\n")  # command mode: the DLE is noise, the "h" mere text
    fake_modem.ring()
    assert await at.wait_for_lines(2) == ["h", "RING"]
    assert (await at.modem.command("AT+FCLASS=8", 1)).ok
    fake_modem.write(b"\x10H\x105\x10h")
    fake_modem.ring()
    await at.wait_for_lines(3)
    assert dle_events() == [DleEvent("H"), DleEvent("5"), DleEvent("h")]
    assert (await at.modem.command("ATZ", 1)).ok  # a reset leaves voice mode
    fake_modem.write(b"\x10H\r\n")
    assert await at.wait_for_lines(4) == ["h", "RING", "RING", "H"]
    assert len(dle_events()) == 3
