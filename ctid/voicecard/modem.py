"""Modem layer: AT commands over a serial link, one in flight, and everything else routed to the line.

Why one command at a time: a modem answers in order and does not say which command a result belongs to.
Why route by line shape: a RING or a caller-ID line can arrive between a command and its ``OK`` (the
watchdog's ``AT`` meeting an incoming call) and must reach the line at once, not be swallowed as a response.
The response waiter is registered before the command is written, so an answer that arrives within the same
read as the write cannot be missed; ``connection_lost`` fails the waiter, and a closed modem refuses commands.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol

from ctid.voicecard.framing import AudioEnd, Item, Mode, ModemFramer, ModemLine

log = logging.getLogger(__name__)

FINAL_RESULT: Final = re.compile(
    r"OK|ERROR|CONNECT(?: .*)?|VCON|BUSY|NO CARRIER|NO DIAL ?TONE|NO ANSWER|\+CM[ES] ERROR: ?.*"
)
"""Result codes that end a command (``+CME``/``+CMS ERROR`` from GSM modems)."""

UNSOLICITED: Final = re.compile(
    r"RING(?: ?[A-Z0-9])?|(?:DATE|TIME|NMBR|NAME|MESG|DDN_NMBR|DDN|NBR) ?=.*", re.I
)
"""Lines that belong to the line even while a command waits for its answer: rings and caller ID."""

AUDIO_END_TIMEOUT_S: Final = 2.0
"""How long to wait for the result code after a modem ended its audio by itself."""

_FCLASS: Final = re.compile(r"\+FCLASS=([0-9.]+)")
_RESET: Final = re.compile(r"AT(?:Z|&F)")


class ModemError(Exception):
    """The modem did not do what was asked."""


class ModemTimeout(ModemError):
    """No final result within the timeout: the modem is hung, reset, or not a modem."""


class ModemGone(ModemError):
    """The link is closed or was lost (unplugged)."""


class Link(Protocol):
    """What the modem writes to (a ``transport.SerialLink``, or a fake in tests)."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Response:
    """A command's answer: its text lines (echo removed) and the final result code."""

    command: str
    result: str
    lines: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result == "OK"


@dataclass
class _Pending:
    command: str
    future: asyncio.Future[Response]
    lines: list[str] = field(default_factory=list)


