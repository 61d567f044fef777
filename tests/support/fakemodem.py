"""A fake voice modem on a pty, shared by the tests and the caller-ID bench.

The real transport (pyserial-asyncio on the pty's slave side) talks to it as to a cheap Conexant USB modem:
it echoes until ``ATE0``, answers AT commands, and plays what a test scripts: rings, caller ID in the mode the
driver chose (formatted lines, ``MESG`` frames, or nothing when it "forgot" ``AT+VCID``), DLE events, garbage.
It runs on the caller's asyncio loop and never blocks it (non-blocking writes, buffered).

Voice mode: ``AT+FCLASS=8``, ``AT+VSM=?`` (the CX93001's list unless told otherwise), ``AT+VSM=``, ``AT+VLS=``
and ``AT+VRX``, after which the test streams audio (``send_audio``: DLE-escaped as a modem does, ``DLE SUB``
for a pair) and DLE events; ``DLE !`` from the driver ends the recording (``DLE ETX``, ``OK``), or only
``DLE DLE DLE !`` (``vrx_stop="triple"``), or nothing (``"never"``).

Dials: ``ATD`` answers ``dial_result`` after ``dial_delay_s``, or, given a ``dial_script``, what it says for
that number (``DialAnswer``: BUSY, NO ANSWER, NO DIALTONE, or an answer OK/VCON after a delay, the far end
hanging up ``talk_s`` later with ``NO CARRIER``). Every dial is logged in ``dials`` with its time, the
dialer's tests' witness that nothing was dialled twice (the log outlives a daemon killed with -9).

The device the driver opens is a symlink owned by the fake, so ``unplug`` (close the pty, remove the link)
and ``plug`` (a new pty, the link re-pointed) happen under the driver as with a USB modem; a replugged modem
has lost its settings, as a real one has after a power cycle.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import sys
import termios
import time
import tty
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.support.waiting import wait_until

DLE = b"\x10"
IDENTITY = ("CX93001-EIS_V0.2002-V92", "Zoom 3095 V.92 USB Mini Modem")
CX93001_FORMATS = (
    '0,"SIGNED PCM",8,0,8000,0,0',
    '1,"UNSIGNED PCM",8,0,8000,0,0',
    '129,"IMA ADPCM",4,0,8000,0,0',
    '130,"UNSIGNED PCM",8,0,8000,0,0',
    '131,"Mu-Law",8,0,8000,0,0',
    '132,"A-Law",8,0,8000,0,0',
    '133,"14 bit PCM",14,0,8000,0,0',
)
"""What a Conexant CX93001 answers to ``AT+VSM=?`` (as NCID's hangup notes show it)."""
_DLE_PAIRS = re.compile(rb"\x10\x10|\x10")
_FLAGS = re.compile(r"(?:[EVQMLX][0-9]|S[0-9]+=[0-9]+|&[CDK][0-9])+")


# --- caller-ID payloads -------------------------------------------------------------------------------------


def with_checksum(body: bytes) -> bytes:
    """Type, length and parameters + the two's-complement checksum byte."""
    return body + bytes([-sum(body) % 256])


def mdmf(
    number: str | None = None, name: str | None = None, *, reason: str | None = None, when: str = "03221405"
) -> bytes:
    """An MDMF call-setup frame (no preamble): date, number or reason (``P``/``O``), name (GBK) or reason."""
    params = b"\x01\x08" + when.encode()
    if number is not None:
        params += b"\x02" + bytes([len(number)]) + number.encode()
    else:
        params += b"\x04\x01" + (reason or "O").encode()
    if name is not None:
        encoded = name.encode("gbk")
        params += b"\x07" + bytes([len(encoded)]) + encoded
    elif reason is not None:
        params += b"\x08\x01" + reason.encode()
    return with_checksum(b"\x80" + bytes([len(params)]) + params)


def sdmf(number: str | None = None, *, reason: str | None = None, when: str = "03221405") -> bytes:
    """An SDMF frame: MMDDHHMM, then the number or a single ``P``/``O``."""
    params = when.encode() + (number if number is not None else reason or "O").encode()
    return with_checksum(b"\x04" + bytes([len(params)]) + params)


def formatted(
    number: str | None = None, name: str | None = None, *, reason: str | None = None, when: str = "03221405"
) -> list[bytes]:
    """What ``AT+VCID=1`` prints, one chunk per line (the bench times the NMBR and NAME lines apart)."""
    lines = [b"\r\n", f"DATE = {when[:4]}\r\n".encode(), f"TIME = {when[4:]}\r\n".encode()]
    lines.append(f"NMBR = {number if number is not None else reason or 'O'}\r\n".encode())
    if name is not None:
        lines.append(b"NAME = " + name.encode("gbk") + b"\r\n")
    return lines


def mesg(frame: bytes) -> bytes:
    """What ``AT+VCID=2`` prints: the frame as hex."""
    return b"\r\nMESG = " + frame.hex().upper().encode() + b"\r\n"


# --- the modem ----------------------------------------------------------------------------------------------

ANSWERED = frozenset({"OK", "VCON", "CONNECT"})


@dataclass(frozen=True)
class DialAnswer:
    """How the far end answers one dial: ``code`` after ``delay_s``; an answered call (OK, VCON) is hung up
    by the far end ``talk_s`` later (``NO CARRIER``), or stays up until the driver hangs up (None)."""

    code: str = "OK"
    delay_s: float = 0.05
    talk_s: float | None = None


@dataclass(frozen=True)
class Dial:
    """One ``ATD`` the modem received: when (``time.monotonic()``), the number, and what it answered."""

    at: float
    number: str
    answer: DialAnswer


@dataclass
class ModemState:
    """What a power cycle or ATZ resets."""

    echo: bool = True
    caller_id: int = 0  # 0 off, 1 formatted, 2 unformatted (MESG frames)
    fclass: int = 0
    off_hook: bool = False
    vsm: str = ""  # the AT+VSM= arguments taken


class FakeModem:
    """A modem on a pty behind the symlink ``path``; ``plug()`` to start."""

    def __init__(
        self,
        path: Path,
        *,
        identity: Sequence[str] = IDENTITY,
        country: str = "26",
        vcid: bool = True,
        dial_result: str = "OK",
        dial_delay_s: float = 0.05,
        voice_formats: Sequence[str] = CX93001_FORMATS,
        vrx_stop: Literal["dle", "triple", "never"] = "dle",
    ) -> None:
        self.path = path
        self.identity = tuple(identity)
        self.country = country
        self.vcid = vcid  # False: AT+VCID answers ERROR (the driver must fall back to AT#CID)
        self.dial_result = dial_result
        self.dial_delay_s = dial_delay_s
        self.voice_formats = tuple(voice_formats)  # empty: AT+VSM=? answers ERROR
        self.vrx_stop = vrx_stop
        self.recording = False  # AT+VRX answered CONNECT and no stop came yet
        self.stops_received: list[bytes] = []  # the DLE sequences seen while recording
        self._from_driver = bytearray()  # bytes received while recording, not yet understood
        self.state = ModemState()
        self.muted = False  # no answers at all
        self.stalled = False  # answers held back until ``resume()`` (a modem that hangs, then recovers)
        self.answer_delay_s = 0.0  # time to process a command: answers come in order, this far apart
        self._backlog: list[list[str]] = []
        self._free_at = 0.0
        self.commands: list[str] = []
        self.received = bytearray()
        self.last_write_at = 0.0
        self._master: int | None = None
        self._slave: int | None = None
        self._inbox = bytearray()
        self._outbox = bytearray()
        self._dialing: asyncio.TimerHandle | None = None
        self._talking: asyncio.TimerHandle | None = None
        self.dial_script: Callable[[str], DialAnswer] | None = None
        self.dials: list[Dial] = []
        self._changed = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    # --- plugging -------------------------------------------------------------------------------------------

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        """A fresh pty (a power-cycled modem: default settings) behind ``path``."""
        assert self._master is None, "already plugged"
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo or CR translation before the driver's pyserial configures the port
        os.set_blocking(master, False)
        self._master, self._slave, self.state = master, slave, ModemState()
        self.recording = False  # a power-cycled modem records nothing
        self.path.unlink(missing_ok=True)
        self.path.symlink_to(os.ttyname(slave))
        self._loop.add_reader(master, self._readable)

    def unplug(self) -> None:
        """The USB cable pulled: the pty closes under the driver and the device path disappears."""
        if self._master is None:
            return
        self._loop.remove_reader(self._master)
        self._loop.remove_writer(self._master)
        self._cancel_dial()
        self._cancel_talk()
        os.close(self._master)
        if self._slave is not None:
            os.close(self._slave)
        self._master = self._slave = None
        self._inbox.clear()
        self._outbox.clear()
        self.path.unlink(missing_ok=True)

    def resume(self) -> None:
        """A stalled modem recovers: it works through the commands it held, answering each late."""
        self.stalled = False
        backlog, self._backlog = self._backlog, []
        for answer in backlog:
            self._respond(answer)

    def power_blip(self) -> None:
        """The modem resets itself: echo back on, caller ID off (the driver is not told)."""
        self.state = ModemState()

    # --- what the line does ---------------------------------------------------------------------------------

    def ring(self, tag: str | None = None) -> None:
        self.write(b"\r\nRING" + (b" " + tag.encode() if tag else b"") + b"\r\n")

    def caller_id(
        self,
        number: str | None = None,
        name: str | None = None,
        *,
        reason: str | None = None,
        sdmf_frame: bool = False,
    ) -> None:
        """Caller ID as this modem prints it in its current mode; nothing if caller ID is off."""
        if self.state.caller_id == 1:
            self.write(b"".join(formatted(number, name, reason=reason)))
        elif self.state.caller_id == 2:
            frame = sdmf(number, reason=reason) if sdmf_frame else mdmf(number, name, reason=reason)
            self.write(mesg(frame))

    def dle(self, code: str) -> None:
        """A DLE event (voice mode): ``H`` handset off hook, ``h`` on hook, ``l`` loop break, a DTMF digit."""
        self.write(DLE + code.encode())

    def send_audio(self, raw: bytes) -> None:
        """Recorded audio as the modem sends it: a 0x10 byte as ``DLE DLE``, a pair as ``DLE SUB``."""
        self.write(_DLE_PAIRS.sub(lambda m: DLE + (b"\x1a" if len(m[0]) == 2 else DLE), raw))

    def end_recording(self) -> None:
        """The modem ends the recording by itself (its time limit, a buffer overrun): ``DLE ETX``, ``OK``."""
        self.recording = False
        self.write(DLE + b"\x03")
        self._answer("OK")

    # --- bytes ----------------------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send ``data`` to the driver; ``last_write_at`` is the monotonic time its last byte left."""
        if self._master is None:
            return
        self._outbox += data
        self._flush()

    @property
    def pending(self) -> int:
        """Bytes written but not yet taken by the pty (its buffer was full)."""
        return len(self._outbox)

    async def drain(self, within_s: float = 5.0) -> None:
        """Until everything written has gone into the pty (TimeoutError if the driver stops reading)."""
        await wait_until(lambda: not self._outbox or self._master is None, within_s)

    @property
    def unread(self) -> int:
        """Bytes written that the driver has not read yet: still here, or in the pty's queue."""
        if self._slave is None:
            return 0
        queued = fcntl.ioctl(self._slave, termios.FIONREAD, b"\0\0\0\0")
        return len(self._outbox) + int.from_bytes(queued, sys.byteorder)

    async def taken(self, within_s: float = 3.0) -> None:
        """Until the driver has read everything written so far. Its transport hands what it reads to the
        framer and the line in the same callback, so what those bytes cause (or fail to cause) has happened:
        the barrier a test needs before asserting that something did NOT happen."""
        await wait_until(lambda: self.unread == 0, within_s, "the driver to read what the modem wrote")

    async def wait_for_command(self, command: str, *, count: int = 1, within_s: float = 3.0) -> None:
        """Until ``command`` (as sent, upper case) has been received ``count`` times in all."""
        async with asyncio.timeout(within_s):
            while self.commands.count(command) < count:
                await self._changed.wait()

    def _flush(self) -> None:
        assert self._master is not None
        while self._outbox:
            try:
                written = os.write(self._master, self._outbox)
            except BlockingIOError:
                self._loop.add_writer(self._master, self._writable)
                return
            del self._outbox[:written]
        self.last_write_at = time.monotonic()

    def _writable(self) -> None:
        assert self._master is not None
        self._loop.remove_writer(self._master)
        self._flush()

    def _readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 4096)
        except OSError:
            return
        self.received += data
        if self.recording:
            self._recording_input(data)
            return
        if self._dialing is not None and data:
            self._cancel_dial()
            self._answer("NO CARRIER")  # any character aborts a dial
            return
        self._inbox += data
        while b"\r" in self._inbox:
            raw, _, rest = bytes(self._inbox).partition(b"\r")
            self._inbox[:] = rest
            text = raw.decode("ascii", "replace").replace("\n", "").strip()
            if text:
                self._command(text)

    # --- AT commands ----------------------------------------------------------------------------------------

    def _command(self, text: str) -> None:
        command = text.upper()
        self.commands.append(command)
        self._changed.set()
        self._changed = asyncio.Event()
        if self.muted:
            return
        if self.state.echo:
            self.write(text.encode() + b"\r")
        if not command.startswith("AT"):
            return
        if (body := command[2:].replace(" ", "")).startswith("D"):
            self._dial(body)
        elif body == "+VRX":
            self._record()
        else:
            lines, result = self._answer_for(body)
            self._respond([*lines, result])

    def _respond(self, answer: list[str]) -> None:
        """Answer now, or after the commands before it (``answer_delay_s`` each), or after ``resume()``."""
        if self.stalled:
            self._backlog.append(answer)
        elif not self.answer_delay_s:
            self._answer(*answer)
        else:
            self._free_at = max(self._loop.time(), self._free_at) + self.answer_delay_s
            self._loop.call_at(self._free_at, lambda: self._answer(*answer))

    def _answer_for(self, body: str) -> tuple[list[str], str]:
        """The info lines and result code for one AT command body (after ``AT``)."""
        state = self.state
        if body in ("H", "H0"):
            self._cancel_talk()  # the driver hung up: the far end hears it, no NO CARRIER comes later
        if body in ("", "H", "H0", "+VLS=0") or _FLAGS.fullmatch(body):
            state.off_hook = False if body.startswith(("H", "+VLS")) else state.off_hook
            state.echo = _flag(body, "E", state.echo)
            return [], "OK"
        if body in ("Z", "&F"):
            self.state = ModemState()
            return [], "OK"
        if body in ("I", "I0", "I3"):
            return [self.identity[0 if body != "I3" else 1]], "OK"
        if body == "+GCI?":
            return [f"+GCI: {self.country}"], "OK"
        if match := re.fullmatch(r"(\+VCID|#CID)=([012])", body):
            if match[1] == "+VCID" and not self.vcid:
                return [], "ERROR"
            state.caller_id = int(match[2])
            return [], "OK"
        if match := re.fullmatch(r"\+FCLASS=([018])", body):
            state.fclass = int(match[1])
            return [], "OK"
        if body.startswith(("+VSM", "+VLS")):
            return self._voice_command(body)
        return [], "ERROR"

    # --- voice ----------------------------------------------------------------------------------------------

    def _voice_command(self, body: str) -> tuple[list[str], str]:
        state = self.state
        if state.fclass != 8:
            return [], "ERROR"
        if body == "+VSM=?":
            return list(self.voice_formats), "OK" if self.voice_formats else "ERROR"
        methods = {line.split(",")[0] for line in self.voice_formats}
        if (match := re.fullmatch(r"\+VSM=(\d+)((?:,\d+)*)", body)) and match[1] in methods:
            state.vsm = body[5:]
            return [], "OK"
        if match := re.fullmatch(r"\+VLS=([0-9])", body):
            state.off_hook = match[1] != "0"
            return [], "OK"
        return [], "ERROR"

    def _record(self) -> None:
        if self.state.fclass != 8 or not self.state.vsm:
            self._answer("ERROR")
            return
        self.recording = True
        self._from_driver.clear()
        self._answer("CONNECT")

    def _recording_input(self, data: bytes) -> None:
        """Only DLE sequences mean anything while recording; the stop ends it with ``DLE ETX`` and ``OK``."""
        buffer = self._from_driver
        buffer += data
        while self.recording and (start := buffer.find(DLE)) >= 0:
            if self.vrx_stop == "triple":
                if (found := buffer.find(DLE * 3 + b"!")) < 0:
                    del buffer[: max(0, len(buffer) - 3)]
                    return
                self._stop_recording(bytes(buffer[found : found + 4]))
                return
            if start + 1 >= len(buffer):
                del buffer[:start]
                return
            sequence = bytes(buffer[start : start + 2])
            del buffer[: start + 2]
            if sequence == DLE + b"!" and self.vrx_stop == "dle":
                self._stop_recording(sequence)
        if self.recording and DLE not in buffer:
            buffer.clear()

    def _stop_recording(self, sequence: bytes) -> None:
        self.stops_received.append(sequence)
        self._from_driver.clear()
        self.recording = False
        self.write(DLE + b"\x03")
        self._answer("OK")

    def _dial(self, body: str) -> None:
        if not (match := re.fullmatch(r"DT?([0-9*#,W]+);?", body)):
            self._answer("ERROR")
            return
        self._cancel_talk()
        self.state.off_hook = True
        number = match[1]
        script = self.dial_script
        answer = DialAnswer(self.dial_result, self.dial_delay_s) if script is None else script(number)
        self.dials.append(Dial(time.monotonic(), number, answer))
        self._dialing = self._loop.call_later(answer.delay_s, self._dial_done, answer)

    def _dial_done(self, answer: DialAnswer) -> None:
        self._dialing = None
        self._answer(answer.code)
        if answer.code not in ANSWERED:
            self.state.off_hook = False
        elif answer.talk_s is not None:
            self._talking = self._loop.call_later(answer.talk_s, self._far_end_hangs_up)

    def _far_end_hangs_up(self) -> None:
        self._talking = None
        self.state.off_hook = False
        self._answer("NO CARRIER")

    def _cancel_talk(self) -> None:
        if self._talking is not None:
            self._talking.cancel()
            self._talking = None

    def _cancel_dial(self) -> None:
        if self._dialing is not None:
            self._dialing.cancel()
            self._dialing = None

    def _answer(self, *lines: str) -> None:
        self.write(b"".join(b"\r\n" + line.encode() + b"\r\n" for line in lines))


def _flag(body: str, letter: str, current: bool) -> bool:
    """The value of a ``E0``/``E1`` style flag in ``body``, or ``current`` if absent."""
    match = re.search(letter + r"([01])", body)
    return current if match is None else match[1] == "1"
