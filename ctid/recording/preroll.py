"""The last seconds of a line's audio, so a recording starts where the call did, not where it was judged.

A line tap knows a call was answered only after hearing the voice for a while (``dsp.tap``: 0.1 s of
attack, a second for a call without caller ID), and dates the answer when the voice began. The recorder
opens its file when the answer is published; without the audio before that moment the first words would
be lost. Every line's source feeds a ``PreRoll`` (a few seconds, a few tens of KB); a new take starts with
what it holds from the answer's moment on. Sources that only play while captured (a modem in voice mode,
the simulator) leave it empty, and their takes start with the capture as before.
"""

from __future__ import annotations

from collections import deque

from ctid.voicecard.audio_source import Samples

KEEP_S = 3.0


class PreRoll:
    def __init__(self, rate: int, keep_s: float = KEEP_S) -> None:
        self._rate = rate
        self._keep_s = keep_s
        self._blocks: deque[tuple[Samples, float]] = deque()

    def __call__(self, samples: Samples, t: float) -> None:
        """A block from the source (its listener)."""
        self._blocks.append((samples, t))
        while self._blocks and self._blocks[0][1] < t - self._keep_s:
            self._blocks.popleft()

    def since(self, start: float) -> list[tuple[Samples, float]]:
        """The blocks held from monotonic time ``start`` on, the first cut to begin there."""
        found = []
        for samples, t in self._blocks:
            end = t + len(samples) / self._rate
            if end <= start:
                continue
            skip = max(0, round((start - t) * self._rate))
            found.append((samples[skip:], t + skip / self._rate))
        return [(s, t) for s, t in found if len(s)]