class Modem:
    """One modem on one link, whose ``Receiver`` it is; items that answer no command go to ``on_item``."""

    def __init__(
        self,
        on_item: Callable[[Item], None],
        *,
        encoding: str = "gbk",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_item = on_item
        self._framer = ModemFramer(encoding=encoding)
        self._monotonic = monotonic
        self._link: Link | None = None
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._strays = 0  # result codes that answered no command: a late answer, or a misaligned one
        self._audio = False  # AT+VRX answered CONNECT: the command lock is held until end_audio
        loop = asyncio.get_running_loop()
        self._lost: asyncio.Future[ModemGone] = loop.create_future()
        self._link_closed: asyncio.Future[None] = loop.create_future()

    def attach(self, link: Link) -> None:
        self._link = link

    @property
    def busy(self) -> bool:
        """A command is in flight or queued, or audio is flowing (``receive_audio``)."""
        return self._lock.locked()

    @property
    def mode(self) -> Mode:
        """The framer's mode, following the modem's: ``command``, ``voice`` (``+FCLASS=8``) or ``audio``."""
        return self._framer.mode

    @property
    def receiving_audio(self) -> bool:
        return self._audio

    @property
    def is_lost(self) -> bool:
        return self._lost.done()

    async def wait_lost(self, timeout_s: float | None = None) -> ModemGone | None:
        """The error that ended the link, or None if it still stands after ``timeout_s`` seconds."""
        done, _ = await asyncio.wait({self._lost}, timeout=timeout_s)
        return self._lost.result() if done else None

    async def command(self, command: str, timeout_s: float) -> Response:
        """Send ``command`` (``AT...``, no CR), wait for its final result; raises ModemTimeout, ModemGone.

        ValueError for text that is not one ASCII command line (a typo in the configured init).
        """
        if not command.isascii() or not command.isprintable():
            raise ValueError(f"not an AT command line: {command!r}")
        async with self._lock:
            return await self._exchange(command, timeout_s)

    async def _exchange(self, command: str, timeout_s: float) -> Response:
        """One command and its final result; the caller holds the lock."""
        link = self._require_link()
        pending = _Pending(command, asyncio.get_running_loop().create_future())
        self._pending = pending  # before the write: the answer may come in the very next read
        try:
            link.write(command.encode("ascii") + b"\r")
            return await asyncio.wait_for(pending.future, timeout_s)
        except TimeoutError:
            raise ModemTimeout(f"no answer to {command} within {timeout_s:g} s") from None
        finally:
            self._pending = None

    async def sync(self, timeout_s: float, quiet_s: float = 0.05, attempts: int = 3) -> None:
        """Realign commands and answers after a timeout; raises ModemTimeout, or ModemError if it cannot.

        Why: AT answers carry no tag. A hung modem that recovers answers the command that timed out, and
        that late ``OK`` would be taken for the next command's, shifting every answer after it by one
        (``ATI3`` getting ``ATI``'s identity). ``AT`` followed by a quiet spell without a stray result code
        proves the two are in step again.
        """
        for _ in range(attempts):
            strays = self._strays
            await self.command("AT", timeout_s)
            await asyncio.sleep(quiet_s)
            if self._strays == strays:
                return
        raise ModemError(f"the modem's answers still do not match its commands after {attempts} tries")

    async def receive_audio(self, timeout_s: float, command: str = "AT+VRX") -> Response:
        """Start recording (``AT+VRX``); audio then comes as ``AudioData`` items to ``on_item``.

        Holds the command lock from ``CONNECT`` until ``end_audio``: a modem streaming audio takes no AT
        command, so the watchdog (which skips a busy modem) and everyone else wait. Any other answer than
        ``CONNECT`` is returned with the lock released and the framer back in voice mode.
        """
        await self._lock.acquire()
        try:
            self._framer.expect_audio()  # before the write: audio may follow CONNECT in the same read
            response = await self._exchange(command, timeout_s)
        except BaseException:
            self._framer.set_mode(self._framer.mode)  # forget the expected CONNECT
            self._lock.release()
            raise
        if not response.result.startswith("CONNECT"):
            self._framer.set_mode(self._framer.mode)
            self._lock.release()
            return response
        self._audio = True
        return response

    async def end_audio(self, stops: Sequence[bytes], timeout_s: float) -> Response:
        """Send each of ``stops`` in turn (``DLE !`` first) until the modem ends the audio with its result.

        Each gets ``timeout_s``. Raises ModemTimeout if none works (the framer is put back in voice mode and
        the lock released all the same: the caller re-syncs), ModemGone if the link is lost, ModemError if
        no audio is flowing (the modem ended it by itself).
        """
        if not self._audio:
            raise ModemError("no audio to end: the modem is not recording")
        try:
            for stop in stops:
                pending = _Pending(f"<{stop.hex()}>", asyncio.get_running_loop().create_future())
                self._pending = pending
                self._require_link().write(stop)
                try:
                    return await asyncio.wait_for(asyncio.shield(pending.future), timeout_s)
                except TimeoutError:
                    log.info("the modem did not end the audio on %r", stop)
            raise ModemTimeout(f"the modem did not end the audio on any of {[bytes(s) for s in stops]}")
        finally:
            self._pending = None
            self._release_audio()

    def _audio_ended_by_modem(self) -> None:
        """``DLE ETX`` unasked: wait (holding the lock) for the result that follows it, then let go.

        Registered now, before the rest of this read is framed: the ``OK`` may be in it, and once the lock
        is free a queued command would take that ``OK`` for its own answer.
        """
        loop = asyncio.get_running_loop()
        pending = _Pending("<end of audio>", loop.create_future())
        self._pending = pending
        timer = loop.call_later(AUDIO_END_TIMEOUT_S, self._release_audio)

        def answered(_: asyncio.Future[Response]) -> None:
            timer.cancel()
            self._release_audio()

        pending.future.add_done_callback(answered)

    def _release_audio(self) -> None:
        if self._framer.mode == "audio":
            self._framer.set_mode("voice")
        if self._audio:
            self._audio = False
            if self._pending is not None and self._pending.command == "<end of audio>":
                self._pending = None
            self._lock.release()

    def interrupt(self) -> None:
        """Send a bare CR: any character aborts a dial in progress (the modem answers NO CARRIER or OK)."""
        if self._link is not None and not self.is_lost:
            self._link.write(b"\r")

    def close(self) -> None:
        """Close the link and fail what waits; safe to call more than once."""
        if self._link is not None:
            self._link.close()
        else:
            self._set_link_closed()
        self._fail(ModemGone("modem closed"))

    async def aclose(self, timeout_s: float = 2.0) -> None:
        """``close``, then wait (bounded) until the port is really closed, so it can be opened again."""
        self.close()
        await asyncio.wait({self._link_closed}, timeout=timeout_s)

    # --- Receiver -------------------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        for item in self._framer.feed(data, self._monotonic()):
            if isinstance(item, ModemLine):
                if self._answers_command(item.text):
                    continue
                if FINAL_RESULT.fullmatch(item.text):
                    self._strays += 1
            elif isinstance(item, AudioEnd) and self._audio and self._pending is None:
                self._audio_ended_by_modem()
            self._deliver(item)

    def connection_lost(self, error: Exception | None) -> None:
        self._fail(ModemGone(str(error) if error else "modem closed"))
        self._set_link_closed()

    # --- routing --------------------------------------------------------------------------------------------

    def _answers_command(self, text: str) -> bool:
        """Take ``text`` into the pending command's answer; False if it is the line's (or nobody waits)."""
        pending = self._pending
        if pending is None or pending.future.done() or UNSOLICITED.fullmatch(text):
            return False
        if _same_command(text, pending.command):
            return True  # the echo (before ATE0 takes effect, or after a reset)
        if FINAL_RESULT.fullmatch(text):
            self._follow_mode(pending.command, text)
            pending.future.set_result(Response(pending.command, text, tuple(pending.lines)))
        else:
            pending.lines.append(text)
        return True

    def _deliver(self, item: Item) -> None:
        try:
            self._on_item(item)
        except Exception:
            log.exception("modem item handler failed on %r", item)

    def _follow_mode(self, command: str, result: str) -> None:
        """Keep the framer in the modem's mode: DLE events exist only in voice mode (``+FCLASS=8``)."""
        if result != "OK":
            return
        text = command.upper().replace(" ", "")
        if match := _FCLASS.search(text):
            self._framer.set_mode("voice" if match[1] == "8" else "command")
        elif _RESET.match(text):
            self._framer.set_mode("command")

    def _require_link(self) -> Link:
        if self._lost.done():
            raise ModemGone(str(self._lost.result()))
        if self._link is None:
            raise ModemGone("modem not attached to a link")
        return self._link

    def _set_link_closed(self) -> None:
        if not self._link_closed.done():
            self._link_closed.set_result(None)

    def _fail(self, error: ModemGone) -> None:
        if not self._lost.done():
            self._lost.set_result(error)
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(ModemGone(str(error)))


def _same_command(text: str, command: str) -> bool:
    return text.upper().replace(" ", "") == command.upper().replace(" ", "")
