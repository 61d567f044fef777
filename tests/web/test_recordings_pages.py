"""The recordings pages over a real app, a real SQLite file and real audio files (WAV, and Opus made by
ffmpeg): filters, who sees what, the player's audio with Range requests, the access log, the waveform,
notes and tags, and the links from the call log and the customer's page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from ctid.accounts.models import User
from ctid.core.config import Config, parse
from ctid.recording.models import AccessFilter
from ctid.recording.service import Recordings
from ctid.voicecard.callerid import CallerId
from ctid.voicecard.events import CallEnded, CallIdentified, CallRinging
from tests.support.site import Site
from tests.web.recordings_support import T0, Shelf, add_recording, build_shelf
from tests.web.support import Browser, BrowserFactory

ROW = re.compile(r'<tr class="recording-row" data-href="/recordings/(\d+)"')


@pytest.fixture
def config(config: Config) -> Config:
    """The shelf's lines, in the default branch: the call log shows a branch the calls on its lines."""
    lines = [{"name": name, "driver": "sim"} for name in ("desk", "front")]
    return replace(config, lines=parse({"lines": lines}, "test").lines)


@pytest.fixture
async def shelf(site: Site, operator: User) -> Shelf:
    return await build_shelf(site, operator)


@pytest.fixture
async def as_supervisor(new_browser: BrowserFactory, shelf: Shelf) -> Browser:
    browser = await new_browser()
    assert (await browser.login("sue")).status == 303
    return browser


async def listed(browser: Browser, query: str = "") -> list[int]:
    response = await browser.get("/recordings" + query)
    assert response.status == 200, await response.text()
    return [int(i) for i in ROW.findall(await response.text())]


async def test_a_supervisor_filters_the_branchs_recordings(as_supervisor: Browser, shelf: Shelf) -> None:
    s = shelf
    assert await listed(as_supervisor) == [s.busy, s.c, s.b, s.a], "newest first, the branch's only"
    expectations = {
        "?number=139&match=begins": [s.a],
        "?number=2168&match=begins": [s.b],  # the national number begins the E.164 form's rest
        "?number=8881": [s.c, s.b],
        "?number=0755-8888&match=contains": [s.c],
        "?number=0216-8888": [],
        "?direction=outbound": [s.b],
        "?min_duration=10": [s.c, s.b],
        "?min_duration=10&max_duration=30": [s.b],
        "?max_duration=10": [s.a],
        "?notes=true": [s.a],
        "?notes=false": [s.busy, s.c, s.b],
        "?tag=投诉": [s.a],
        "?line=front": [s.b],
        f"?operator={s.oleg.id}": [s.b],
        f"?customer={s.customer_id}": [s.a],
        "?from=2026-03-23&to=2026-03-24": [s.c, s.b],  # local dates (Asia/Shanghai is the default zone)
        "?from=2026-03-22&to=2026-03-22&direction=inbound": [s.a],
    }
    for query, expected in expectations.items():
        assert await listed(as_supervisor, query) == expected, query
    page = await (await as_supervisor.get(f"/recordings?customer={s.customer_id}")).text()
    assert "李建国" in page and "客户投诉刹车异响" in page and 'href="/recordings/access"' in page
    for path in ("", "/audio", "/download", "/waveform.svg"):  # another branch's does not exist here
        assert (await as_supervisor.get(f"/recordings/{s.elsewhere}{path}")).status == 404, path
    bad = await as_supervisor.get("/recordings?min_duration=60&max_duration=30")
    assert bad.status == 422 and "shorter than the shortest" in await bad.text()


async def test_the_list_pages(as_supervisor: Browser, site: Site, shelf: Shelf) -> None:
    for n in range(3):
        branch = shelf.olga.branch_id
        await add_recording(
            site.services.db, shelf.root, name=f"x{n}", operator_id=shelf.olga.id, branch_id=branch
        )
    first = await listed(as_supervisor, "?per_page=3")
    second = await listed(as_supervisor, "?per_page=3&page=2")
    assert len(first) == 3 and len(second) == 3 and not set(first) & set(second)
    assert "?per_page=3&amp;page=2" in await (await as_supervisor.get("/recordings?per_page=3")).text()


