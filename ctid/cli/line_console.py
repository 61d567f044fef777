"""Line events live on a terminal: ``ctid line test`` (a line opened here), ``ctid line watch`` (a daemon's).

Both print the same one-line rendering of a ``watch`` stream record (``ctid.control.event_record``), so what
an installer sees while testing a modem by hand is what a running daemon reports for it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ctid.control import event_record, watching
from ctid.core.config import LineConfig
from ctid.core.events import EventBus
from ctid.voicecard.events import LineEvent, LineStatusChanged
from ctid.voicecard.lines import build_driver
from ctid.voicecard.modem_driver import ModemDriver
from ctid.voicecard.modem_init import COUNTRIES, InitReport

_QUIET = frozenset({"type", "mono", "line", "at", "call_id"})


def describe(record: dict[str, Any]) -> str:
    """``12:05:33.120 front CallIdentified call=3f2a number=13912345678 when=03221405 format=formatted``."""
    at = record.get("at")
    at = datetime.fromisoformat(at) if isinstance(at, str) else at  # JSON from a daemon, or the event's own
    when = at.astimezone().strftime("%H:%M:%S.%f")[:-3] if isinstance(at, datetime) else ""
    parts = [when, str(record.get("line", "")), str(record.get("type", "?"))]
    if call_id := record.get("call_id"):
        parts.append(f"call={str(call_id)[:8]}")
    parts += [f"{key}={value}" for key, value in _fields(record) if key not in _QUIET]
    return " ".join(part for part in parts if part)


def _fields(record: dict[str, Any]) -> list[tuple[str, Any]]:
    """Non-empty fields; a nested record (``caller_id``) is flattened into its own non-empty fields."""
    fields: list[tuple[str, Any]] = []
    for key, value in record.items():
        if isinstance(value, dict):
            fields += _fields(value)
        elif isinstance(value, list | set | frozenset):
            fields += [(key, ",".join(map(str, value)))] if value else []
        elif isinstance(value, float):
            fields.append((key, f"{value:.3f}"))
        elif value not in (None, "", False):
            fields.append((key, value))
    return fields


def describe_report(report: InitReport) -> list[str]:
    """What an init found, for a person checking a modem."""
    country = report.country or "unknown"
    lines = [
        f"modem:     {report.identity or '(no answer to ATI/ATI3)'}",
        f"country:   {country} ({COUNTRIES.get(country, 'unknown')})",
        f"init:      {', '.join(f'{step.command} {step.result}' for step in report.steps)}",
        f"caller ID: {report.caller_id_command or 'NOT ENABLED'}",
    ]
    return lines + [f"warning:   {warning}" for warning in report.warnings]


async def line_test(line: LineConfig, out: TextIO) -> None:
    """Open ``line`` here (not through a daemon), print its init and then its events until SIGINT/SIGTERM."""
    bus = EventBus()
    driver = build_driver(line, bus)

    def show(event: LineEvent) -> None:
        report = driver.report if isinstance(driver, ModemDriver) else None
        if isinstance(event, LineStatusChanged) and event.previous == "down" and report is not None:
            out.write("".join(f"{text}\n" for text in describe_report(report)))
        out.write(describe(event_record(event, time.monotonic())) + "\n")
        out.flush()

    bus.subscribe(LineEvent, show)
    out.write(f"opening line {line.name} ({line.driver}); Ctrl-C to stop\n")
    await driver.start()
    try:
        await _until_interrupted()
    finally:
        await driver.stop()


async def line_watch(socket: Path, line: str | None, out: TextIO) -> None:
    """Print a running daemon's line events (all lines, or ``line``) until SIGINT/SIGTERM.

    Raises ``ControlError`` when no daemon answers.
    """
    async with watching(socket, where={"line": line} if line else {}) as records:
        out.write(
            f"watching {f'line {line}' if line else 'all lines'} of the daemon at {socket}; Ctrl-C to stop\n"
        )
        out.flush()
        follow = asyncio.create_task(_print(records, out))
        interrupted = asyncio.create_task(_until_interrupted())
        await asyncio.wait({follow, interrupted}, return_when=asyncio.FIRST_COMPLETED)
        for task in (follow, interrupted):
            task.cancel()
        await asyncio.gather(follow, interrupted, return_exceptions=True)


async def _print(records: AsyncIterator[dict[str, Any]], out: TextIO) -> None:
    async for record in records:
        out.write(describe(record) + "\n")
        out.flush()


async def _until_interrupted() -> None:
    """Ctrl-C and SIGTERM end a live view normally (exit status 0), not with a KeyboardInterrupt."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
