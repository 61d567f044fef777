"""Recordings in a real browser against the real daemon.

The recordings are real files (a WAV made here, an Opus made by ffmpeg) under the daemon's recordings dir,
with their rows written through the recording store, as the recorder leaves them. A supervisor filters
the list, opens a recording, plays it and seeks on the waveform: the audio element's position moves and
the server answers the browser's Range requests with 206. The access log shows her playback. An operator
who did not take a call gets 403 for it.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Response, expect

from ctid.app import build_services
from ctid.core.config import load
from tests.e2e.support import add_user, log_in, new_page, path_of
from tests.support.daemon import Daemon
from tests.web.recordings_support import add_recording

pytestmark = pytest.mark.browser

PASSWORD = "service-desk-2026"
SCREENSHOTS = Path("/tmp/ctid-recordings-screenshots")


@dataclass(frozen=True)
class Made:
    mine: int  # olga's call: inbound from 13912345678, 12 s, Opus
    others: int  # oleg's call: outbound to 02168881234, 20 s, WAV


def make_recordings(daemon: Daemon) -> Made:
    """Rows and files in the running daemon's database and recordings dir (SQLite takes a second writer)."""

    async def make() -> Made:
        services = build_services(load(daemon.config))
        await services.db.start()
        try:
            olga = await services.accounts.users.user_by_name("olga")
            oleg = await services.accounts.users.user_by_name("oleg")
            root, db = services.recordings.root, services.db
            branch = {"branch_id": olga.branch_id}
            mine = await add_recording(db, root, seconds=12, fmt="opus", operator_id=olga.id, **branch)
            others = await add_recording(
                db, root, seconds=20, name="oleg", direction="outbound", number="02168881234",
                number_e164="+862168881234", operator_id=oleg.id, **branch,
            )  # fmt: skip
            return Made(mine, others)
        finally:
            await services.db.stop()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API already runs a loop in this thread
        return thread.submit(asyncio.run, make()).result()


def test_a_supervisor_filters_plays_and_seeks_and_the_access_log_shows_it(
    daemon: Daemon, chromium: Browser
) -> None:
    base = daemon.url
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, role in (("sue", "supervisor"), ("olga", "operator"), ("oleg", "operator")):
        add_user(daemon.config, name, role, PASSWORD)
    made = make_recordings(daemon)
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    audio_responses: list[tuple[int, str]] = []

    def on_response(response: Response) -> None:
        if response.url.endswith(f"/recordings/{made.mine}/audio"):
            audio_responses.append((response.status, response.request.headers.get("range", "")))

    page.on("response", on_response)
    log_in(page, base, "sue", PASSWORD)

    page.goto(base + "/recordings")
    rows = page.locator("tr.recording-row")
    expect(rows).to_have_count(2)
    filters = page.locator("#recording-filters")
    filters.locator("select[name=match]").select_option("begins")
    filters.locator("input[name=number]").fill("139")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-recording", str(made.mine))
    page.screenshot(path=str(SCREENSHOTS / "list.png"), full_page=True)

    with page.expect_navigation(url=re.compile(rf"/recordings/{made.mine}$")):
        rows.first.locator("td").nth(2).click()  # anywhere on the row opens the player
    expect(page.locator("#waveform img")).to_be_visible()
    assert page.eval_on_selector("#waveform img", "img => img.complete && img.naturalWidth > 0")

    page.click("#speeds [data-speed='1.5']")
    expect(page.locator("#speeds [data-speed='1.5']")).to_have_class(re.compile("current"))
    assert page.eval_on_selector("#audio", "a => a.playbackRate") == 1.5
    assert audio_responses == [], "opening the player is not a playback: no audio fetched before play"
    page.eval_on_selector("#audio", "a => a.play()")
    page.wait_for_function("() => document.getElementById('audio').currentTime > 0.3")

    box = page.locator("#waveform").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.getElementById('audio').currentTime > 8")
    position = page.eval_on_selector("#audio", "a => a.currentTime")
    assert 8 < position < 12, position
    played = page.eval_on_selector("#waveform-played", "e => parseFloat(e.style.width)")
    assert 60 < played < 100, played
    page.screenshot(path=str(SCREENSHOTS / "player.png"), full_page=True)
    assert any(status == 206 and rng.startswith("bytes=") for status, rng in audio_responses), audio_responses

    with page.expect_navigation():
        page.click("#recording-access-link")
    assert path_of(page, base) == f"/recordings/access?recording={made.mine}"
    entries = page.locator("tr.access-row")
    expect(entries).to_have_count(1)  # the playback's many Range requests are one entry
    expect(entries.first).to_have_attribute("data-action", "play")
    expect(entries.first.locator("td.who")).to_have_text("sue")
    page.screenshot(path=str(SCREENSHOTS / "access.png"), full_page=True)
    assert not problems, problems

    _olga_context, olga = new_page(chromium, "zh-CN", problems)
    log_in(olga, base, "olga", PASSWORD)
    refused = olga.goto(f"{base}/recordings/{made.others}")
    assert refused is not None and refused.status == 403
    expect(olga.locator("body")).to_contain_text("403")
    audio = olga.request.get(f"{base}/recordings/{made.others}/audio")
    assert audio.status == 403
    own = olga.goto(f"{base}/recordings")
    assert own is not None and own.status == 200
    expect(olga.locator("tr.recording-row")).to_have_count(1)
    assert not problems, problems
