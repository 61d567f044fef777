"""Caller-ID latency of the real daemon: from the last caller-ID byte written to the "call identified" event.

    .venv/bin/python bench/callerid_latency.py [--calls 200] [--warmup 10]

Runs ``python -m ctid run`` with two modem lines (``cid_mode`` formatted and unformatted), each on a fake
pty modem (``tests/support/fakemodem.py``) driven from this process, and follows the daemon's line events
through the control socket's ``watch`` stream. Each event carries ``mono``, the daemon's ``time.monotonic()``
when it was published; CLOCK_MONOTONIC is one clock for the whole machine, so ``mono`` minus this process's
``time.monotonic()`` right after ``os.write`` of the last caller-ID byte is the daemon's reaction time: pty,
pyserial read, framing, AT layer, caller-ID parser, state machine, bus. The socket's delay is not in it (shown
apart as "client").

Per call: RING; once the daemon reports it ringing, a 20 ms pause (a real exchange waits ~0.5 s; 20 ms lets
the call log write the ring); the caller ID; the call is left to time out (missed) before the next one.
Scenarios: formatted with NAME (the number identifies the call, so it is timed from the NMBR line's last byte;
the NAME update from the block's last byte), formatted without NAME, private (``NMBR = P``), unformatted MDMF
(number and name in one ``MESG``), unformatted SDMF. Target: p99 < 2 ms for each.

Back to back: a third line (``ring_timeout_s`` 8 s) whose calls come 1 s apart, numbers alternating, each
while the last one still rings: RING, then the next caller's caller ID. The last call must end as "caller
hung up" and the new one be identified as a call of its own (a failure otherwise), timed as above.

Baseline: after every call the same bytes, after the same pause, go to a bare pyserial-asyncio reader in a
process of its own (no ctid). Its latency is the machine's floor (pty, wake-up, scheduling): on a small VM its
tail alone can reach milliseconds, and ctid's own share is the difference between the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import modem_daemon, percentile, write
from ctid.control import watching
from tests.support.fakemodem import FakeModem, formatted, mdmf, mesg, sdmf

RING_TIMEOUT_S = 0.08
SETTLE_S = 0.02
TARGET_MS = 2.0
BASELINE = "baseline: bare pyserial-asyncio reader"
READER = """
import asyncio, os, sys, time
import serial_asyncio_fast

class Reader(asyncio.Protocol):
    def data_received(self, data):
        os.write(1, b"%r %d\\n" % (time.monotonic(), len(data)))

async def main():
    loop = asyncio.get_running_loop()
    await serial_asyncio_fast.create_serial_connection(loop, Reader, sys.argv[1], baudrate=115200)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@dataclass(frozen=True)
class Scenario:
    label: str
    line: str
    chunks: Callable[[str], list[bytes]]
    """Caller-ID output for a number, a chunk per line; chunk ``identify_at`` identifies (default: last)."""
    identify_at: int = -1
    check: Callable[[dict[str, Any], str], bool] = lambda caller_id, number: caller_id["number"] == number
    name_update: bool = False
    back_to_back: bool = False


SCENARIOS = (
    Scenario("formatted, with NAME", "formatted", lambda n: formatted(n, "ZHANG SAN"), -2, name_update=True),
    Scenario("formatted, without NAME", "formatted", lambda n: formatted(n)),
    Scenario(
        "private", "formatted", lambda n: formatted(reason="P"), check=lambda c, _: c["reason"] == "private"
    ),
    Scenario("unformatted MDMF", "unformatted", lambda n: [mesg(mdmf(n, "ZHANG SAN"))]),
    Scenario("unformatted SDMF", "unformatted", lambda n: [mesg(sdmf(n))]),
    Scenario("back to back, 1 s apart", "b2b", lambda n: formatted(n), back_to_back=True),
)
B2B_APART_S = 1.0
B2B_NUMBERS = ("13912345678", "13800138000")


@dataclass
class Samples:
    daemon_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    failures: int = 0


