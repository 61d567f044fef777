"""The console's recording controls: an operator pauses and resumes the recording of a call on their line;
a line that is not theirs, or a line without a call, refuses."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from ctid.core.config import Config, RecordingConfig
from ctid.voicecard.sim import SimCall
from tests.screenpop.support import KNOWN, connect, operator, sim
from tests.support.site import Site
from tests.support.waiting import wait_until


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
        answered = SimCall(KNOWN, rings=1, answer_after=1, talk_s=3600.0)  # until hung up below
        call = asyncio.create_task(front.play(answered))
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
        await front.hangup()  # the call ends when the test is done with it, not after a time a busy
        call.cancel()  # machine may spend on the requests above (it did: the resume found it over)
        await asyncio.gather(call, return_exceptions=True)
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
        answered = SimCall(KNOWN, rings=1, answer_after=1, talk_s=1.0)
        call = asyncio.create_task(sim(site, "front").play(answered))
        await early.next("call.recording")
        late = await connect(server, "olga")  # e.g. the browser reconnected
        assert (await late.next("call.identified"))["call"]["line"] == "front"
        assert (await late.next("call.answered"))["call"]["line"] == "front"
        assert (await late.next("call.recording"))["recording"]["state"] == "recording"
        await call
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
        answered = SimCall(KNOWN, rings=1, answer_after=1, talk_s=0.6)
        call = asyncio.create_task(sim(site, "front").play(answered))
        pushed = await console.next("call.recording")
        status, _ = await console.api("POST", "/api/v1/lines/front/recording", {"action": "pause"})
        assert status == 200
        await call
        await recorder.settled()
        recording = await site.services.recordings.get(olga, pushed["recording"]["id"])
        assert recording.operator_id == olga.id  # she may hear it; oleg, who did nothing, may not
        await console.close()
    finally:
        await recorder.stop()
