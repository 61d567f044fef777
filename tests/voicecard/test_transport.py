"""The serial transport on a real pty: open errors, bytes both ways, chunking, garbage, unplug, close."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from ctid.voicecard.transport import DeviceUnavailable, SerialLink, open_serial
from tests.support.fakemodem import FakeModem
from tests.support.waiting import wait_until


class Collector:
    """A ``Receiver`` that keeps every chunk and the end."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.lost: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def connection_lost(self, error: Exception | None) -> None:
        assert not self.lost.done(), "connection_lost called twice"
        self.lost.set_result(error)

    async def wait_for_bytes(self, count: int, within_s: float = 3.0) -> None:
        await wait_until(lambda: len(self.data) >= count, within_s)


async def opened(fake: FakeModem) -> tuple[SerialLink, Collector]:
    collector = Collector()
    return await open_serial(str(fake.path), 115200, collector), collector


async def test_a_missing_device_says_so(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable, match=r"ttyNONE not found \(is the modem plugged in\?\)"):
        await open_serial(str(tmp_path / "ttyNONE"), 115200, Collector())


async def test_a_device_in_use_is_refused_with_a_clear_message(fake_modem: FakeModem) -> None:
    link, _ = await opened(fake_modem)
    try:
        with pytest.raises(DeviceUnavailable, match="in use by another program"):
            await open_serial(str(fake_modem.path), 115200, Collector())
    finally:
        link.close()


async def test_bytes_go_both_ways_unchanged(fake_modem: FakeModem) -> None:
    link, collector = await opened(fake_modem)
    every_byte = bytes(range(256))
    fake_modem.muted = True  # only the bytes, no answers
    link.write(b"ATI3\r" + every_byte)
    fake_modem.write(every_byte)
    await collector.wait_for_bytes(256)
    assert collector.data == every_byte
    await wait_until(lambda: len(fake_modem.received) >= 5 + 256)
    assert bytes(fake_modem.received) == b"ATI3\r" + every_byte
    link.close()
    assert await collector.lost is None


async def test_byte_at_a_time_arrives_in_order_in_many_reads(fake_modem: FakeModem) -> None:
    _, collector = await opened(fake_modem)
    message = b"\r\nRING\r\nDATE = 0322\r\nNMBR = 13912345678\r\n"
    for byte in message:
        fake_modem.write(bytes([byte]))
        await asyncio.sleep(0.0005)  # the behaviour under test: a byte at a time, read apart
    await collector.wait_for_bytes(len(message))
    assert collector.data == message
    assert len(collector.chunks) > len(message) // 2, "the reads were not really a byte at a time"


async def test_a_large_garbage_stream_passes_intact_even_when_the_pty_buffer_fills(
    fake_modem: FakeModem,
) -> None:
    _, collector = await opened(fake_modem)
    garbage = random.Random(7).randbytes(256 * 1024)
    fake_modem.write(garbage)  # far more than a pty holds: the fake buffers, the reader keeps up
    await fake_modem.drain()
    await collector.wait_for_bytes(len(garbage), within_s=10)
    assert collector.data == garbage


async def test_unplugging_ends_the_link_with_an_error_once(fake_modem: FakeModem) -> None:
    link, collector = await opened(fake_modem)
    fake_modem.unplug()
    error = await asyncio.wait_for(collector.lost, 2)
    assert isinstance(error, ConnectionError) and "device disconnected" in str(error)
    link.close()  # after a loss: harmless, and connection_lost is not called again
    link.write(b"AT\r")  # dropped
    await asyncio.sleep(0.05)  # a window for a wrong second connection_lost (the Collector fails on it)


async def test_close_is_idempotent_and_reports_a_clean_end(fake_modem: FakeModem) -> None:
    link, collector = await opened(fake_modem)
    link.close()
    link.close()
    assert link.closing
    assert await asyncio.wait_for(collector.lost, 2) is None
    await asyncio.sleep(0.05)  # a second connection_lost would fail the Collector's assertion
    link, collector = await opened(fake_modem)  # the port can be opened again at once
    link.close()
    assert await asyncio.wait_for(collector.lost, 2) is None
