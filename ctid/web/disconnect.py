"""Knowing that a request's client went away, for work that runs in a thread on its behalf.

Why: aiohttp does not cancel a handler whose client disconnects (``handler_cancellation`` is off in the
daemon, as every other handler here expects), and a thread cannot be cancelled anyway. An import check is
seconds of CPU in a worker thread; when the browser tab is closed, the check should stop rather than finish
for nobody. The thread asks a ``threading.Event`` before each row; this module sets it when the connection
is gone.

aiohttp has no callback for it: the request's transport becomes None when the connection is lost, so it
is looked at a few times a second while the work runs (one small task per running check). Where aiohttp
does cancel the handler (``handler_cancellation``: its test server), leaving the block sets the event too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

POLL_S = 0.1


@asynccontextmanager
async def cancelled_when_gone(request: web.Request) -> AsyncIterator[threading.Event]:
    """An event that is set if the request's client disconnects while the block runs, and when the block
    ends in any way: a handler cancelled (aiohttp with ``handler_cancellation``, or shutting down) leaves
    its thread running otherwise, for nobody."""
    gone = threading.Event()
    watcher = asyncio.create_task(_watch(request, gone), name="client-watch")
    try:
        yield gone
    finally:
        gone.set()
        watcher.cancel()


def client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _watch(request: web.Request, gone: threading.Event) -> None:
    while not client_gone(request):  # noqa: ASYNC110 (aiohttp sets no event when a connection is lost)
        await asyncio.sleep(POLL_S)
    gone.set()
