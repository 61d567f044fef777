"""What the words part of issue 16 changed in the layout, at a desk's 1366x768 and a phone's 390 px:
the statistics' charts fill their cards (a phone gets the narrow drawing), and the audit log has nothing
off-screen on a phone (each entry a card)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.support import add_user, log_in
from tests.support.daemon import Daemon

pytestmark = pytest.mark.browser

PASSWORD = "service-desk-2026"
SIZES = ((1366, 768), (390, 844))
# each chart's image against its card's inner width (the card's width less its padding and border)
FILLS = """() => [...document.querySelectorAll('.stats-charts .chart')].map(card => {
  const style = getComputedStyle(card);
  const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const img = card.querySelector('img');
  return {inner, width: img.getBoundingClientRect().width, src: img.currentSrc, loaded: img.naturalWidth};
})"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# cells of the audit log drawn past the window's right edge (a table scrolled sideways inside its box)
CUT_OFF = """() => [...document.querySelectorAll('table.audit td')]
  .filter(td => td.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length"""


def _page(chromium: Browser, daemon: Daemon, size: tuple[int, int]) -> Page:
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, daemon.url, "ada", PASSWORD)
    return page


def test_charts_fill_their_cards_and_the_audit_log_fits_a_phone(daemon: Daemon, chromium: Browser) -> None:
    add_user(daemon.config, "ada", "admin", PASSWORD)
    for size in SIZES:
        page = _page(chromium, daemon, size)
        page.goto(daemon.url + "/stats")
        page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
        charts = page.evaluate(FILLS)
        assert len(charts) >= 7
        for chart in charts:
            assert abs(chart["width"] - chart["inner"]) <= 1, (size, chart)
            assert ("size=narrow" in chart["src"]) == (size[0] < 700), (size, chart)
        assert page.evaluate(OVERFLOW) == 0, size
        page.goto(daemon.url + "/admin/audit")
        assert page.locator("table.audit tbody tr").count() >= 2
        assert page.evaluate(OVERFLOW) == 0 and page.evaluate(CUT_OFF) == 0, size
        page.context.close()