class Events:
    """The daemon's line events as the watch stream brings them, with the time this process got each."""

    def __init__(self, records: AsyncIterator[dict[str, Any]]) -> None:
        self._queue: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self._task = asyncio.create_task(self._read(records))

    async def _read(self, records: AsyncIterator[dict[str, Any]]) -> None:
        async for record in records:
            self._queue.put_nowait((time.monotonic(), record))

    async def next(self, kind: str, line: str) -> tuple[float, dict[str, Any]]:
        return (await self.until(kind, line))[-1]

    async def until(self, kind: str, line: str) -> list[tuple[float, dict[str, Any]]]:
        """The line's events up to the next one of ``kind`` (the other lines' are passed over)."""
        found = []
        async with asyncio.timeout(5):
            while True:
                seen, record = await self._queue.get()
                if record.get("line") == line:
                    found.append((seen, record))
                    if record["type"] == kind:
                        return found

    def close(self) -> None:
        self._task.cancel()


class Baseline:
    """The floor: a bare pyserial-asyncio reader process on a pty of its own, fed the same bytes."""

    def __init__(self, fake: FakeModem, process: asyncio.subprocess.Process) -> None:
        self._fake = fake
        self._process = process

    @classmethod
    async def start(cls, directory: Path) -> Baseline:
        fake = FakeModem(directory / "tty-baseline")
        fake.plug()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", READER, str(fake.path), stdout=asyncio.subprocess.PIPE
        )
        await asyncio.sleep(1.0)  # the reader imports and opens the port
        return cls(fake, process)

    async def sample(self, chunks: list[bytes]) -> float:
        await asyncio.sleep(SETTLE_S)
        mark = max(write(self._fake, chunk) for chunk in chunks)
        total, read_at = sum(map(len, chunks)), 0.0
        assert self._process.stdout is not None
        async with asyncio.timeout(5):
            while total > 0:
                stamp, count = (await self._process.stdout.readline()).split()
                total, read_at = total - int(count), float(stamp)
        return (read_at - mark) * 1000

    async def stop(self) -> None:
        self._process.kill()
        await self._process.wait()
        self._fake.unplug()


async def one_call(
    fake: FakeModem, events: Events, scenario: Scenario, number: str
) -> dict[str, float] | None:
    """Ring, caller ID, wait for the events: latencies in ms (None if the call was not identified right)."""
    fake.ring()
    await events.next("CallRinging", scenario.line)
    await asyncio.sleep(SETTLE_S)
    marks = [write(fake, chunk) for chunk in scenario.chunks(number)]
    seen, identified = await events.next("CallIdentified", scenario.line)
    result = None
    if scenario.check(identified["caller_id"], number):
        mark = marks[scenario.identify_at]
        result = {"daemon": (identified["mono"] - mark) * 1000, "client": (seen - mark) * 1000}
        if scenario.name_update:
            seen, updated = await events.next("CallIdUpdated", scenario.line)
            result["name daemon"] = (updated["mono"] - marks[-1]) * 1000
            result["name client"] = (seen - marks[-1]) * 1000
    await events.next("CallEnded", scenario.line)
    return result


@dataclass
class Desk:
    """The back-to-back line: its last call, and when it rang."""

    call_id: str | None = None
    rang_at: float = 0.0


async def back_to_back_call(
    fake: FakeModem, events: Events, scenario: Scenario, number: str, desk: Desk
) -> dict[str, float] | None:
    """The next caller ``B2B_APART_S`` after the last, whose call still rings: RING, then caller ID. None
    unless the last call ended as "caller hung up" and this one was identified as a call of its own."""
    await asyncio.sleep(max(0.0, desk.rang_at + B2B_APART_S - time.monotonic()))
    desk.rang_at = time.monotonic()
    fake.ring()
    await events.next("CallRinging", scenario.line)
    await asyncio.sleep(SETTLE_S)
    marks = [write(fake, chunk) for chunk in scenario.chunks(number)]
    records = await events.until("CallIdentified", scenario.line)
    seen, identified = records[-1]
    ended = [(r["call_id"], r["reason"]) for _, r in records if r["type"] == "CallEnded"]
    previous, desk.call_id = desk.call_id, identified["call_id"]
    expected = [] if previous is None else [(previous, "caller hung up")]
    if identified["caller_id"]["number"] != number or identified["call_id"] == previous or ended != expected:
        return None
    mark = marks[scenario.identify_at]
    return {"daemon": (identified["mono"] - mark) * 1000, "client": (seen - mark) * 1000}


