"""The supervisors' live board in a real browser against the real daemon: as a sim call rings, is answered
and ends, the line's row says so with the caller and a ticking duration, and the operator's row counts the
answered call, without a reload. The operator sets break and ready on the console and the board follows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.support import add_user, log_in, new_page, ring
from tests.support.daemon import Daemon

pytestmark = pytest.mark.browser

PASSWORD = "front-desk-2026"
CALLER = "13700000009"


@pytest.fixture
def daemon_config() -> str:
    return (
        '[site]\nname = "Test Motors"\n'
        '[[lines]]\nname = "desk"\nlabel = "服务台"\ndriver = "sim"\nring_timeout_s = 8.0\n'
    )


def test_the_board_follows_a_call_and_the_operator_s_state_live(daemon: Daemon, chromium: Browser) -> None:
    base = daemon.url
    add_user(daemon.config, "olga", "operator", PASSWORD)
    add_user(daemon.config, "sam", "supervisor", PASSWORD)
    problems: list[str] = []
    _c1, console = new_page(chromium, "zh-CN", problems)
    log_in(console, base, "olga", PASSWORD)
    console.goto(base + "/console")
    expect(console.locator("#line-picker")).to_have_attribute("open", "")  # no line yet
    console.locator("#line-choices input[value=desk]").check()
    console.locator("#line-form button[type=submit]").click()
    expect(console.locator("#lines li[data-line=desk]")).to_be_visible()
    expect(console.locator("#console")).to_have_attribute("data-connection", "connected")

    _c2, board = new_page(chromium, "zh-CN", problems)
    log_in(board, base, "sam", PASSWORD)
    board.goto(base + "/board")
    expect(board.locator("#board")).to_have_attribute("data-connection", "connected")
    line = board.locator("#board-lines tr[data-line=desk]")
    olga = board.locator("#board-agents tr", has_text="olga")
    expect(line).to_have_attribute("data-state", "up")
    expect(line).to_contain_text("服务台")
    expect(olga).to_have_attribute("data-state", "ready")
    expect(olga.locator(".answered")).to_have_text("0")

    console.locator("#agent-state button[data-state=break]").click()
    expect(olga).to_have_attribute("data-state", "break")
    expect(olga).to_contain_text("小休")
    console.locator("#agent-state button[data-state=ready]").click()
    expect(olga).to_have_attribute("data-state", "ready")

    ring(daemon, CALLER, rings=2, answer_after=1, ring_period_s=2.0, talk_s=5.0)
    expect(line).to_have_attribute("data-state", "ringing")
    expect(line.locator(".with")).to_have_text("137 0000 0009")  # written locally, not as received
    expect(line).to_have_attribute("data-state", "in-call", timeout=10_000)
    expect(line.locator(".handler")).to_have_text("olga")  # the only ready operator answered it
    expect(line.locator(".for")).to_have_text("0:02", timeout=5_000)  # it ticks
    expect(line).to_have_attribute("data-state", "up", timeout=15_000)
    expect(olga.locator(".answered")).to_have_text("1")
    expect(olga.locator(".calls")).to_have_text("1")
    expect(olga.locator(".talk")).not_to_have_text("0:00")
    assert problems == []
