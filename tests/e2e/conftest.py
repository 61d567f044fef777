"""Browser test fixtures: the real daemon as a process, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS
from tests.support.daemon import Daemon, free_port, write_config


@pytest.fixture
def daemon_config() -> str:
    """The config the daemon runs with after [web] and [storage]; a test module may override it."""
    return '[site]\nname = "Test Motors"\n'


@pytest.fixture
def daemon(tmp_path: Path, daemon_config: str) -> Iterator[Daemon]:
    """``ctid run`` on a free port with a fresh data dir; stopped with SIGTERM, which must exit 0."""
    port = free_port()
    running = Daemon(write_config(tmp_path, port, daemon_config), port).start()
    try:
        running.wait_healthy()
        yield running
    finally:
        status = running.stop()
    assert status == 0, running.stderr()


@pytest.fixture(scope="package")
def shared_chromium() -> Iterator[Browser]:
    """One Chromium for the browser tests a worker runs (a launch is a second of CPU); every test still gets
    contexts of its own (cookies, storage, cache). Package-scoped, not session: Playwright's sync API marks
    its event loop as running in this thread, which the asyncio tests after these could not run under."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not installed (./quickstart.sh test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium(shared_chromium: Browser) -> Iterator[Browser]:
    """The shared Chromium; the contexts a test opened are closed after it, as its own browser's were."""
    yield shared_chromium
    for context in shared_chromium.contexts:
        context.close()
