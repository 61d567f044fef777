"""What the browser tests share: a page that records console errors, logging in, submitting forms."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, ViewportSize, expect

from ctid import control
from tests.support.daemon import Daemon

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


VIEWPORT: ViewportSize = {"width": 1366, "height": 768}


def new_page(browser: Browser, locale: str, problems: list[str]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        # a CSP violation or a missing asset shows up here; the 403s this test asks for do too
        if message.type == "error" and "status of 403" not in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return context, page


def path_of(page: Page, base: str) -> str:
    return page.url.removeprefix(base)


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill('form[action="/login"] input[name=username]', username)
    page.fill('form[action="/login"] input[name=password]', password)
    submit(page, 'form[action="/login"]')


def console_with_lines(page: Page, base: str, user: str, password: str, lines: list[str]) -> None:
    """Log in, open the console, follow ``lines`` (the line picker) and wait for the socket to be live."""
    log_in(page, base, user, password)
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    page.locator("#line-picker").evaluate("picker => { picker.open = true; }")
    for line in lines:
        page.locator(f"#line-choices input[value={line}]").check()
    page.locator("#line-form button[type=submit]").click()
    for line in lines:
        expect(page.locator(f"#lines li[data-line={line}]")).to_be_visible()
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")


def add_user(config: Path, name: str, role: str, password: str) -> None:
    """``ctid user add`` against the running daemon's config, the password on stdin."""
    command = [sys.executable, "-m", "ctid", "user", "add", name, "--role", role, "--config", str(config)]
    subprocess.run(command, input=password + "\n", text=True, check=True, capture_output=True)


def ring(daemon: Daemon, number: str, **call: object) -> None:
    """One ring with caller ID on the sim line, through the control socket (as ``ctid line simulate``;
    a plain socket here: Playwright's sync API already runs an event loop in this thread)."""
    request = {"command": "simulate", "line": "desk", "number": number, "rings": 1, **call}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(daemon.config.parent / "var" / "ctid.sock"))
        sock.sendall(control.to_json(request))
        assert json.loads(sock.makefile("rb").readline())["ok"]


DESK_SITE = (
    '[site]\nname = "Test Motors"\n'
    '[[lines]]\nname = "desk"\nlabel = "服务台"\ndriver = "sim"\nring_timeout_s = 1.0\n'
)
"""A site of one sim line, "desk" (服务台), whose calls end a second after the last ring."""


def api(daemon: Daemon, token: str, method: str, path: str, body: object = None) -> Any:
    """One JSON request with an API token, as a program would make it (the set-up a test does not look
    at); its JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(daemon.url + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request) as response:
        return json.load(response)
