"""A sound card tapping a phone line (a telephone recording adapter on line-in), read with PyAudio.

One reader thread per card: PyAudio's ``read`` blocks for a block's duration, which must never happen on the
event loop. Blocks cross to the loop through a bounded hand-off: the thread queues at most
``max_pending_blocks`` and wakes the loop once for all of them, and when the loop falls that far behind
further blocks are dropped and counted (``dropped``): a stalled loop costs a gap in the audio, never memory.
Listeners run on the loop with a read-only int16 array and ``t``, the monotonic time of its first sample,
kept on a sample clock (block after block, so ``t`` does not jitter with thread wake-ups) and re-anchored
when samples were lost (the card's buffer overran while the process stalled).

A missing card or a failed read takes the source ``down`` (``status``, ``last_error``, one log line per new
error) and the thread retries with backoff, re-enumerating devices each time (a USB adapter plugged in later
is found, as long as no other line holds PortAudio open: PortAudio lists devices once per initialisation).

Two things a real card never does are handled for the ALSA ``file`` PCM that tests and installers use
(``pcm.linein { type file slave.pcm "null" ... infile "line.raw" }``): it delivers as fast as it is read,
so a source running more than ``max_ahead_s`` ahead of real time is paced to it; and past the end of its
``infile`` it keeps returning the last two periods of its buffer again, instantly and without an error (its
``read`` gets 0 bytes, which nothing reports), so an infile must not run dry while it is open: the test rig
feeds a FIFO, with silence between what a test plays, as a card hears silence on an idle line.

PortAudio's initialisation writes ALSA and JACK complaints about devices it probes straight to fd 2. They
are caught there (fd 2 points at a temporary file while PortAudio initialises, opens and terminates) and
only lines that are not such noise are passed on, so nothing else written to stderr meanwhile is lost.
PortAudio's set-up and tear-down are not thread-safe; one process-wide lock serialises them (and the fd 2
switch) across lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pyaudio

from ctid.voicecard.audio_source import AudioSource, Listener, Samples

__all__ = [
    "AudioDeviceError",
    "AudioInput",
    "AudioSource",
    "BlockClock",
    "DeviceInfo",
    "Listener",
    "Samples",
    "find_device",
]

log = logging.getLogger(__name__)

Status = Literal["up", "down"]
RATES: Final = (8000, 16000)

_PORTAUDIO_LOCK: Final = threading.Lock()
"""PortAudio's init/terminate/open/close are not thread-safe, and fd 2 is one per process."""

_NOISE: Final = re.compile(
    r"ALSA lib |Cannot connect to server|jack server is not running|JackShmReadWritePtr|"
    r"connect\(2\) call to|attempt to connect to server failed|Expression '.*' failed in '|"
    r"Jack: |JackServerController|Cannot lock down .* memory area"
)


class AudioDeviceError(Exception):
    """The card cannot be found, opened or read; the message says which and why."""


@dataclass(frozen=True)
class DeviceInfo:
    """A PortAudio device as the tap sees it."""

    index: int
    name: str
    inputs: int


def find_device(devices: Sequence[DeviceInfo], wanted: str) -> DeviceInfo:
    """The capture device named ``wanted``: an exact name first, else the first containing it (any case).

    AudioDeviceError lists the capture devices there are, so an installer can copy the right name.
    """
    inputs = [device for device in devices if device.inputs > 0]
    folded = wanted.casefold()
    for device in inputs:
        if device.name.casefold() == folded:
            return device
    for device in inputs:
        if folded in device.name.casefold():
            return device
    names = ", ".join(repr(device.name) for device in inputs) or "none"
    raise AudioDeviceError(f"no capture device matching {wanted!r} (capture devices: {names})")


class BlockClock:
    """The monotonic time of each block's first sample, from a sample count (pure: ``now`` is passed in).

    Anchored at the first block (it ended when its read returned); re-anchored when a block arrives more
    than ``max_lag_s`` late: samples were lost, and counting on would date everything after too early.
    """

    def __init__(self, rate: int, max_lag_s: float = 1.0) -> None:
        self.rate = rate
        self.max_lag_s = max_lag_s
        self.resyncs = 0
        self._next: float | None = None

    def stamp(self, frames: int, now: float) -> float:
        """``t`` of a block of ``frames`` whose read returned at ``now``."""
        duration = frames / self.rate
        if self._next is None:
            self._next = now - duration
        elif now - (self._next + duration) > self.max_lag_s:
            self._next = now - duration
            self.resyncs += 1
        t = self._next
        self._next += duration
        return t

    def ahead(self, now: float) -> float:
        """How far the audio delivered so far runs ahead of real time (> 0 only for a file, not a card)."""
        return 0.0 if self._next is None else self._next - now


