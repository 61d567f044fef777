"""The simulated line's audio: what a recording of a simulated call is made of."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from ctid.voicecard import sim_audio
from ctid.voicecard.sim_audio import BLOCK_S, SimAudio, voice_like
from tests.support.waiting import wait_until


async def test_the_audio_flows_from_the_moment_the_capture_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Making the voice at the first capture took a quarter second on a busy machine, and the blocks due
    meanwhile were never played: a first recording of 0.6 s of talk held 0.34 s. Here the voice is made
    only when the test says so, well after the capture was asked for."""
    begun, made = threading.Event(), threading.Event()

    def voice_when_told(rate: int, seconds: float, seed: int = 0) -> object:
        begun.set()
        assert made.wait(10), "the test never let the voice be made"
        return voice_like(rate, 1.0, seed)

    monkeypatch.setattr(sim_audio, "voice_like", voice_when_told)
    audio = SimAudio()
    heard: list[float] = []
    audio.listen(lambda _block, t: heard.append(t))
    capture = asyncio.create_task(audio.start_capture())
    await wait_until(begun.is_set, what="the voice begun")
    asked = time.monotonic()
    await wait_until(lambda: time.monotonic() - asked >= 0.2, what="0.2 s spent making the voice")
    ready = time.monotonic()
    made.set()
    try:
        await capture
        await wait_until(lambda: len(heard) >= 10, what="ten blocks")
        assert heard[0] < asked  # dated when asked for, before the voice was made
        assert heard[9] < ready  # ... and what was due while it was made came all the same
        assert heard[:10] == pytest.approx([heard[0] + i * BLOCK_S for i in range(10)])
    finally:
        await audio.stop_capture()