def record(results: dict[str, Samples], scenario: Scenario, result: dict[str, float] | None) -> None:
    rows = [(scenario.label, "")]
    if scenario.name_update:
        rows.append((f"{scenario.label} (NAME update)", "name "))
    for label, prefix in rows:
        samples = results.setdefault(label, Samples())
        if result is None:
            samples.failures += 1
        else:
            samples.daemon_ms.append(result[prefix + "daemon"])
            samples.client_ms.append(result[prefix + "client"])


async def measure(
    fakes: dict[str, FakeModem], events: Events, baseline: Baseline, calls: int, warmup: int
) -> dict[str, Samples]:
    results: dict[str, Samples] = {}
    desk = Desk()
    for index in range(warmup + calls):
        for scenario in SCENARIOS:
            if scenario.back_to_back:
                number = B2B_NUMBERS[index % 2]
                result = await back_to_back_call(fakes[scenario.line], events, scenario, number, desk)
            else:
                number = f"139{index:08d}"
                result = await one_call(fakes[scenario.line], events, scenario, number)
            floor = await baseline.sample(scenario.chunks(number))
            if index >= warmup:
                record(results, scenario, result)
                results.setdefault(BASELINE, Samples()).daemon_ms.append(floor)
    return results


async def run(calls: int, warmup: int, directory: Path) -> dict[str, Samples]:
    modes = {"formatted": "formatted", "unformatted": "unformatted", "b2b": "formatted"}
    keys = f"ring_timeout_s = {RING_TIMEOUT_S}\n"
    async with modem_daemon(directory, modes, keys, own_keys={"b2b": ""}) as (_daemon, fakes):
        baseline = await Baseline.start(directory)
        try:
            async with watching(directory / "var" / "ctid.sock") as records:
                events = Events(records)
                try:
                    return await measure(fakes, events, baseline, calls, warmup)
                finally:
                    events.close()
        finally:
            await baseline.stop()


def report(results: dict[str, Samples], calls: int) -> bool:
    print("caller-ID latency: last caller-ID byte written -> event published in the daemon")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), {calls} calls per scenario\n")
    print(
        f"{'scenario':<40}{'n':>5}{'p50':>10}{'p99':>10}{'max':>10}{'> 2 ms':>8}   client p50/p99   failures"
    )
    met = True
    for label, samples in sorted(results.items(), key=lambda item: item[0] == BASELINE):
        values = samples.daemon_ms
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        client = "-"
        if samples.client_ms:
            client = f"{percentile(samples.client_ms, 0.5):.2f}/{percentile(samples.client_ms, 0.99):.2f} ms"
        over = sum(value > TARGET_MS for value in values) / len(values)
        row = f"{label:<40}{len(values):>5}{p50:>7.3f} ms{p99:>7.3f} ms{max(values):>7.2f} ms{over:>8.1%}"
        print(f"{row}   {client:<16} {samples.failures:>8}")
        if label != BASELINE:
            met = met and p99 < TARGET_MS and samples.failures == 0 and len(values) >= calls
    print(f"\ntarget p99 < {TARGET_MS:g} ms for every scenario, no failures: {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description="Caller-ID latency of the real daemon (see the module doc).")
    parser.add_argument("--calls", type=int, default=200, help="measured calls per scenario (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="calls per scenario not counted (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(run(args.calls, args.warmup, Path(tmp)))
    sys.exit(0 if report(results, args.calls) else 1)


if __name__ == "__main__":
    main()
