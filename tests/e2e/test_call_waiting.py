"""Call waiting on the console card, in Chinese and in English, in a real browser against the real daemon.

The simulated line rings and is answered; the daemon's websocket is routed through Playwright, which adds
one ``call.waiting`` message as the daemon sends it (that the daemon sends it is tested in
tests/screenpop/test_back_to_back.py and tests/voicecard/test_back_to_back_daemon.py): here, what a person
sees of it.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, WebSocketRoute, expect

from tests.e2e.support import add_user, log_in, new_page, ring
from tests.support.daemon import Daemon

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"


@pytest.fixture
def daemon_config() -> str:
    return '[[lines]]\nname = "desk"\nlabel = "服务台"\ndriver = "sim"\nrecord = "never"\n'


@pytest.mark.parametrize(
    ("locale", "words"),
    [("zh-CN", "呼叫等待：李四 02088881234"), ("en", "Call waiting: 李四 02088881234")],
)
def test_the_answered_calls_card_says_who_is_waiting(
    daemon: Daemon, chromium: Browser, locale: str, words: str
) -> None:
    base = daemon.url
    add_user(daemon.config, "sam", "supervisor", PASSWORD)  # sees every line of the branch
    problems: list[str] = []
    _context, page = new_page(chromium, locale, problems)
    sockets: list[WebSocketRoute] = []

    def through(socket: WebSocketRoute) -> None:
        socket.connect_to_server()  # the daemon's messages pass on as they are
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws$"), through)
    log_in(page, base, "sam", PASSWORD)
    page.goto(base + "/console")
    expect(page.locator("#console")).to_have_attribute("data-connection", "connected")
    ring(daemon, "13700000001", answer_after=1, talk_s=30.0)
    card = page.locator(".pop").first
    expect(card).to_have_attribute("data-state", "answered")
    expect(card.locator(".call-waiting")).to_have_count(0)
    waiting = {"number": "02088881234", "number_e164": "+862088881234", "name": "李四", "reason": None}
    waiting["at"] = "2026-03-22T06:05:00+00:00"
    call = {"id": card.get_attribute("data-call"), "line": "desk"}
    message = {"type": "call.waiting", "call": call, "waiting": waiting}
    sockets[-1].send(json.dumps(message, ensure_ascii=False))
    expect(card.locator(".call-waiting")).to_contain_text(words)
    expect(card).to_have_attribute("data-state", "answered")
    assert problems == []
