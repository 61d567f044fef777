"""The modem line driver: a voice modem on a serial port as one phone line.

One runner task per line: open the device, initialise the modem, then supervise it (a watchdog ``AT`` every
``watchdog_s``) until the link is lost. A lost link (unplugged, or a modem that stays mute after a re-init)
takes the line down, ends any call with reason "line lost", and the runner re-opens with backoff until the
device answers again; a missing device at start is the same loop, so the daemon never waits for a modem.

Modem output that answers no command comes here: RING and caller-ID lines (identified the moment the number
is known: the parser answers per line, and tells where a new caller's block begins), DLE events in voice
mode (handset hook, far-end hangup), and ``NO CARRIER`` after an outbound call. A line that keeps ringing
without caller ID gets its caller-ID command re-sent: a modem reset by a power blip forgets ``AT+VCID=1``
and nothing else would tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ctid.core.clock import utcnow
from ctid.core.config import ModemLineOptions
from ctid.core.errors import N_
from ctid.core.events import EventBus
from ctid.voicecard.audio_in import AudioInput
from ctid.voicecard.callerid import CallerIdUpdate, FormattedCallerIdParser
from ctid.voicecard.driver import LineDriver
from ctid.voicecard.events import CallEnded, LineEvent
from ctid.voicecard.framing import AudioData, AudioEnd, DleEvent, Item, ModemLine
from ctid.voicecard.line import DIAL_RESULTS, LineDownError
from ctid.voicecard.modem import Modem, ModemError, ModemGone
from ctid.voicecard.modem_init import (
    InitReport,
    InitTimeouts,
    caller_id_init,
    enable_caller_id,
    initialise,
    run_commands,
)
from ctid.voicecard.modem_voice import ModemAudio, VoiceTiming
from ctid.voicecard.transport import DeviceUnavailable, open_serial

log = logging.getLogger(__name__)

_RING: Final = re.compile(r"RING(?: ?([A-Z0-9]))?", re.I)
_OFF_HOOK, _ON_HOOK, _FAR_END_GONE = frozenset("HP"), frozenset("hp"), frozenset("lb")


@dataclass(frozen=True)
class ModemTiming:
    """Timeouts and intervals; the defaults suit real modems, tests shrink them."""

    command_timeout_s: float = 3.0
    reset_timeout_s: float = 6.0
    dial_timeout_s: float = 90.0
    watchdog_s: float = 30.0
    reopen_min_s: float = 1.0
    reopen_max_s: float = 30.0

    @property
    def init(self) -> InitTimeouts:
        return InitTimeouts(self.command_timeout_s, self.reset_timeout_s)


class ModemDriver(LineDriver):
    driver = "modem"

    def __init__(
        self,
        name: str,
        label: str,
        bus: EventBus,
        options: ModemLineOptions,
        *,
        timing: ModemTiming | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name, label, bus, options.ring_timeout_s, clock, monotonic)
        self.options = options
        self.timing = timing or ModemTiming()
        self.report: InitReport | None = None
        """What the last init found (identity, country, each command's result); None until the first."""
        self._parser = FormattedCallerIdParser()
        self._modem: Modem | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        command_s = self.timing.command_timeout_s
        self._voice = ModemAudio(name, timing=VoiceTiming(command_s=command_s, stop_s=min(1.0, command_s)))
        self._tap = AudioInput(name, options.tap_device, options.tap_rate) if options.tap_device else None
        self.audio = self._tap or self._voice  # a sound card on the line records better than the modem

    # --- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Returns at once: the line is down until the modem answers, which the runner keeps trying."""
        self._apply(self.machine.line_lost, f"opening {self.options.device}")
        self._runner = asyncio.create_task(self._run(), name=f"line {self.name}: modem")
        if self._tap is not None:
            await self._tap.start()

    async def stop(self) -> None:
        with contextlib.suppress(TimeoutError):  # on hook before the port closes, if the modem answers
            await asyncio.wait_for(self._voice.stop_capture(), 3 * self.timing.command_timeout_s)
        if self._tap is not None:
            await self._tap.stop()
        tasks = [task for task in (self._runner, *self._tasks) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._modem is not None:
            await self._modem.aclose()
        self._cancel_timer()

    async def _run(self) -> None:
        delay = self.timing.reopen_min_s
        while True:
            self.report = None
            try:
                await self._session()
            except (DeviceUnavailable, ModemError) as error:
                self._down(str(error))
            except Exception as error:  # a bug must not end the line for good: log it, re-open
                log.exception("line %s: modem driver failed", self.name)
                self._down(f"internal error: {error}")
            delay = self.timing.reopen_min_s if self.report else min(delay * 2, self.timing.reopen_max_s)
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        """One opening of the device: init, then watch until the link is lost (raises why)."""
        modem = Modem(self._on_item)
        modem.attach(await open_serial(self.options.device, self.options.baud, modem))
        self._modem = modem
        self._voice.attach(modem)
        try:
            await self._initialise(modem)
            await self._supervise(modem)
        finally:
            self._modem = None
            self._voice.detach("the modem was lost")
            await modem.aclose()

    async def _initialise(self, modem: Modem, note: str = "") -> None:
        report = await initialise(modem, self.options, self.timing.init)
        self.report = report
        steps = ", ".join(f"{step.command} {step.result}" for step in report.steps)
        log.info("line %s: modem %r on %s ready (%s)", self.name, report.identity, self.options.device, steps)
        for warning in report.warnings:
            log.warning("line %s: %s", self.name, warning)
        self._set_info(identity=report.identity, last_error="; ".join(filter(None, (note, report.problem))))
        self._apply(self.machine.line_restored, f"modem ready on {self.options.device}")

    async def _supervise(self, modem: Modem) -> None:
        """Every ``watchdog_s``: an idle modem must answer ``AT``; if not, re-init (which raises if mute)."""
        while True:
            if (lost := await modem.wait_lost(self.timing.watchdog_s)) is not None:
                raise lost
            if modem.busy:
                continue  # a command in flight proves more than AT would
            try:
                await modem.command("AT", self.timing.command_timeout_s)
            except ModemGone:
                raise
            except ModemError:
                log.warning("line %s: the modem stopped answering; re-initialising it", self.name)
                await modem.sync(self.timing.command_timeout_s)
                await self._initialise(modem, "the modem stopped answering and was re-initialised")

    def _down(self, detail: str) -> None:
        """Line down (calls end with "line lost"); a repeat of the last error is not logged again."""
        level = logging.DEBUG if detail == self.info.last_error else logging.WARNING
        log.log(level, "line %s is down: %s (opening it again until the modem answers)", self.name, detail)
        self._set_info(last_error=detail)
        self._apply(self.machine.line_lost, detail)

    # --- calls out ------------------------------------------------------------------------------------------

    async def dial(self, number: str) -> str:
        """Dial ``number`` with ``ATDT<number>;``; returns the call id at once, the result comes as events.

        The ``;`` brings the modem back to command mode after dialing: the extension phone carries the call.
        Raises LineBusyError (ringing, in a call, off hook), LineDownError, ValueError (not a dial string).
        """
        modem = self._modem
        if modem is None and self.machine.status != "down":
            raise LineDownError(N_("Line %(line)s is not open: cannot dial."), line=self.name)
        self._apply(self.machine.dial, number)
        call_id = self.machine.call_id or ""
        assert modem is not None  # a line without a modem is down, and the machine refused the dial
        self._spawn(self._dialing(modem, number.upper(), call_id), "dial")
        return call_id

    async def _dialing(self, modem: Modem, number: str, call_id: str) -> None:
        try:
            result = (await modem.command(f"ATDT{number};", self.timing.dial_timeout_s)).result
        except ModemGone:
            return  # the line is lost: the runner ends the call
        except ModemError:
            modem.interrupt()  # abort the dial; its late answer must not pass for the next command's
            result = "ERROR"
            with contextlib.suppress(ModemError):
                await modem.sync(self.timing.command_timeout_s)
        if self.machine.call_id == call_id:
            self._apply(self.machine.dial_result, _dial_result(result))

    async def hangup(self) -> None:
        """Put the modem on hook; a dial in progress is cancelled. A ringing call is left to ring.

        The call ends for ctid even if the modem does not answer ``ATH`` (then the watchdog takes over).
        """
        modem, state = self._modem, self.machine.state
        if state in ("idle", "ringing", "identified"):
            return
        await self._voice.stop_capture()  # a recording modem takes no ATH
        on_hook = functools.partial(self.machine.onhook, by="modem")
        if state == "dialing":
            self._apply(on_hook)
            if modem is not None:
                modem.interrupt()
        try:
            if modem is not None:
                await modem.command("ATH", self.timing.command_timeout_s)
        except ModemError as error:
            log.warning("line %s: hang-up not confirmed by the modem: %s", self.name, error)
        finally:
            self._apply(on_hook)

    # --- what the modem says by itself ----------------------------------------------------------------------

    def _on_item(self, item: Item) -> None:
        if isinstance(item, ModemLine):
            self._on_line(item.text)
        elif isinstance(item, DleEvent):
            self._on_dle(item.code)
        elif isinstance(item, (AudioData, AudioEnd)):
            self._voice.feed(item)

    def _on_line(self, text: str) -> None:
        if ring := _RING.fullmatch(text):
            self._parser.ring()
            self.ring(ring[1])
        elif update := self._parser.feed(text, self._monotonic()):
            self._on_caller_id(update)
        elif text == "NO CARRIER" and self.machine.state == "connected":
            self._apply(self.machine.dial_result, text)
        else:
            log.debug("line %s: modem said %r", self.name, text)

    def _on_caller_id(self, update: CallerIdUpdate) -> None:
        if "error" in update.changed:
            log.warning("line %s: caller ID ignored: %s", self.name, update.caller_id.error)
        self.caller_id(update)

    def _on_dle(self, code: str) -> None:
        if code in _OFF_HOOK:
            self._apply(self.machine.offhook)
            if self.machine.state == "connected" and self._modem is not None:
                self._spawn(self._release(self._modem), "release")
        elif code in _ON_HOOK:
            self._apply(self.machine.onhook)
        elif code in _FAR_END_GONE and self.machine.state != "dialing":
            self._apply(self.machine.far_end_hangup)
        elif code == "R":
            self._parser.ring()
            self.ring()

    async def _release(self, modem: Modem) -> None:
        """The handset took the dialed call: the modem lets go of the line (the call goes on)."""
        try:
            await modem.command("ATH", self.timing.command_timeout_s)
        except ModemError as error:
            log.warning("line %s: could not hand the call over to the handset: %s", self.name, error)
        self._apply(functools.partial(self.machine.onhook, by="modem"))

    # --- caller-ID mode -------------------------------------------------------------------------------------

    def _apply(self, step: Callable[..., list[LineEvent]], *args: object) -> list[LineEvent]:
        events = super()._apply(step, *args)
        if any(isinstance(event, CallEnded) for event in events):
            if self.machine.state == "idle":  # not when the next caller's block ended it: that block goes on
                self._parser.reset()
            self._check_caller_id_mode()
        return events

    def _check_caller_id_mode(self) -> None:
        """Re-send the caller-ID init after 1, 2, 4, 8... calls in a row without caller ID (not every call:
        a line without caller-ID service would fill the log)."""
        count, modem = self.machine.calls_without_caller_id, self._modem
        if count == 0 or count & (count - 1) or modem is None:
            return
        log.warning(
            "line %s: %d call(s) in a row rang without caller ID; re-sending the caller-ID init"
            " (a modem reset by a power blip forgets it; or the line has no caller-ID service)",
            self.name,
            count,
        )
        self._spawn(self._resend_caller_id(modem), "caller-id init")

    async def _resend_caller_id(self, modem: Modem) -> None:
        timeouts = self.timing.init
        try:
            if commands := caller_id_init(self.options):
                steps = await run_commands(modem, commands, timeouts)
            else:
                steps = await run_commands(modem, ("ATE0V1Q0",), timeouts)
                steps += (await enable_caller_id(modem, self.options.cid_mode, timeouts))[1]
        except ModemError as error:
            log.warning("line %s: could not re-send the caller-ID init: %s", self.name, error)
            return
        log.info(
            "line %s: caller-ID init re-sent (%s)",
            self.name,
            ", ".join(f"{s.command} {s.result}" for s in steps),
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.create_task(coroutine, name=f"line {self.name}: {what}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("line %s: %s failed", self.name, task.get_name(), exc_info=error)


def _dial_result(result: str) -> str:
    """The result as a ``DIAL_RESULTS`` key (``CONNECT 33600`` -> ``CONNECT``, ``+CME ERROR: 3`` -> ERROR)."""
    if result in DIAL_RESULTS:
        return result
    return "CONNECT" if result.startswith("CONNECT") else "ERROR"
