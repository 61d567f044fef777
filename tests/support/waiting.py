"""Waiting for a condition with a deadline, never for a fixed time.

A fixed sleep is either too short on a busy machine (the test fails for nothing) or longer than needed
everywhere else (the suite crawls). These poll the condition until it holds and fail with a TimeoutError
that names what was awaited. Three flavours, by where the condition runs:

- ``wait_until``: on the test's event loop, every millisecond, for conditions that read attributes loop
  callbacks update (bytes from a pty, events on a bus); the loop keeps running in between.
- ``await_until``: in a thread, every 50 ms, for conditions that block (HTTP to a daemon, a database file
  read by another process) while the loop must keep running (a fake modem lives on it).
- ``eventually``: a coroutine, on the loop, every 10 ms (a service's answer another task writes).
- ``wait``: in a synchronous test, every 50 ms.

Each returns what the condition returned (the first true value), so a test can wait for a thing and use it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    condition: Callable[[], T], within_s: float = 3.0, what: str = "condition", every_s: float = 0.001
) -> T:
    """Poll ``condition`` on the loop every ``every_s`` (a millisecond: finer than anything a test here
    needs); its first true value; TimeoutError naming ``what`` after ``within_s``.

    Polling, not an event: the conditions read plain attributes that loop callbacks update.
    """
    deadline = time.monotonic() + within_s
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within_s} s")
        await asyncio.sleep(every_s)
    return result


async def await_until(
    condition: Callable[[], T | None], within_s: float = 20.0, what: str = "condition"
) -> T:
    """``wait`` for async tests whose loop must keep running: each poll in a thread, 50 ms apart."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if result := await asyncio.to_thread(condition):
            return result
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{what}: not within {within_s} s")


def wait(condition: Callable[[], T | None], timeout: float = 20.0, what: str = "condition") -> T:
    """Poll ``condition`` every 50 ms until it returns something true; TimeoutError names ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise TimeoutError(f"{what}: not within {timeout} s")


async def eventually(
    check: Callable[[], Awaitable[T | None]], within_s: float = 3.0, what: str = "condition"
) -> T:
    """The first true result of the coroutine ``check``, polled every 10 ms on the loop (a service's answer
    that another task writes, such as the call log from its queue); TimeoutError naming ``what``."""
    deadline = time.monotonic() + within_s
    while not (result := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within_s} s")
        await asyncio.sleep(0.01)
    return result
