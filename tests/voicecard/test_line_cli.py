"""`ctid line test` and `ctid line watch` as processes on the fake pty modem; the control `watch` stream."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import pytest

from ctid.control import ControlError, watching
from tests.support.daemon import Daemon, free_port, write_config
from tests.support.fakemodem import FakeModem


def modem_line(fake: FakeModem, name: str = "front") -> str:
    return f'[[lines]]\nname = "{name}"\ndriver = "modem"\ndevice = "{fake.path}"\nring_timeout_s = 0.5\n'


class Process:
    """A ``python -m ctid ...`` child whose output lines can be awaited."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    @classmethod
    async def start(cls, *args: str) -> Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ctid",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def read_until(self, text: str, within_s: float = 15.0) -> str:
        assert self.process.stdout is not None
        async with asyncio.timeout(within_s):
            while True:
                line = (await self.process.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"exited before printing {text!r}: {self.lines}")
                self.lines.append(line.rstrip("\n"))
                if text in line:
                    return line

    async def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(self.process.communicate(), 10)
        return await self.process.wait(), err.decode()


async def test_line_test_prints_the_init_and_then_events_live_until_ctrl_c(
    fake_modem: FakeModem, tmp_path: Path
) -> None:
    config = write_config(tmp_path, free_port(), modem_line(fake_modem))
    cli = await Process.start("line", "test", "front", "--config", str(config))
    try:
        assert "CX93001-EIS_V0.2002-V92 / Zoom 3095" in await cli.read_until("modem:")
        assert "26 (China)" in await cli.read_until("country:")
        assert "ATZ OK, ATE0V1Q0 OK, AT+VCID=1 OK" in await cli.read_until("init:")
        assert "AT+VCID=1" in await cli.read_until("caller ID:")
        assert "status=up" in await cli.read_until("LineStatusChanged")
        fake_modem.ring()
        await cli.read_until("CallRinging")
        fake_modem.caller_id("13912345678", "ZHANG SAN")
        assert "number=13912345678" in await cli.read_until("CallIdentified")
        assert "name=ZHANG SAN" in await cli.read_until("CallIdUpdated")
    finally:
        status, err = await cli.interrupt()
    assert (status, err) == (0, "")


async def test_line_test_names_the_lines_it_knows(tmp_path: Path) -> None:
    config = write_config(tmp_path, free_port(), '[[lines]]\nname = "demo"\ndriver = "sim"\n')
    cli = await Process.start("line", "test", "nope", "--config", str(config))
    _, err = await asyncio.wait_for(cli.process.communicate(), 15)
    assert cli.process.returncode == 1
    assert "no line named 'nope'" in err.decode() and "(lines: demo)" in err.decode()


async def test_a_daemon_streams_line_events_with_a_monotonic_timestamp(
    fake_modem: FakeModem, tmp_path: Path
) -> None:
    port = free_port()
    config = write_config(
        tmp_path, port, modem_line(fake_modem) + modem_line(FakeModem(tmp_path / "no"), "back")
    )
    daemon = Daemon(config, port).start()
    try:
        await asyncio.to_thread(daemon.wait_healthy)
        socket = tmp_path / "var" / "ctid.sock"
        watcher = await Process.start("line", "watch", "front", "--config", str(config))
        await watcher.read_until("watching line front")
        await fake_modem.wait_for_command("AT+VCID=1", within_s=10)
        async with watching(socket, where={"line": "front"}) as records:
            fake_modem.ring()
            ringing = await anext(records)
            assert (ringing["type"], ringing["line"], ringing["ring_count"]) == ("CallRinging", "front", 1)
            written = time.monotonic()  # before the write: the daemon may publish before it returns
            fake_modem.caller_id("13912345678")
            kinds = [ringing["type"]]
            while kinds[-1] != "CallIdentified":
                identified = await anext(records)
                kinds.append(identified["type"])
        assert kinds == ["CallRinging", "LineStatusChanged", "CallIdentified"], "only line front's events"
        assert (
            identified["caller_id"]["number"] == "13912345678" and identified["call_id"] == ringing["call_id"]
        )
        assert 0 < identified["mono"] - written < 1, (
            "mono is the daemon's time.monotonic(), comparable with ours"
        )
        assert "number=13912345678" in await watcher.read_until("CallIdentified")
        status, err = await watcher.interrupt()
        assert (status, err) == (0, "")
    finally:
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.stderr()


async def test_watch_without_a_daemon_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="no ctid is running"):
        async with watching(tmp_path / "ctid.sock"):
            pass
