"""Recording through the voice modem, for lines without a sound card: the modem line's ``AudioSource``.

``start_capture`` puts the modem in voice mode (``AT+FCLASS=8``), picks a sample format the modem lists
(``AT+VSM=?``: 8-bit unsigned at 8000 Hz first, then u-law, A-law, signed 8-bit), connects it to the line
(``AT+VLS=1``: in parallel with the handset, as an extension would) and records (``AT+VRX``). The framer
unescapes the DLE-shielded stream; here it is decoded to int16 (``pcm``) and cut into blocks for the
listeners, on the event loop, as a sound card's would be. DLE events in the stream (handset on hook, far end
gone, DTMF) reach the line as at any other time.

``stop_capture`` sends ``DLE !``; a modem that does not answer gets ``DLE DLE DLE !`` (firmware that only
leaves recording on a triple DLE) and then ``DLE CAN DLE ETX``; then ``AT+VLS=0`` and, if the line was in
data/caller-ID class before, ``AT+FCLASS=0``: the modem is back where caller ID works. A modem that ends the
recording by itself (a buffer overrun, its own time limit) while the call goes on is asked to record again,
unless it did so within ``restart_guard_s`` of the last start (then the capture ends, with ``last_error``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np

from ctid.voicecard import pcm
from ctid.voicecard.audio_in import BlockClock, Listener, Samples, Status
from ctid.voicecard.framing import DLE, AudioData, AudioEnd, Item
from ctid.voicecard.modem import Modem, ModemError, Response

log = logging.getLogger(__name__)

RATE: Final = 8000
STOPS: Final = (bytes([DLE]) + b"!", bytes([DLE, DLE, DLE]) + b"!", bytes([DLE, 0x18, DLE, 0x03]))
PREFERENCE: Final[tuple[pcm.Encoding, ...]] = ("u8", "ulaw", "alaw", "s8")
FALLBACKS: Final[tuple[tuple[int, pcm.Encoding], ...]] = ((1, "u8"), (128, "u8"), (4, "ulaw"), (5, "alaw"))
"""Tried in turn when ``AT+VSM=?`` lists nothing usable: V.253's unsigned PCM, u-law, A-law; USR's 8-bit."""

_FORMAT_LINE: Final = re.compile(r'\s*(?:\+VSM:\s*)?(\d+)\s*,\s*"([^"]*)"\s*(?:,(.*))?')
_NUMBER_OR_RANGE: Final = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")


class VoiceError(ModemError):
    """The modem would not record; the message says which command failed."""


@dataclass(frozen=True)
class VoiceFormat:
    """One ``AT+VSM=?`` entry: the compression method's number, name, bits and sample rates."""

    method: int
    name: str
    encoding: pcm.Encoding | None  # None: nothing ctid can decode (ADPCM, 16-bit, vendor codecs)
    rates: tuple[int, ...]


@dataclass(frozen=True)
class VoiceTiming:
    command_s: float = 3.0
    stop_s: float = 1.0  # per stop sequence
    restart_guard_s: float = 2.0


def parse_formats(lines: Iterable[str]) -> list[VoiceFormat]:
    """The formats in an ``AT+VSM=?`` answer, in the modem's order (pure; lines that are none are skipped).

    Seen: V.253 ``1,"UNSIGNED PCM",8,0,(8000),(0),(0)``; Conexant ``131,"Mu-Law",8,0,8000,0,0``; USR
    ``128,"8-BIT LINEAR",(7200,8000,11025)`` (no bits field: the rates come right after the name).
    """
    formats = []
    for line in lines:
        match = _FORMAT_LINE.fullmatch(line)
        if match is None:
            continue
        method, name, rest = int(match[1]), match[2].strip(), match[3] or ""
        fields = _fields(rest)
        bits, rates_field = (fields[0], fields[2]) if len(fields) >= 3 else ("", fields[0] if fields else "")
        formats.append(VoiceFormat(method, name, _encoding(name, bits), _rates(rates_field)))
    return formats


def _fields(text: str) -> list[str]:
    """Top-level comma-separated fields; a parenthesised list is one field."""
    fields, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            fields.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    if current.strip():
        fields.append(current.strip())
    return fields


def _encoding(name: str, bits: str) -> pcm.Encoding | None:
    key = re.sub(r"[^A-Z0-9]", "", name.upper())
    if bits.strip() not in ("", "8"):
        return None
    if "ULAW" in key or "MULAW" in key or key.endswith("711U"):
        return "ulaw"
    if "ALAW" in key or key.endswith("711A"):
        return "alaw"
    if key in ("UNSIGNEDPCM", "8BITLINEAR", "8BITUNSIGNEDPCM"):
        return "u8"  # USR's "8-BIT LINEAR" is unsigned, as 8-bit PCM in WAV files is
    if key in ("SIGNEDPCM", "8BITSIGNEDPCM"):
        return "s8"
    return None


