"""Saving a recording's note or tags while it plays: the page is not reloaded and the audio goes on.

Before, the note and tags forms posted and the answer reloaded the page, which stopped the recording
being listened to (the moment a note gets written). Now they are saved through the API; the test plays
the recording, saves a note and tags, and waits for the audio's currentTime to keep advancing, with no
navigation (a marker set on the window before the save is still there, and the frame never navigated).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Frame, expect

from ctid.app import build_services
from ctid.core.config import load
from tests.e2e.support import add_user, log_in, new_page
from tests.support.daemon import Daemon
from tests.web.recordings_support import add_recording

pytestmark = pytest.mark.browser

PASSWORD = "service-desk-2026"
ADVANCING = "t => { const a = document.getElementById('audio'); return !a.paused && a.currentTime > t; }"


def make_recording(daemon: Daemon) -> int:
    """A minute of opus that sue's branch recorded (rows and files in the running daemon's data)."""

    async def make() -> int:
        services = build_services(load(daemon.config))
        await services.db.start()
        try:
            sue = await services.accounts.users.user_by_name("sue")
            root, db = services.recordings.root, services.db
            return await add_recording(db, root, seconds=60, fmt="opus", branch_id=sue.branch_id)
        finally:
            await services.db.stop()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API already runs a loop in this thread
        return thread.submit(asyncio.run, make()).result()


def test_saving_a_note_and_tags_keeps_the_recording_playing(daemon: Daemon, chromium: Browser) -> None:
    add_user(daemon.config, "sue", "supervisor", PASSWORD)
    recording = make_recording(daemon)
    problems: list[str] = []
    _context, page = new_page(chromium, "zh-CN", problems)
    log_in(page, daemon.url, "sue", PASSWORD)
    page.goto(f"{daemon.url}/recordings/{recording}")
    navigations: list[str] = []

    def on_navigated(frame: Frame) -> None:
        if frame == page.main_frame:
            navigations.append(frame.url)

    page.on("framenavigated", on_navigated)
    page.evaluate("() => { window.stillHere = true; }")
    page.eval_on_selector("#audio", "a => a.play()")
    page.wait_for_function(ADVANCING, arg=0.3)

    page.fill("#note-form textarea[name=note]", "客户要求周五回电")
    page.click("#note-form button[type=submit]")
    expect(page.locator("#note-status")).to_have_text("已保存。")
    at_save = page.eval_on_selector("#audio", "a => a.currentTime")
    page.wait_for_function(ADVANCING, arg=at_save + 0.5)

    page.fill("#tags-form input[name=tags]", "投诉, 回访")
    page.click("#tags-form button[type=submit]")
    expect(page.locator("#tags-status")).to_have_text("已保存。")
    expect(page.locator("#tag-list a.tag")).to_have_text(["投诉", "回访"])
    at_save = page.eval_on_selector("#audio", "a => a.currentTime")
    page.wait_for_function(ADVANCING, arg=at_save + 0.5)

    many = ", ".join(f"t{i}" for i in range(30))  # refused: at most 10 tags
    page.fill("#tags-form input[name=tags]", many)
    page.click("#tags-form button[type=submit]")
    expect(page.locator("#tags-status")).to_contain_text("10")
    expect(page.locator("#tags-form input[name=tags]")).to_have_attribute("aria-invalid", "true")
    page.wait_for_function(ADVANCING, arg=page.eval_on_selector("#audio", "a => a.currentTime") + 0.3)

    assert navigations == [] and page.evaluate("() => window.stillHere === true"), navigations
    page.reload()
    expect(page.locator("#note-form textarea[name=note]")).to_have_value("客户要求周五回电")
    expect(page.locator("#tag-list a.tag")).to_have_text(["投诉", "回访"])
    unexpected = [p for p in problems if "status of 422" not in p]  # the refused tags' answer, asked for
    assert unexpected == [], unexpected
