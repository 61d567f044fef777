"""What the benches that drive the real daemon share: the daemon on fake pty modems, timed writes, figures.

CLOCK_MONOTONIC is one clock for the whole machine, so a ``time.monotonic()`` taken here right after the last
byte went into a pty compares directly with a stamp taken in the daemon or in any other process.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.daemon import Daemon, free_port, write_config
from tests.support.fakemodem import FakeModem

CID_INIT = {"formatted": "AT+VCID=1", "unformatted": "AT+VCID=2"}


@asynccontextmanager
async def modem_daemon(
    directory: Path,
    cid_modes: Mapping[str, str],
    line_keys: str = "",
    extra: str = "",
    own_keys: Mapping[str, str] | None = None,
) -> AsyncIterator[tuple[Daemon, dict[str, FakeModem]]]:
    """``python -m ctid run`` with one modem line per entry of ``cid_modes`` (line name -> ``cid_mode``), each
    on a fake pty modem of its own; ``line_keys`` (TOML) go into every ``[[lines]]`` table, or
    ``own_keys[name]`` instead into that line's, ``extra`` after them. Yields the daemon and the modems by
    line name once it answers /healthz and every modem has been told to report caller ID; stops the daemon
    and unplugs the modems on the way out."""
    fakes = {name: FakeModem(directory / f"tty-{name}") for name in cid_modes}
    for fake in fakes.values():
        fake.plug()
    lines = "".join(
        f'[[lines]]\nname = "{name}"\ndriver = "modem"\ndevice = "{fakes[name].path}"\ncid_mode = "{mode}"\n'
        f"{(own_keys or {}).get(name, line_keys)}"
        for name, mode in cid_modes.items()
    )
    port = free_port()
    no_backup = '[backup]\nat = ""\n'  # a catch-up copy of a million customers must not run mid-bench
    daemon = Daemon(write_config(directory, port, no_backup + lines + extra), port).start()
    try:
        await asyncio.to_thread(daemon.wait_healthy)
        for name, mode in cid_modes.items():
            await fakes[name].wait_for_command(CID_INIT[mode], within_s=10)
        yield daemon, fakes
    finally:
        await asyncio.to_thread(daemon.stop)
        for fake in fakes.values():
            fake.unplug()


def write(fake: FakeModem, chunk: bytes) -> float:
    """Write one chunk; the monotonic time right after its last byte went into the pty."""
    fake.write(chunk)
    assert not fake.pending, "the pty was full: the timestamp would be late"
    return fake.last_write_at


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the value ``fraction`` of the way through the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
