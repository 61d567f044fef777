"""The console's recording controls: an operator pauses and resumes the recording of a call on their line;
a line that is not theirs, or a line without a call, refuses."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from ctid.core.config import Config, RecordingConfig
from ctid.voicecard.sim import SimCall, SimLine
from tests.screenpop.support import KNOWN, connect, operator, sim
from tests.support.site import Site
from tests.support.waiting import wait_until

UNTIL_HUNG_UP = SimCall(KNOWN, rings=1, answer_after=1, talk_s=3600.0)
"""An answered call that lasts until the test hangs up (``_hang_up``). Before, calls of 0.6 and 1 s ended on a
busy machine while the test was still at them: a console's login, its first request (which fetches the page
for its CSRF token), a pause and a resume took longer."""


async def _hang_up(line: SimLine, call: asyncio.Task[str | None]) -> None:
    await line.hangup()
    call.cancel()  # what was left of its talk
    await asyncio.gather(call, return_exceptions=True)


@pytest.fixture
def config(config: Config) -> Config:
    return replace(config, recording=RecordingConfig(format="wav", min_free_mb=0))


async def test_pause_resume_and_refusals(site: Site, server: Any) -> None:
    recorder = site.services.recorder
    await recorder.start()
    try:
        await operator(site, "olga", ["front"])
        console = await connect(server, "olga")
        front = sim(site, "front")
        call = asyncio.create_task(front.play(UNTIL_HUNG_UP))
        pushed = await console.next("call.recording")
        assert pushed["recording"]["state"] == "recording" and pushed["call"]["line"] == "front"
        await wait_until(lambda: recorder.state("front")[0] == "recording", what="the take under way")
        for action, state in (("pause", "paused"), ("resume", "recording"), ("record", "recording")):
            status, body = await console.api("POST", "/api/v1/lines/front/recording", {"action": action})
            assert (status, body["state"]) == (200, state), body
            if action == "pause":
                assert (await console.next("call.recording"))["recording"]["state"] == "paused"
            assert body["recording_id"] == pushed["recording"]["id"]
        status, body = await console.api("POST", "/api/v1/lines/back/recording", {"action": "pause"})
        assert (status, body["error"]["code"]) == (403, "forbidden")
        status, body = await console.api("POST", "/api/v1/lines/front/recording", {"action": "rewind"})
        assert (status, body["error"]["code"]) == (422, "invalid")
        await _hang_up(front, call)
        await recorder.settled()
        status, body = await console.api("POST", "/api/v1/lines/front/recording", {"action": "pause"})
        assert (status, body["error"]["code"]) == (409, "conflict")
        await console.close()
    finally:
        await recorder.stop()


async def test_a_console_connecting_mid_call_sees_it_answered_and_recording(site: Site, server: Any) -> None:
    recorder = site.services.recorder
    await recorder.start()
    try:
        await operator(site, "olga", ["front"])
        early = await connect(server, "olga")
        front = sim(site, "front")
        call = asyncio.create_task(front.play(UNTIL_HUNG_UP))
        await early.next("call.recording")
        late = await connect(server, "olga")  # e.g. the browser reconnected
        assert (await late.next("call.identified"))["call"]["line"] == "front"
        assert (await late.next("call.answered"))["call"]["line"] == "front"
        assert (await late.next("call.recording"))["recording"]["state"] == "recording"
        await _hang_up(front, call)
        await early.close()
        await late.close()
    finally:
        await recorder.stop()


async def test_with_two_operators_on_the_line_the_one_who_acts_takes_the_recording(
    site: Site, server: Any
) -> None:
    recorder = site.services.recorder
    await recorder.start()
    try:
        olga = await operator(site, "olga", ["front"])
        await operator(site, "oleg", ["front"])
        console = await connect(server, "olga")
        front = sim(site, "front")
        call = asyncio.create_task(front.play(UNTIL_HUNG_UP))
        pushed = await console.next("call.recording")
        status, _ = await console.api("POST", "/api/v1/lines/front/recording", {"action": "pause"})
        assert status == 200
        await _hang_up(front, call)
        await recorder.settled()
        recording = await site.services.recordings.get(olga, pushed["recording"]["id"])
        assert recording.operator_id == olga.id  # she may hear it; oleg, who did nothing, may not
        await console.close()
    finally:
        await recorder.stop()