async def test_an_operator_hears_only_her_own_calls(as_operator: Browser, shelf: Shelf) -> None:
    assert await listed(as_operator) == [shelf.busy, shelf.c, shelf.a]
    assert await listed(as_operator, f"?operator={shelf.oleg.id}") == [shelf.busy, shelf.c, shelf.a]
    page = await (await as_operator.get("/recordings")).text()
    assert 'name="operator"' not in page, "no operator filter for someone who hears only her own"
    assert 'href="/recordings/access"' not in page
    assert (await as_operator.get(f"/recordings/{shelf.a}")).status == 200
    for path in (
        f"/recordings/{shelf.b}",
        f"/recordings/{shelf.b}/audio",
        f"/recordings/{shelf.b}/waveform.svg",
    ):
        response = await as_operator.get(path)
        assert response.status == 403, path
        assert "own calls" in await response.text()
    for path in (f"/recordings/{shelf.a}/download", "/recordings/access"):
        assert (await as_operator.get(path)).status == 403, path
    own = await (await as_operator.get(f"/recordings/{shelf.a}")).text()
    assert 'id="download"' not in own and "/recordings/access?recording=" not in own
    assert (await as_operator.get(f"/recordings/{shelf.elsewhere}")).status == 404
    assert '<a href="/recordings"' in await (await as_operator.get("/")).text(), "in the menu"


async def test_the_player_page(as_supervisor: Browser, shelf: Shelf) -> None:
    page = await (await as_supervisor.get(f"/recordings/{shelf.a}")).text()
    assert f'<audio id="audio" controls preload="none" src="/recordings/{shelf.a}/audio">' in page
    assert f'src="/recordings/{shelf.a}/waveform.svg"' in page
    assert f'href="/recordings/{shelf.a}/download"' in page
    assert f'href="/customers/{shelf.customer_id}"' in page
    assert f'href="/recordings/access?recording={shelf.a}"' in page
    for speed in ("0.75×", "1×", "1.25×", "1.5×", "2×"):
        assert speed in page
    assert "0:06" in page and "opus" in page and "李建国" in page
    # the call by its time and number (its id only on hover); the end time called so, not a status
    call = re.search(r'<a href="/calls\?([^"]+)" id="call-link" title="c1">([^<]+)</a>', page)
    assert call is not None, "the call links to the call log"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} · 139 1234 5678", call.group(2)), call.group(2)
    day = call.group(2)[:10]
    assert f"from={day}&amp;to={day}" in call.group(1) and "number=" in call.group(1)
    assert "<dt>End time</dt>" in page and "<dt>Ended</dt>" not in page
    assert 'id="tag-list"' in page and "recording_notes.js" in page, "notes and tags are saved in place"
    busy = await (await as_supervisor.get(f"/recordings/{shelf.busy}")).text()
    assert "<audio" not in busy and "cannot be played" in busy