def _rates(field: str) -> tuple[int, ...]:
    """``(7200,8000,11025)``, ``8000``, ``(7200-11025)``: a range has its ends and 8000 if 8000 is in it."""
    rates: list[int] = []
    for match in _NUMBER_OR_RANGE.finditer(field):
        low = int(match[1])
        high = int(match[2]) if match[2] else low
        for rate in (low, high, RATE):
            if low <= rate <= high and rate not in rates:
                rates.append(rate)
    return tuple(rates)


def choose_format(formats: Iterable[VoiceFormat]) -> VoiceFormat | None:
    """The best 8 kHz format ctid can decode: ``PREFERENCE`` order, the modem's order within each."""
    usable = [f for f in formats if f.encoding is not None and RATE in f.rates]
    for encoding in PREFERENCE:
        for candidate in usable:
            if candidate.encoding == encoding:
                return candidate
    return None


class ModemAudio:
    """A modem line's audio: nothing flows until ``start_capture``; blocks of ``block_ms`` to listeners."""

    def __init__(
        self,
        line: str,
        *,
        timing: VoiceTiming | None = None,
        line_select: str = "1",
        block_ms: int = 20,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = line
        self.timing = timing or VoiceTiming()
        self.line_select = line_select
        self.block_frames = RATE * block_ms // 1000
        self._monotonic = monotonic
        self._modem: Modem | None = None
        self._format: VoiceFormat | None = None  # chosen for the attached modem
        self._listeners: tuple[Listener, ...] = ()
        self._lock = asyncio.Lock()  # one start or stop at a time
        self._capturing = False
        self._stopping = False
        self._restore_class = False  # the modem was in data class (AT+FCLASS=0) before recording
        self._started_at = 0.0
        self._pending = np.zeros(0, np.int16)
        self._clock = BlockClock(RATE)
        self._restart: asyncio.Task[None] | None = None
        self.last_error = ""
        self.blocks = 0

    @property
    def rate(self) -> int:
        return RATE

    @property
    def status(self) -> Status:
        return "up" if self._modem is not None and not self._modem.is_lost else "down"

    @property
    def capturing(self) -> bool:
        return self._capturing

    @property
    def format(self) -> VoiceFormat | None:
        """The format in use (None before the first capture on this modem)."""
        return self._format

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners = (*self._listeners, listener)

        def unsubscribe() -> None:
            self._listeners = tuple(other for other in self._listeners if other is not listener)

        return unsubscribe

    # --- the driver's side ----------------------------------------------------------------------------------

    def attach(self, modem: Modem) -> None:
        """A new modem session (after each open of the device): its formats are asked again."""
        self._modem, self._format = modem, None

    def detach(self, reason: str) -> None:
        """The modem is gone: a capture in progress ends here (its audio stops)."""
        self._modem = None
        if self._capturing:
            log.warning("line %s: recording through the modem ended: %s", self.name, reason)
            self.last_error = reason
            self._end_capture()

    def feed(self, item: Item) -> None:
        """Audio items from the modem (on the loop): decoded, cut into blocks, handed to the listeners."""
        if isinstance(item, AudioData):
            if self._capturing and self._format is not None and self._format.encoding is not None:
                self._add(pcm.decode(item.data, self._format.encoding))
        elif isinstance(item, AudioEnd) and self._capturing and not self._stopping:
            self._ended_by_modem()

    async def start(self) -> None:
        """Nothing to start: the driver attaches the modem."""

    async def stop(self) -> None:
        await self.stop_capture()

    # --- capture --------------------------------------------------------------------------------------------

    async def start_capture(self) -> None:
        """Voice mode, format, line, ``AT+VRX``; VoiceError (or ModemError) if the modem will not record."""
        async with self._lock:
            if self._capturing:
                return
            modem = self._modem
            if modem is None:
                raise VoiceError(f"line {self.name}: no modem to record with (the line is down)")
            try:
                await self._begin(modem)
            except ModemError as exc:
                self.last_error = str(exc)
                log.warning("line %s: cannot record through the modem: %s", self.name, exc)
                await self._back_to_caller_id(modem)
                raise

    async def stop_capture(self) -> None:
        """``DLE !`` (and stronger stops), then the modem back in its caller-ID state. Never raises."""
        async with self._lock:
            if self._restart is not None:
                self._restart.cancel()
                self._restart = None
            modem = self._modem
            if not self._capturing:
                return
            self._stopping = True
            try:
                if modem is not None and modem.receiving_audio:
                    await modem.end_audio(STOPS, self.timing.stop_s)
            except ModemError as exc:
                log.warning("line %s: the modem did not stop recording cleanly: %s", self.name, exc)
                if modem is not None and not modem.is_lost:
                    await self._resync(modem)
            finally:
                self._end_capture()
            if modem is not None:
                await self._back_to_caller_id(modem)

    async def _begin(self, modem: Modem) -> None:
        self._restore_class = modem.mode == "command"
        await self._expect_ok(modem, "AT+FCLASS=8")
        if self._format is None:
            self._format = await self._select_format(modem)
        await self._expect_ok(modem, f"AT+VLS={self.line_select}")
        await self._record(modem)

    async def _record(self, modem: Modem) -> None:
        self._pending = np.zeros(0, np.int16)
        self._clock = BlockClock(RATE)
        self._capturing, self._stopping = True, False  # before the command: audio may follow CONNECT at once
        try:
            response = await modem.receive_audio(self.timing.command_s)
        except BaseException:
            self._capturing = False
            raise
        if not response.result.startswith("CONNECT"):
            self._capturing = False
            raise VoiceError(f"AT+VRX answered {response.result}")
        self._started_at = self._monotonic()
        self.last_error = ""
        assert self._format is not None
        log.info(
            "line %s: recording through the modem (%s)", self.name, self._format.name or self._format.encoding
        )

    async def _select_format(self, modem: Modem) -> VoiceFormat:
        listed = await modem.command("AT+VSM=?", self.timing.command_s)
        formats = parse_formats(listed.lines) if listed.ok else []
        chosen = choose_format(formats)
        candidates = [chosen] if chosen else [VoiceFormat(m, "", e, (RATE,)) for m, e in FALLBACKS]
        for candidate in candidates:
            for command in (f"AT+VSM={candidate.method},{RATE}", f"AT+VSM={candidate.method},{RATE},0,0"):
                if (await modem.command(command, self.timing.command_s)).ok:
                    return candidate
        offered = "; ".join(listed.lines) if listed.ok else f"AT+VSM=? answered {listed.result}"
        raise VoiceError(f"the modem takes no 8 kHz format ctid can decode ({offered})")

    async def _expect_ok(self, modem: Modem, command: str) -> Response:
        response = await modem.command(command, self.timing.command_s)
        if not response.ok:
            raise VoiceError(f"{command} answered {response.result}")
        return response

    async def _back_to_caller_id(self, modem: Modem) -> None:
        """On hook, and data class again if that is where the modem was: caller ID works as before."""
        commands = ["AT+VLS=0"] + (["AT+FCLASS=0"] if self._restore_class else [])
        for command in commands:
            try:
                response = await modem.command(command, self.timing.command_s)
            except ModemError as exc:
                log.warning("line %s: %s after recording: %s", self.name, command, exc)
                return
            if not response.ok:
                log.warning("line %s: %s after recording answered %s", self.name, command, response.result)

    async def _resync(self, modem: Modem) -> None:
        try:
            await modem.sync(self.timing.command_s)
        except ModemError as exc:
            log.warning("line %s: the modem is out of step after recording: %s", self.name, exc)

    def _end_capture(self) -> None:
        self._capturing = self._stopping = False
        if len(self._pending):
            block, self._pending = self._pending, np.zeros(0, np.int16)
            self._deliver(block)

    def _ended_by_modem(self) -> None:
        """The call goes on but the modem stopped recording: ask again, unless it just did the same."""
        self._end_capture()
        again = self._monotonic() - self._started_at >= self.timing.restart_guard_s
        if again:
            log.warning("line %s: the modem ended the recording by itself; recording again", self.name)
        else:
            self.last_error = "the modem keeps ending the recording by itself"
            log.warning("line %s: %s; recording through the modem stopped", self.name, self.last_error)
        self._restart = asyncio.create_task(self._after_modem_end(again), name=f"line {self.name}: recording")

    async def _after_modem_end(self, again: bool) -> None:
        """Record again, or give up and put the modem back on hook (it is still connected to the line)."""
        modem = self._modem
        if modem is None:
            return
        try:
            async with self._lock:
                if again:
                    await self._record(modem)
                else:
                    await self._back_to_caller_id(modem)
        except ModemError as exc:
            self.last_error = f"could not record again: {exc}"
            log.warning("line %s: %s", self.name, self.last_error)
            async with self._lock:
                await self._back_to_caller_id(modem)
        finally:
            self._restart = None

    # --- blocks ---------------------------------------------------------------------------------------------

    def _add(self, samples: Samples) -> None:
        pending = np.concatenate((self._pending, samples)) if len(self._pending) else samples
        whole = len(pending) - len(pending) % self.block_frames
        for start in range(0, whole, self.block_frames):
            self._deliver(pending[start : start + self.block_frames])
        self._pending = pending[whole:]

    def _deliver(self, block: Samples) -> None:
        t = self._clock.stamp(len(block), self._monotonic())
        self.blocks += 1
        for listener in self._listeners:
            try:
                listener(block, t)
            except Exception:
                log.exception("line %s: audio listener %r failed", self.name, listener)
