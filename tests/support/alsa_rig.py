"""A line's sound card without hardware: an ALSA ``file`` PCM whose ``infile`` is a FIFO fed in real time.

    with AlsaRig(tmp_path, monkeypatch) as rig:        # HOME -> tmp_path/home with an .asoundrc
        line = rig.line("linein")                      # PyAudio lists a capture device "linein"
        source = AudioInput("front", "linein")         # (create AudioInputs after the lines: see below)
        await source.start()
        line.play(samples)                             # the card "hears" them, 20 ms at a time
        await line.played()

Why a FIFO, fed with silence between what a test plays: the file PCM reads its ``infile`` as fast as it is
asked, and past the end of a regular file it returns its last two periods again and again, instantly. Fed
through a FIFO a block every 20 ms, it behaves as a card on a quiet line does: a read waits for the next
block, and there is always a next block.

Order matters: ALSA opens every ``infile`` when PortAudio probes the devices, and opening a FIFO for reading
blocks until a writer has it open; ``line()`` opens the FIFO (read-write, so it never blocks) before anything
can probe it. ALSA reads ``~/.asoundrc`` when PortAudio initialises, so HOME and the file must be set first.
Bytes written while no stream reads stay in the pipe (up to 64 KiB: 4 s at 8 kHz) and are read first by the
next stream; when the pipe is full the feeder drops blocks (``dropped``).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import pytest

from tests.support.waiting import wait_until


@dataclass
class _Clip:
    samples: np.ndarray
    offset: int = 0


class LineIn:
    """Capture device ``name``; a feeder thread writes a block each ``block_ms`` (realtime off: at once)."""

    def __init__(
        self, directory: Path, name: str, rate: int = 8000, block_ms: int = 20, realtime: bool = True
    ):
        self.name = name
        self.rate = rate
        self.fifo = directory / f"{name}.fifo"
        os.mkfifo(self.fifo)
        self._fd = os.open(self.fifo, os.O_RDWR | os.O_NONBLOCK)
        self._block = rate * block_ms // 1000
        self._block_s = block_ms / 1000
        self._realtime = realtime
        self._queue: deque[_Clip] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.written = 0  # samples into the pipe, silence included
        self.dropped = 0  # blocks the full pipe refused
        self.starts: list[tuple[int, float]] = []  # (sample index in the stream, monotonic time) per play()
        self._playing = 0  # samples queued and not yet written
        self._thread = threading.Thread(target=self._feed, name=f"rig {name}", daemon=True)
        self._thread.start()

    @property
    def asoundrc(self) -> str:
        return (
            f'pcm.{self.name} {{ type file slave.pcm "null" file "/dev/null" '
            f'infile "{self.fifo}" format "raw" }}\n'
        )

    def play(self, samples: np.ndarray) -> None:
        """Queue ``samples`` (int16, at the line's rate) after what is queued; silence when all is played."""
        with self._lock:
            self._queue.append(_Clip(samples.astype("<i2")))
            self._playing += len(samples)

    async def played(self, within_s: float = 30.0) -> None:
        """Until every queued sample has gone into the FIFO (the feeding thread counts them down)."""
        await wait_until(lambda: not self._playing, within_s, "the clips played", every_s=0.005)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self._fd)
        self.fifo.unlink(missing_ok=True)

    def _next_block(self) -> np.ndarray:
        with self._lock:
            if not self._queue:
                return np.zeros(self._block, dtype="<i2")
            clip = self._queue[0]
            if clip.offset == 0:
                self.starts.append((self.written, time.monotonic()))
            block = clip.samples[clip.offset : clip.offset + self._block]
            clip.offset += len(block)
            if clip.offset >= len(clip.samples):
                self._queue.popleft()
            self._playing -= len(block)
            return block

    def _feed(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            block = self._next_block()
            try:
                os.write(self._fd, block.tobytes())
                self.written += len(block)
            except BlockingIOError:
                self.dropped += 1
            if self._realtime:
                next_at += len(block) / self.rate
                self._stop.wait(max(0.0, next_at - time.monotonic()))


class AlsaRig:
    """A temporary HOME whose ``.asoundrc`` lists the rig's lines; restores HOME (via monkeypatch) on exit."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.directory = directory
        self.home = directory / "home"
        self.home.mkdir(exist_ok=True)
        self.lines: dict[str, LineIn] = {}
        self.extra: list[str] = []
        monkeypatch.setenv("HOME", str(self.home))
        self._write()

    def line(self, name: str = "linein", rate: int = 8000, realtime: bool = True) -> LineIn:
        line = LineIn(self.directory, name, rate, realtime=realtime)
        self.lines[name] = line
        self._write()
        return line

    def add_pcm(self, text: str) -> None:
        """Any other PCM definition (a device that misbehaves, for a test)."""
        self.extra.append(text)
        self._write()

    def remove_pcms(self) -> None:
        self.extra.clear()
        self._write()

    def _write(self) -> None:
        text = "".join(line.asoundrc for line in self.lines.values()) + "".join(f"{p}\n" for p in self.extra)
        (self.home / ".asoundrc").write_text(text)

    def __enter__(self) -> AlsaRig:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for line in self.lines.values():
            line.close()
