"""A simulated line's audio: a voice-like signal while a call is being recorded, so the demo and the tests
record, convert, list and play real files without a sound card.

The signal is syllables of a few harmonics under a slow envelope with short pauses (a recording that
looks like speech on the waveform), 20 ms blocks delivered on the event loop as a sound card's would be.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ctid.voicecard.audio_source import Listener

if TYPE_CHECKING:
    import numpy.typing as npt
    from numpy import int16

BLOCK_S = 0.02


def voice_like(rate: int, seconds: float, seed: int = 0) -> npt.NDArray[int16]:
    """``seconds`` of the synthetic voice at ``rate`` Hz (deterministic for a seed)."""
    import numpy as np  # made when a simulated call is first recorded, not at start-up

    rng = np.random.default_rng(seed)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    tone = sum(np.sin(k * phase) / k for k in (1, 2, 3, 5))
    syllables = np.clip(np.sin(2 * np.pi * 3.2 * t), 0, None) ** 2
    words = (np.sin(2 * np.pi * 0.4 * t + rng.uniform(0, np.pi)) > -0.3).astype(float)
    noise = rng.normal(0, 0.01, n)
    signal = 0.3 * tone * syllables * words + noise
    return np.asarray(np.clip(signal * 32767, -32768, 32767), dtype=np.int16)


class SimAudio:
    """The ``AudioSource`` of a simulated line: plays ``voice_like`` while a capture is running."""

    def __init__(self, rate: int = 8000, seconds: float = 30.0) -> None:
        self.rate = rate
        self._seconds = seconds
        self._signal: npt.NDArray[int16] | None = None
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self._block = int(rate * BLOCK_S)

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    async def start_capture(self) -> None:
        """The audio flows from the moment it is asked for. The first capture makes the voice first (a
        tenth of a second, a quarter on a busy machine); the blocks due meanwhile come as soon as it is made,
        dated when they were due. Before, they were never played: a line's first recording lost its first
        words, and a short call most of itself."""
        asked = time.monotonic()
        if self._signal is None:
            self._signal = await asyncio.to_thread(voice_like, self.rate, self._seconds)
        if self._task is None:
            self._task = asyncio.create_task(self._play(self._signal, asked), name="sim-audio")

    async def stop_capture(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _play(self, signal: npt.NDArray[int16], start: float) -> None:
        index = 0
        while True:
            at = start + index * BLOCK_S
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            offset = (index * self._block) % (len(signal) - self._block)
            block = signal[offset : offset + self._block]
            for listener in list(self._listeners):
                listener(block, at)
            index += 1