class _Handoff:
    """Reader thread -> event loop, bounded; one loop wake-up for whatever is queued."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, deliver: Callable[[Samples, float], None], limit: int
    ):
        self._loop = loop
        self._deliver = deliver
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: deque[tuple[Samples, float]] = deque()
        self._scheduled = False
        self.dropped = 0

    def put(self, samples: Samples, t: float) -> None:
        with self._lock:
            if len(self._queue) >= self._limit:
                self.dropped += 1
                return
            self._queue.append((samples, t))
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: the daemon is going away
            self._loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            blocks = list(self._queue)
            self._queue.clear()
            self._scheduled = False
        for samples, t in blocks:
            self._deliver(samples, t)


class AudioInput:
    """A sound card as a line's ``AudioSource``: always reading once started (VOX and caller ID need that).

    ``device`` is matched against PortAudio's device names (see ``find_device``); ``rate`` 8000 or 16000 Hz,
    mono, 16-bit. ``on_status(status, detail)`` is called on the loop when the card goes up or down.
    """

    def __init__(
        self,
        name: str,
        device: str,
        rate: int = 8000,
        block_ms: int = 20,
        *,
        retry_min_s: float = 1.0,
        retry_max_s: float = 30.0,
        max_pending_blocks: int = 50,
        max_ahead_s: float | None = 0.5,
        on_status: Callable[[Status, str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate not in RATES:
            raise ValueError(f"line {name}: sample rate {rate} Hz: a tap records at 8000 or 16000 Hz")
        if not 5 <= block_ms <= 200:
            raise ValueError(f"line {name}: block of {block_ms} ms: expected 5 to 200 ms")
        self.name = name
        self.device = device
        self._rate = rate
        self.block_frames = rate * block_ms // 1000
        self._retry = (retry_min_s, retry_max_s)
        self._max_pending = max_pending_blocks
        self._max_ahead_s = max_ahead_s
        self._on_status = on_status
        self._monotonic = monotonic
        self._listeners: tuple[Listener, ...] = ()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handoff: _Handoff | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.status: Status = "down"
        self.last_error = "not started"
        self._announced: tuple[Status, str] = (self.status, self.last_error)
        self.device_name = ""  # the PortAudio name the tap found
        self.blocks = 0  # read from the card
        self.resyncs = 0

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def dropped(self) -> int:
        """Blocks dropped because the event loop fell ``max_pending_blocks`` behind."""
        return 0 if self._handoff is None else self._handoff.dropped

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            self._listeners = tuple(other for other in self._listeners if other is not listener)

        return unsubscribe

    async def start(self) -> None:
        """Start the reader thread; returns at once (the card may come up later, or never)."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._handoff = _Handoff(self._loop, self._deliver, self._max_pending)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"audio {self.name}", daemon=True)
        self._thread.start()

    async def stop(self, timeout_s: float = 2.0) -> None:
        """Stop reading and close the card (waits for the current block's read)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        await asyncio.to_thread(thread.join, timeout_s)
        if thread.is_alive():
            log.warning(
                "line %s: the read from %r did not return within %g s", self.name, self.device, timeout_s
            )
        self._set_status("down", "stopped")

    async def start_capture(self) -> None:
        """Nothing to do: a card is read all the time."""

    async def stop_capture(self) -> None:
        """Nothing to do: a card is read all the time."""

    # --- on the loop ----------------------------------------------------------------------------------------

    def _deliver(self, samples: Samples, t: float) -> None:
        for listener in self._listeners:
            try:
                listener(samples, t)
            except Exception:
                log.exception("line %s: audio listener %r failed", self.name, listener)

    def _set_status(self, status: Status, detail: str) -> None:
        changed = (status, detail) != self._announced
        self._announced = (status, detail)
        self.status, self.last_error = status, "" if status == "up" else detail
        if changed and self._on_status is not None:
            try:
                self._on_status(status, detail)
            except Exception:
                log.exception("line %s: audio status callback failed", self.name)

    # --- the reader thread ----------------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._retry[0]
        while not self._stop.is_set():
            started = self.blocks
            try:
                self._capture()
            except AudioDeviceError as exc:
                self._report_down(str(exc))
            except Exception as exc:  # a bug must not end the tap for good: log it, retry
                log.exception("line %s: audio capture failed", self.name)
                self._report_down(f"internal error: {exc}")
            if self.blocks > started:
                delay = self._retry[0]
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self._retry[1])

    def _capture(self) -> None:
        with _portaudio() as audio:
            device = find_device(_devices(audio), self.device)
            stream = _open(audio, device, self._rate, self.block_frames)
            try:
                self._read(stream, device)
            finally:
                with _PORTAUDIO_LOCK, _quiet_stderr():
                    stream.close()

    def _read(self, stream: pyaudio.Stream, device: DeviceInfo) -> None:
        clock = BlockClock(self._rate)
        paced = up = False
        assert self._handoff is not None
        while not self._stop.is_set():
            try:
                data = stream.read(self.block_frames, exception_on_overflow=False)
            except (OSError, ValueError) as exc:
                raise AudioDeviceError(f"reading {device.name!r} failed: {exc}") from None
            now = self._monotonic()
            samples = np.frombuffer(data, dtype="<i2")
            t = clock.stamp(len(samples), now)
            self.blocks += 1
            if not up:
                up = True
                self._report_up(device)
            self._handoff.put(samples, t)
            self.resyncs = clock.resyncs
            if self._max_ahead_s is not None and (ahead := clock.ahead(now)) > self._max_ahead_s:
                if not paced:
                    paced = True
                    log.info(
                        "line %s: %r delivers audio faster than real time (a file, not a card?): pacing it",
                        self.name,
                        device.name,
                    )
                self._stop.wait(ahead - self._max_ahead_s / 2)

    def _report_up(self, device: DeviceInfo) -> None:
        self.device_name = device.name
        log.info("line %s: reading %r at %d Hz", self.name, device.name, self._rate)
        self._call_on_loop(self._set_status, "up", f"reading {device.name}")

    def _report_down(self, detail: str) -> None:
        level = logging.DEBUG if detail == self.last_error else logging.WARNING
        log.log(level, "line %s: audio down: %s", self.name, detail)
        self.last_error = detail  # at once, not only when the loop gets to it: the next error compares to it
        self._call_on_loop(self._set_status, "down", detail)

    def _call_on_loop(self, function: Callable[[Status, str], None], status: Status, detail: str) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to tell
                self._loop.call_soon_threadsafe(function, status, detail)


# --- PortAudio ----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _portaudio() -> Iterator[pyaudio.PyAudio]:
    """An initialised PortAudio (devices enumerated now), terminated on the way out."""
    with _PORTAUDIO_LOCK, _quiet_stderr():
        audio = pyaudio.PyAudio()
    try:
        yield audio
    finally:
        with _PORTAUDIO_LOCK, _quiet_stderr():
            audio.terminate()


def _devices(audio: pyaudio.PyAudio) -> list[DeviceInfo]:
    devices = []
    for index in range(audio.get_device_count()):
        info = audio.get_device_info_by_index(index)
        devices.append(DeviceInfo(index, str(info["name"]), int(info["maxInputChannels"])))
    return devices


def _open(audio: pyaudio.PyAudio, device: DeviceInfo, rate: int, frames: int) -> pyaudio.Stream:
    try:
        with _PORTAUDIO_LOCK, _quiet_stderr():
            return audio.open(
                format=pyaudio.paInt16,
                channels=1,
                rate=rate,
                input=True,
                input_device_index=device.index,
                frames_per_buffer=frames,
            )
    except (OSError, ValueError) as exc:
        raise AudioDeviceError(f"cannot open {device.name!r} at {rate} Hz, mono, 16-bit: {exc}") from None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """fd 2 into a temporary file for the duration; then every line that is not ALSA/JACK noise goes on."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to quieten
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            _pass_on(capture.read())


def _pass_on(captured: bytes) -> None:
    kept = [
        line
        for line in captured.splitlines(keepends=True)
        if not _NOISE.search(line.decode(errors="replace"))
    ]
    if kept:
        with contextlib.suppress(OSError):
            os.write(2, b"".join(kept))
    if dropped := len(captured.splitlines()) - len(kept):
        log.debug("PortAudio: %d line(s) of ALSA/JACK noise on stderr suppressed", dropped)
