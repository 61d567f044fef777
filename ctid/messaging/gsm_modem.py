"""The GSM modem sender: SMS through a GSM/4G modem on a serial port, AT commands in PDU mode.

One runner task per modem, as the phone lines have: open the port, initialise (PDU mode, numeric errors,
new messages and delivery reports announced), then watch it until the link is lost; an unplugged modem is
logged once, the sender says it is not ready (``send`` answers "retry later" at once instead of hanging),
and the runner opens the port again with backoff until the modem is back.

The AT exchange is ours, not the voice modem's: a ``> `` prompt without a line end sits between
``AT+CMGS=<length>`` and the PDU, ``+CDS`` and ``+CMT`` are two lines (a header, then the PDU), and the
modem interleaves them with the answers to our commands. ``AtChannel`` sorts each line: the pending
command's answer, or an unsolicited event queued for the runner, which reads and deletes stored messages
(``+CMTI`` -> ``AT+CMGR`` -> ``AT+CMGD``) between sends. One command at a time: a modem answers in order and
says nothing about which command an answer belongs to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from ctid.core.clock import utcnow
from ctid.core.config import GsmModemSmsOptions
from ctid.messaging import pdu
from ctid.messaging.senders import (
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    OnDelivery,
    OnIncoming,
    Outgoing,
    SendResult,
)
from ctid.voicecard.transport import DeviceUnavailable, SerialLink, open_serial

log = logging.getLogger(__name__)

CTRL_Z: Final = b"\x1a"
ESC: Final = b"\x1b"
FINAL: Final = re.compile(r"OK|ERROR|COMMAND NOT SUPPORT|\+CM[ES] ERROR: ?(.*)")
_CMGS: Final = re.compile(r"\+CMGS: ?(\d+)")
_CDS: Final = re.compile(r"\+CDS: ?(\d+)")
_CMT: Final = re.compile(r"\+CMT: ?(?:\"[^\"]*\"|[^,]*)?, ?(\d+)")
_STORED: Final = re.compile(r"\+(CMTI|CDSI): ?\"?([A-Z]+)\"?, ?(\d+)")
_LISTED: Final = re.compile(r"\+CM(?:GL|GR): ?(?:(\d+), ?)?(\d+), ?(?:\"[^\"]*\"|[^,]*)?, ?(\d+)")
_CNMI_CHOICES: Final = ("2,1,0,1,0", "1,1,0,1,0", "2,1,0,2,0", "1,1,0,2,0")
"""New messages as ``+CMTI`` (stored, read then deleted), reports as ``+CDS`` or else ``+CDSI``: modems
differ in what they accept (27.005 3.4.1), so the first one taken wins."""


# --- +CMS ERROR -------------------------------------------------------------------------------------------

_CMS_WORDS: Final[dict[int, tuple[str, bool]]] = {
    # 3GPP TS 24.011 E.2 (RP causes), what the network says
    1: ("unassigned (unallocated) number", False),
    8: ("operator determined barring", False),
    10: ("call barred", False),
    21: ("short message transfer rejected", False),
    27: ("destination out of service", True),
    28: ("unidentified subscriber", False),
    29: ("facility rejected", False),
    30: ("unknown subscriber", False),
    38: ("network out of order", True),
    41: ("temporary failure", True),
    42: ("congestion", True),
    47: ("resources unavailable", True),
    50: ("requested facility not subscribed", False),
    69: ("requested facility not implemented", False),
    81: ("invalid short message reference", True),
    95: ("invalid message", False),
    96: ("invalid mandatory information", False),
    97: ("message type non-existent or not implemented", False),
    98: ("message not compatible with the protocol state", True),
    99: ("information element non-existent or not implemented", False),
    111: ("protocol error", True),
    127: ("interworking error", True),
    # 3GPP TS 23.040 9.2.3.22 (TP-FCS), what the service centre says
    128: ("telematic interworking not supported", False),
    143: ("unspecified TP-PID error", False),
    144: ("data coding scheme not supported", False),
    159: ("unspecified data coding error", False),
    176: ("TPDU not supported", False),
    192: ("service centre busy", True),
    193: ("no subscription with the service centre", False),
    194: ("service centre system failure", True),
    195: ("invalid recipient address", False),
    196: ("recipient barred", False),
    197: ("rejected as a duplicate", False),
    198: ("validity period format not supported", False),
    199: ("validity period not supported", False),
    208: ("SIM message storage full", True),
    210: ("error in the modem", True),
    211: ("memory capacity exceeded", True),
    212: ("SIM toolkit busy", True),
    255: ("unspecified error", True),
    # 3GPP TS 27.005 3.2.5, what the modem itself says
    300: ("modem failure", True),
    301: ("SMS service of the modem reserved", True),
    302: ("operation not allowed", False),
    303: ("operation not supported", False),
    304: ("invalid PDU mode parameter", False),
    305: ("invalid text mode parameter", False),
    310: ("no SIM card", True),
    311: ("the SIM card needs its PIN", True),
    312: ("the SIM card needs the phone PIN", True),
    313: ("SIM card failure", True),
    314: ("SIM card busy", True),
    315: ("wrong SIM card", True),
    316: ("the SIM card needs its PUK", True),
    320: ("memory failure", True),
    321: ("invalid memory index", False),
    322: ("memory full", True),
    330: ("service centre address unknown", True),
    331: ("no network service", True),
    332: ("network timeout", True),
    340: ("no acknowledgement expected", False),
    500: ("unknown error", True),
}


def cms_error(detail: str) -> tuple[str, bool]:
    """``+CMS ERROR: <n>`` (or the words some modems print instead) in words, and whether to try again.

    Retryable is what may pass later: a busy network, no signal, a SIM someone will fix; not what the
    network refused for this number or this message."""
    detail = detail.strip()
    if not detail.isdigit():
        return (f"+CMS ERROR: {detail}" if detail else "ERROR"), True
    code = int(detail)
    words, retryable = _CMS_WORDS.get(code, ("vendor-specific error" if code >= 512 else "error", True))
    return f"+CMS ERROR {code}: {words}", retryable


# --- the AT channel ---------------------------------------------------------------------------------------


class ModemError(Exception):
    """The modem did not do what was asked (in words for the log and the history)."""


class ModemTimeout(ModemError):
    """No answer in time: the modem is slow, hung, or the network has not acknowledged yet."""


class ModemGone(ModemError):
    """The port is closed or was lost (unplugged)."""


@dataclass(frozen=True)
class Response:
    command: str
    result: str  # the final line: OK, ERROR, +CMS ERROR: <n>
    lines: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.result == "OK"


@dataclass(frozen=True)
class Stored:
    """``+CMTI`` (a message) or ``+CDSI`` (a status report) stored at ``index`` of ``memory``."""

    kind: str
    memory: str
    index: int


@dataclass(frozen=True)
class PduLine:
    """``+CDS`` (a status report) or ``+CMT`` (a message) given directly: the PDU and its TPDU length."""

    kind: str
    length: int
    hex: str


@dataclass(frozen=True)
class Lost:
    reason: str


Event = Stored | PduLine | Lost


@dataclass
class _Pending:
    command: str
    future: asyncio.Future[Response]
    prompt: asyncio.Future[None] | None = None
    lines: list[str] = field(default_factory=list)


class AtChannel:
    """Lines in, answers and events out; the ``Receiver`` of one opened port."""

    def __init__(self, on_event: Callable[[Event], None]) -> None:
        self._on_event = on_event
        self._link: SerialLink | None = None
        self._buffer = bytearray()
        self._pending: _Pending | None = None
        self._pdu_for: tuple[str, int] | None = None  # a +CDS/+CMT header seen: its PDU is the next line
        self._lock = asyncio.Lock()
        loop = asyncio.get_running_loop()
        self._lost: asyncio.Future[str] = loop.create_future()
        self._closed: asyncio.Future[None] = loop.create_future()

    def attach(self, link: SerialLink) -> None:
        self._link = link

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    @property
    def lost(self) -> bool:
        return self._lost.done()

    async def command(self, command: str, timeout_s: float) -> Response:
        """``command`` (no CR) and its final answer; raises ModemTimeout, ModemGone."""
        async with self._lock:
            pending = self._start(command)
            try:
                self._write(command.encode("ascii") + b"\r")
                return await asyncio.wait_for(asyncio.shield(pending.future), timeout_s)
            except TimeoutError:
                raise ModemTimeout(f"no answer to {command} within {timeout_s:g} s") from None
            finally:
                self._pending = None

    async def submit(self, length: int, hexdata: str, prompt_s: float, answer_s: float) -> Response:
        """``AT+CMGS=<length>``, the ``> `` prompt, the PDU and Ctrl-Z, then ``+CMGS: <mr>`` and OK (or an
        error). A prompt that never comes is cancelled with ESC, so the modem does not take the next
        command for the message's text."""
        command = f"AT+CMGS={length}"
        async with self._lock:
            pending = self._start(command, prompt=True)
            assert pending.prompt is not None
            try:
                self._write(command.encode("ascii") + b"\r")
                waiting: set[asyncio.Future[object]] = {pending.prompt, pending.future}  # type: ignore[arg-type]
                await asyncio.wait(waiting, timeout=prompt_s, return_when=asyncio.FIRST_COMPLETED)
                if pending.future.done():
                    return pending.future.result()  # refused before the prompt (or the port was lost)
                if not pending.prompt.done():
                    self._write(ESC)
                    with contextlib.suppress(TimeoutError, ModemError):
                        await asyncio.wait_for(asyncio.shield(pending.future), min(prompt_s, 2.0))
                    raise ModemTimeout(f"no > prompt after {command} within {prompt_s:g} s")
                self._write(hexdata.encode("ascii") + CTRL_Z)
                try:
                    return await asyncio.wait_for(asyncio.shield(pending.future), answer_s)
                except TimeoutError:
                    raise ModemTimeout(
                        f"no answer to the message within {answer_s:g} s (it may have been sent)"
                    ) from None
            finally:
                self._pending = None

    def close(self) -> None:
        if self._link is not None:
            self._link.close()
        else:
            self._set_closed()
        self._fail("closed")

    async def aclose(self, timeout_s: float = 2.0) -> None:
        """Close and wait (bounded) until the port is really closed, so it can be opened again."""
        self.close()
        await asyncio.wait({self._closed}, timeout=timeout_s)

    # --- Receiver -----------------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            match = re.search(rb"[\r\n]", self._buffer)
            if match is None:
                break
            raw = bytes(self._buffer[: match.start()])
            del self._buffer[: match.end()]
            text = raw.decode("ascii", "replace").strip()
            if text:
                self._line(text)
        self._check_prompt()

    def connection_lost(self, error: Exception | None) -> None:
        reason = str(error) if error else "closed"
        self._fail(reason)
        self._set_closed()
        self._on_event(Lost(reason))

    # --- sorting lines ------------------------------------------------------------------------------------

    def _line(self, text: str) -> None:
        if self._pdu_for is not None:
            kind, length = self._pdu_for
            self._pdu_for = None
            if re.fullmatch(r"[0-9A-Fa-f]+", text):
                self._on_event(PduLine(kind, length, text))
                return
            log.warning(
                "the modem announced a %s without its PDU (got a line of %d characters)", kind, len(text)
            )
        if match := _CDS.fullmatch(text):
            self._pdu_for = ("CDS", int(match[1]))
        elif match := _CMT.fullmatch(text):
            self._pdu_for = ("CMT", int(match[1]))
        elif match := _STORED.fullmatch(text):
            self._on_event(Stored(match[1], match[2], int(match[3])))
        elif text in (">", "> "):
            self._prompted()
        else:
            self._answer(text)

    def _answer(self, text: str) -> None:
        pending = self._pending
        if pending is None or pending.future.done():
            log.debug("the modem said %r unasked", text[:40])
            return
        if text.upper().replace(" ", "") == pending.command.upper().replace(" ", ""):
            return  # the echo, before ATE0 takes or after the modem reset itself
        if FINAL.fullmatch(text):
            pending.future.set_result(Response(pending.command, text, tuple(pending.lines)))
        else:
            pending.lines.append(text)

    def _check_prompt(self) -> None:
        """The prompt ``> `` comes without a line end: it is what is left once the lines are taken."""
        if self._buffer.strip() == b">":
            self._buffer.clear()
            self._prompted()

    def _prompted(self) -> None:
        pending = self._pending
        if pending is not None and pending.prompt is not None and not pending.prompt.done():
            pending.prompt.set_result(None)

    # --- plumbing -----------------------------------------------------------------------------------------

    def _start(self, command: str, *, prompt: bool = False) -> _Pending:
        if self._lost.done():
            raise ModemGone(self._lost.result())
        if self._link is None:
            raise ModemGone("not attached to a port")
        loop = asyncio.get_running_loop()
        pending = _Pending(command, loop.create_future(), loop.create_future() if prompt else None)
        self._pending = pending  # before the write: the answer may come in the very next read
        return pending

    def _write(self, data: bytes) -> None:
        if self._link is None or self._lost.done():
            raise ModemGone(self._lost.result() if self._lost.done() else "not attached to a port")
        self._link.write(data)

    def _fail(self, reason: str) -> None:
        if not self._lost.done():
            self._lost.set_result(reason)
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(ModemGone(reason))
            pending.future.exception()  # retrieved: nobody may be waiting any more

    def _set_closed(self) -> None:
        if not self._closed.done():
            self._closed.set_result(None)