async def test_audio_answers_range_requests_with_the_right_bytes(
    as_supervisor: Browser, site: Site, shelf: Shelf
) -> None:
    recording = await site.services.recordings.get(shelf.sue, shelf.a)
    data = (shelf.root / recording.path).read_bytes()
    whole = await as_supervisor.get(f"/recordings/{shelf.a}/audio")
    assert whole.status == 200 and await whole.read() == data
    assert whole.headers["Content-Type"] == "audio/ogg"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "no-store" in whole.headers["Cache-Control"]
    part = await as_supervisor.get(f"/recordings/{shelf.a}/audio", headers={"Range": "bytes=100-1099"})
    assert part.status == 206
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert await part.read() == data[100:1100]
    tail = await as_supervisor.get(f"/recordings/{shelf.a}/audio", headers={"Range": "bytes=-500"})
    assert tail.status == 206 and await tail.read() == data[-500:]
    wav = await as_supervisor.get(f"/recordings/{shelf.b}/audio", headers={"Range": "bytes=0-43"})
    assert wav.status == 206 and wav.headers["Content-Type"] == "audio/wav"
    assert (await wav.read())[:4] == b"RIFF"
    beyond = await as_supervisor.get(f"/recordings/{shelf.a}/audio", headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status == 416


async def test_a_download_is_an_attachment_with_the_recorded_hash(
    as_supervisor: Browser, site: Site, shelf: Shelf
) -> None:
    import hashlib

    recording = await site.services.recordings.get(shelf.sue, shelf.a)
    response = await as_supervisor.get(f"/recordings/{shelf.a}/download")
    assert response.status == 200
    disposition = response.headers["Content-Disposition"]
    # 06:00 UTC is 14:00 in the shop (Asia/Shanghai): the name carries the time the pages show
    assert disposition == f'attachment; filename="recording-{shelf.a}-20260322-140000.opus"'
    assert hashlib.sha256(await response.read()).hexdigest() == recording.sha256


async def test_each_playback_is_logged_once_and_each_download_every_time(
    as_supervisor: Browser, new_browser: BrowserFactory, site: Site, shelf: Shelf
) -> None:
    for first in (0, 1000, 2000, 0):  # a browser playing and seeking
        headers = {"Range": f"bytes={first}-", "User-Agent": "TestBrowser/1.0"}
        assert (await as_supervisor.get(f"/recordings/{shelf.a}/audio", headers=headers)).status == 206
    await as_supervisor.get(f"/recordings/{shelf.a}/waveform.svg")
    await as_supervisor.get(f"/recordings/{shelf.a}")
    for _ in range(2):
        assert (await as_supervisor.get(f"/recordings/{shelf.a}/download")).status == 200
    olga = await new_browser()
    await olga.login("olga")
    assert (await olga.get(f"/recordings/{shelf.a}/audio")).status == 200
    log = await site.services.recordings.access_log(shelf.sue, AccessFilter(recording_id=shelf.a))
    assert [(e.user_name, e.action) for e in log.items] == [
        ("olga", "play"),
        ("sue", "download"),
        ("sue", "download"),
        ("sue", "play"),
    ]
    sue_play = log.items[-1]
    assert sue_play.user_agent == "TestBrowser/1.0" and sue_play.address == "127.0.0.1"
    page = await (await as_supervisor.get(f"/recordings/access?recording={shelf.a}&action=play")).text()
    rows = re.findall(r'<tr class="access-row" data-recording="(\d+)" data-action="(\w+)">', page)
    assert rows == [(str(shelf.a), "play")] * 2
    assert "TestBrowser/1.0" in page and '<td class="who" title="olga">Olga</td>' in page, "display names"
    only_olga = await (await as_supervisor.get("/recordings/access?user=olga")).text()
    assert only_olga.count('class="access-row"') == 1


async def test_unplayable_or_missing_files_are_clear_errors(
    as_supervisor: Browser, site: Site, shelf: Shelf
) -> None:
    busy = await as_supervisor.get(f"/recordings/{shelf.busy}/audio")
    assert busy.status == 409 and "not ready" in await busy.text()
    assert (await as_supervisor.get(f"/recordings/{shelf.busy}/waveform.svg")).status == 409
    recording = await site.services.recordings.get(shelf.sue, shelf.c)
    (shelf.root / recording.path).unlink()
    for path in ("/audio", "/waveform.svg"):
        response = await as_supervisor.get(f"/recordings/{shelf.c}{path}")
        assert response.status == 404 and "missing" in await response.text(), path


async def test_the_waveform_is_drawn_from_the_file_and_cached_next_to_it(
    as_supervisor: Browser, site: Site, shelf: Shelf
) -> None:
    recording = await site.services.recordings.get(shelf.sue, shelf.b)
    response = await as_supervisor.get(f"/recordings/{shelf.b}/waveform.svg")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    svg = await response.text()
    heights = [float(b) - float(t) for t, b in re.findall(r"M[\d.]+ ([\d.]+)V([\d.]+)", svg)]
    assert len(heights) == 800 and 'data-duration="20.000"' in svg
    assert max(heights[:195]) <= 1.0, "the first quarter is silence: hairlines"
    assert sum(h > 50 for h in heights[200:]) > 0.4 * 600, "then speech: tall bars"
    assert site.services.recordings.peaks_file(recording).exists()
    again = await as_supervisor.get(f"/recordings/{shelf.b}/waveform.svg")
    assert await again.text() == svg


async def test_notes_and_tags_from_the_player(
    as_supervisor: Browser, as_operator: Browser, shelf: Shelf
) -> None:
    await as_supervisor.get(f"/recordings/{shelf.b}")
    saved = await as_supervisor.post(f"/recordings/{shelf.b}/note", {"note": "客户要求回电\n下周二"})
    assert saved.status == 303 and saved.headers["Location"] == f"/recordings/{shelf.b}#notes"
    tagged = await as_supervisor.post(f"/recordings/{shelf.b}/tags", {"tags": "VIP, 回访、vip"})
    assert tagged.status == 303
    page = await (await as_supervisor.get(f"/recordings/{shelf.b}")).text()
    assert "客户要求回电\n下周二</textarea>" in page and 'value="vip, 回访"' in page
    assert await listed(as_supervisor, "?tag=回访") == [shelf.b]
    assert await listed(as_supervisor, "?notes=true") == [shelf.b, shelf.a]
    forged = await as_supervisor.post(f"/recordings/{shelf.b}/note", {"note": "x"}, csrf=False)
    assert forged.status == 403
    await as_operator.get(f"/recordings/{shelf.a}")
    assert (await as_operator.post(f"/recordings/{shelf.b}/note", {"note": "x"})).status == 403
    assert (
        await as_operator.post(f"/recordings/{shelf.a}/tags", {"tags": "a,b,c,d,e,f,g,h,i,j,k"})
    ).status == 422


async def test_the_disk_alert_is_shown_on_the_list(as_supervisor: Browser, site: Site, shelf: Shelf) -> None:
    recordings = site.services.recordings
    site.services.recordings = Recordings(
        site.services.db, recordings.root, alert=lambda: "录音已停止：磁盘空间不足"
    )
    page = await (await as_supervisor.get("/recordings")).text()
    assert 'id="recording-alert"' in page and "录音已停止：磁盘空间不足" in page
    site.services.recordings = recordings
    assert 'id="recording-alert"' not in await (await as_supervisor.get("/recordings")).text()


async def test_recordings_are_linked_from_the_call_log_and_the_customers_page(
    as_supervisor: Browser, as_operator: Browser, site: Site, shelf: Shelf
) -> None:
    calls = site.services.calls
    for call_id, number in (("c1", "13912345678"), ("c2", "02168881234"), ("c9", "13800000000")):
        await calls.record(CallRinging(line="desk", at=T0, call_id=call_id, ring_count=1, tag=None))
        caller = CallerId(number=number)
        await calls.record(
            CallIdentified(line="desk", at=T0, call_id=call_id, caller_id=caller, ring_tag=None)
        )
        ended = CallEnded(
            line="desk", at=T0 + timedelta(seconds=9), call_id=call_id, direction="inbound",
            outcome="answered", reason="hangup", rings=1, duration_s=9.0, talk_s=6.0,
        )  # fmt: skip
        await calls.record(ended)
    log = await (await as_supervisor.get("/calls")).text()
    links = re.findall(r'href="/recordings/(\d+)" class="recording-link"', log)
    assert sorted(int(i) for i in links) == sorted([shelf.a, shelf.b])
    mine = await (await as_operator.get("/calls")).text()
    assert re.findall(r'href="/recordings/(\d+)" class="recording-link"', mine) == [str(shelf.a)]
    customer = await (await as_supervisor.get(f"/customers/{shelf.customer_id}")).text()
    section = customer[customer.index('id="calls"') : customer.index('id="history"')]
    assert f'href="/recordings/{shelf.a}" class="recording-link"' in section
    assert re.findall(r'data-call="(\w+)"', section) == ["c1"], "its number's call, not the others"
    card = await as_supervisor.client.get(f"/api/v1/customers/{shelf.customer_id}")
    recent = (await card.json())["recent_calls"]
    assert [c["id"] for c in recent] == ["c1"]
    found = await as_supervisor.client.get("/api/v1/recordings/links?call=c1&call=c2&call=c9")
    assert (await found.json())["links"] == {"c1": shelf.a, "c2": shelf.b}
    own = await as_operator.client.get("/api/v1/recordings/links?call=c1&call=c2&call=c9")
    assert (await own.json())["links"] == {"c1": shelf.a}