# --- the sender -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GsmTiming:
    """Timeouts and intervals; the defaults suit real modems (a slow one shows its prompt after seconds, the
    network acknowledges a message within a minute), tests shrink them."""

    command_s: float = 5.0
    prompt_s: float = 20.0
    answer_s: float = 90.0
    reopen_min_s: float = 1.0
    reopen_max_s: float = 30.0


class GsmModemSender:
    """One ``[[sms.senders]]`` with ``driver = "gsm_modem"``: an ``SmsSender``."""

    def __init__(
        self,
        name: str,
        options: GsmModemSmsOptions,
        on_delivery: OnDelivery,
        on_incoming: OnIncoming,
        *,
        timing: GsmTiming | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.name = name
        self.options = options
        self.timing = timing or GsmTiming()
        self._on_delivery = on_delivery
        self._on_incoming = on_incoming
        self._clock = clock
        self._channel: AtChannel | None = None
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._assembler = pdu.Assembler()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._ready = asyncio.Event()
        self.problem = "not started"
        """Why the sender is not ready (empty when it is): shown to whoever asks, logged when it changes."""

    @property
    def ready(self) -> bool:
        """The modem is open, initialised and answering: ``send`` goes to the network."""
        return self._ready.is_set()

    async def wait_ready(self, timeout_s: float | None = None) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout_s)
        return self.ready

    async def start(self) -> None:
        """Returns at once: the runner keeps opening the port until the modem answers."""
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name=f"sms {self.name}: gsm modem")

    async def stop(self) -> None:
        """Cancel the runner until it is done: on Python 3.11 ``wait_for`` can swallow a cancellation that
        meets an answer arriving, and the runner must not outlive its sender."""
        self._stopping = True
        runner, self._runner = self._runner, None
        while runner is not None and not runner.done():
            runner.cancel()
            await asyncio.wait({runner}, timeout=1.0)
        channel = self._channel
        if channel is not None:
            await channel.aclose()
        self._ready.clear()
        self.problem = "stopped"

    # --- sending ------------------------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> SendResult:
        """Each part with ``AT+CMGS``; the parts' message references are the provider ids (a ``+CDS`` names
        one). A part refused stops the message: the outbox may send it again, and the phone joins the parts
        of a resend with those already there (the same concatenation reference, the outbox row's)."""
        channel = self._channel
        if channel is None or not self.ready:
            return SendResult(False, error=f"the GSM modem is not ready: {self.problem}", retryable=True)
        if not message.text:
            return SendResult(False, error="an empty message", retryable=False)
        try:
            parts = pdu.encode_submit(
                message.number,
                message.text,
                reference=message.ref & 0xFF,
                validity=timedelta(hours=self.options.validity_hours),
                status_report=self.options.status_reports,
            )
        except ValueError:
            return SendResult(False, error="not a number a modem can send to", retryable=False)
        references: list[str] = []
        for index, part in enumerate(parts, 1):
            where = f"part {index} of {len(parts)}: " if len(parts) > 1 else ""
            try:
                answer = await channel.submit(
                    part.tpdu_length, part.hex, self.timing.prompt_s, self.timing.answer_s
                )
            except ModemGone as error:
                return SendResult(
                    False, tuple(references), f"{where}the modem was lost while sending ({error})", True
                )
            except ModemTimeout as error:
                # A late answer would be taken for the next command's: open the modem afresh instead.
                log.warning("sms %s: %s%s; opening the modem again", self.name, where, error)
                self._ready.clear()
                self.problem = "opened again after a message without an answer"
                channel.close()
                return SendResult(False, tuple(references), f"{where}{error}", True)
            if not answer.ok:
                words, retryable = cms_error(FINAL.fullmatch(answer.result)[1] or "")  # type: ignore[index]
                log.warning("sms %s: message %d %srefused: %s", self.name, message.ref, where, words)
                return SendResult(False, tuple(references), f"{where}{words}", retryable)
            reference = next((m[1] for line in answer.lines if (m := _CMGS.match(line))), "")
            references.append(reference)
        log.info("sms %s: message %d sent in %d part(s)", self.name, message.ref, len(parts))
        return SendResult(True, tuple(references))

    # --- the runner ---------------------------------------------------------------------------------------

    async def _run(self) -> None:
        delay = self.timing.reopen_min_s
        while not self._stopping:
            was_ready = False
            try:
                was_ready = await self._session()
            except (DeviceUnavailable, ModemError) as error:
                device = self.options.device
                self._down(str(error) if device in str(error) else f"{device}: {error}")
            except Exception as error:  # a bug must not end the sender for good: log it, open again
                log.exception("sms %s: the GSM modem runner failed", self.name)
                self._down(f"internal error: {error}")
            delay = self.timing.reopen_min_s if was_ready else min(delay * 2, self.timing.reopen_max_s)
            await asyncio.sleep(delay)

    async def _session(self) -> bool:
        """One opening of the port: init, then events until the link is lost. True if it became ready."""
        self._events = asyncio.Queue()
        channel = AtChannel(self._events.put_nowait)
        channel.attach(await open_serial(self.options.device, self.options.baud, channel))
        self._channel = channel
        ready = False
        try:
            await self._initialise(channel)
            ready = True
            self._up()
            await self._read_stored(channel)
            await self._watch(channel)
        finally:
            self._ready.clear()
            self._channel = None
            await channel.aclose()
        return ready

    async def _initialise(self, channel: AtChannel) -> None:
        timeout = self.timing.command_s
        for _ in range(3):  # a modem just plugged in may swallow the first command
            with contextlib.suppress(ModemTimeout):
                if (await channel.command("AT", timeout)).ok:
                    break
        else:
            raise ModemError(f"no answer to AT on {self.options.device}: is it the modem's AT port?")
        for command in ("ATE0", "AT+CMEE=1"):
            await channel.command(command, timeout)
        pin = await channel.command("AT+CPIN?", timeout)
        if pin.ok and not any("READY" in line.upper() for line in pin.lines):
            raise ModemError(f"the SIM card is not ready ({', '.join(pin.lines) or pin.result})")
        if not (await channel.command("AT+CMGF=0", timeout)).ok:
            raise ModemError("the modem refuses PDU mode (AT+CMGF=0)")
        for choice in _CNMI_CHOICES:
            if (await channel.command(f"AT+CNMI={choice}", timeout)).ok:
                break
        else:
            log.warning(
                "sms %s: the modem takes no AT+CNMI: replies are read only when it is opened", self.name
            )
        for command in self.options.init:
            answer = await channel.command(command, timeout)
            if not answer.ok:
                log.warning("sms %s: %s answered %s", self.name, command, answer.result)

    async def _watch(self, channel: AtChannel) -> None:
        """Events as they come; when idle for ``watchdog_s``, an ``AT`` to prove the modem still answers."""
        while not self._stopping:
            try:
                event = await asyncio.wait_for(self._events.get(), self.options.watchdog_s)
            except TimeoutError:
                if not channel.busy:
                    await channel.command("AT", self.timing.command_s)  # ModemError ends the session
                continue
            if isinstance(event, Lost):
                raise ModemGone(f"the modem on {self.options.device} is gone ({event.reason})")
            try:
                await self._event(channel, event)
            except ModemError:
                raise
            except Exception:
                log.exception("sms %s: handling %s failed", self.name, type(event).__name__)

    async def _event(self, channel: AtChannel, event: Stored | PduLine) -> None:
        if isinstance(event, PduLine):
            await self._received(event.hex, event.length)
            return
        answer = await channel.command(f"AT+CMGR={event.index}", self.timing.command_s)
        if answer.ok and (found := _stored_pdu(answer.lines)) is not None:
            await self._received(found[1], found[0])
        await self._delete(channel, event.index)

    async def _read_stored(self, channel: AtChannel) -> None:
        """What came while the modem was away (or before ``+CMTI`` was switched on): read, then deleted."""
        answer = await channel.command("AT+CMGL=4", self.timing.command_s)
        lines = list(answer.lines)
        for at, line in enumerate(lines[:-1]):
            match = _LISTED.fullmatch(line)
            if match is None or match[1] is None or int(match[2]) > 1:  # 2, 3: our own sent/unsent copies
                continue
            await self._received(lines[at + 1], int(match[3]))
            await self._delete(channel, int(match[1]))

    async def _delete(self, channel: AtChannel, index: int) -> None:
        answer = await channel.command(f"AT+CMGD={index}", self.timing.command_s)
        if not answer.ok:
            log.warning("sms %s: could not delete stored message %d (%s)", self.name, index, answer.result)

    async def _received(self, hexdata: str, length: int) -> None:
        """A PDU the modem gave: a status report (``on_delivery``) or a message or part (``on_incoming``)."""
        try:
            kind = _kind(hexdata, length)
            if kind == 0x02:
                await self._report(pdu.decode_status_report(hexdata, length))
            elif kind == 0x00:
                for message in self._assembler.add(pdu.decode_deliver(hexdata, length), self._clock()):
                    at = message.at.astimezone(UTC)
                    await self._on_incoming(IncomingSms(self.name, message.sender, message.text, at))
            else:
                log.warning("sms %s: a PDU of type %d ignored", self.name, kind)
        except pdu.PduError as error:
            log.warning("sms %s: an unreadable PDU from the modem ignored (%s)", self.name, error)

    async def _report(self, report: pdu.StatusReport) -> None:
        status = {
            pdu.ReportStatus.DELIVERED: DeliveryStatus.DELIVERED,
            pdu.ReportStatus.PENDING: DeliveryStatus.PENDING,
            pdu.ReportStatus.FAILED: DeliveryStatus.FAILED,
        }[report.outcome]
        at = report.at.astimezone(UTC)
        await self._on_delivery(DeliveryReport(self.name, str(report.reference), status, at))

    # --- state --------------------------------------------------------------------------------------------

    def _up(self) -> None:
        log.info("sms %s: GSM modem ready on %s", self.name, self.options.device)
        self.problem = ""
        self._ready.set()

    def _down(self, detail: str) -> None:
        """Not ready; a repeat of the last problem is not logged again (a modem unplugged for an hour)."""
        self._ready.clear()
        level = logging.DEBUG if detail == self.problem else logging.WARNING
        log.log(
            level, "sms %s: GSM modem not ready: %s (opening it again until it answers)", self.name, detail
        )
        self.problem = detail


def _stored_pdu(lines: tuple[str, ...]) -> tuple[int, str] | None:
    """``+CMGR: <stat>,[<alpha>],<length>`` and the PDU line after it."""
    for at, line in enumerate(lines[:-1]):
        if match := _LISTED.fullmatch(line):
            return int(match[3]), lines[at + 1]
    return None


def _kind(hexdata: str, length: int) -> int:
    """The message type indicator of a PDU (the SMSC field skipped unless the length says there is none)."""
    try:
        data = bytes.fromhex(hexdata)
    except ValueError:
        raise pdu.PduError("not hexadecimal") from None
    at = 0 if len(data) == length else (data[0] + 1 if data else 0)
    if at >= len(data):
        raise pdu.PduError("the PDU ends early")
    return data[at] & 0x03
