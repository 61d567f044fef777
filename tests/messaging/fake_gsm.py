"""A fake GSM modem on a pty, for the SMS tests (and the outbox's kill test).

The real transport (pyserial-asyncio on the pty's slave side) talks to it as to a cheap USB 4G stick in PDU
mode: it echoes until ``ATE0``, answers the init, takes ``AT+CMGS=<n>``, shows the ``> `` prompt (at once,
late, or never), reads the PDU up to Ctrl-Z (ESC cancels), checks that ``<n>`` is the PDU's length without
the SMSC field, and answers ``+CMGS: <mr>`` and OK, or a scripted ``+CMS ERROR``. It keeps a SIM of stored
messages (``+CMTI`` -> ``AT+CMGR``/``AT+CMGL``/``AT+CMGD``) and sends delivery reports (``+CDS``).

Every PDU it accepted is appended to ``log_path`` as one line (``<mr> <pdu hex>``), flushed at once, so a
test that kills a daemon mid-send can count what reached the network: ``read_log`` gives the lines back and
``describe`` says what one PDU is (recipient, concatenation, text), read with smspdudecoder.

The device is a symlink the fake owns: ``unplug`` closes the pty and removes the link, ``plug`` makes a new
pty behind it (settings lost, as after a power cycle), the way a USB modem comes and goes.
"""

from __future__ import annotations

import asyncio
import os
import re
import tty
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.messaging import pdu_build
from tests.messaging.pdu_build import concat_of, gsm_text_of, submit

CTRL_Z = 0x1A
ESC = 0x1B


@dataclass
class Stored:
    stat: int  # 0 received unread, 1 received read, 2 stored unsent, 3 stored sent
    hex: str
    length: int


@dataclass
class Accepted:
    mr: int
    hex: str


@dataclass
class SimState:
    echo: bool = True
    pdu_mode: bool = False
    cnmi: str = ""


@dataclass
class Script:
    """What the modem does next, set by a test."""

    cms_errors: list[int | None] = field(default_factory=list)  # the next AT+CMGS answers (None: accept)
    prompt_delay_s: float | None = 0.0  # None: no prompt at all
    answer_delay_s: float = 0.0  # between Ctrl-Z and +CMGS
    before_answer: list[bytes] = field(default_factory=list)  # unsolicited lines written just before +CMGS
    refuse_pdu_mode: bool = False
    cnmi_accepted: tuple[str, ...] = ("2,1,0,1,0", "1,1,0,1,0", "2,1,0,2,0", "1,1,0,2,0")
    mute: bool = False


class FakeGsmModem:
    def __init__(self, path: Path, log_path: Path | None = None) -> None:
        self.path = path
        self.log_path = log_path
        self.script = Script()
        self.state = SimState()
        self.sim: dict[int, Stored] = {}
        self.accepted: list[Accepted] = []
        self.refused: list[str] = []  # PDUs answered with a +CMS ERROR
        self.cancelled = 0  # submissions ended with ESC
        self.commands: list[str] = []
        self.next_mr = 1
        self._master: int | None = None
        self._slave: int | None = None
        self._inbox = bytearray()
        self._awaiting_pdu: int | None = None  # the length AT+CMGS announced, while the prompt is out
        self._prompt: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()

    # --- plugging -----------------------------------------------------------------------------------------

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        assert self._master is None, "already plugged"
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.state = SimState()
        self._awaiting_pdu = None
        self.path.unlink(missing_ok=True)
        self.path.symlink_to(os.ttyname(slave))
        self._loop.add_reader(master, self._readable)

    def unplug(self) -> None:
        if self._master is None:
            return
        self._loop.remove_reader(self._master)
        if self._prompt is not None:
            self._prompt.cancel()
        os.close(self._master)
        if self._slave is not None:
            os.close(self._slave)
        self._master = self._slave = None
        self._inbox.clear()
        self.path.unlink(missing_ok=True)

    # --- what the network does ----------------------------------------------------------------------------

    def receive_sms(
        self,
        sender: str,
        text: str,
        at: datetime,
        *,
        concat: tuple[int, int, int] | None = None,
        announce: bool = True,
    ) -> int:
        """A message (or one part) arrives: stored on the SIM, announced with ``+CMTI`` (unless not)."""
        ucs2 = any(
            char not in pdu_build.GSM.ALPHABET and char not in pdu_build.GSM.ALPHABET_EXT_INV for char in text
        )
        hexdata, length = pdu_build.deliver(sender, text, at, ucs2=ucs2, concat=concat)
        index = max(self.sim, default=0) + 1
        self.sim[index] = Stored(0, hexdata, length)
        if announce:
            self.unsolicited(f'+CMTI: "SM",{index}')
        return index

    def status_report(self, mr: int, recipient: str, status: int, at: datetime) -> None:
        """A delivery report for the message reference ``mr``, as ``+CDS`` (PDU on the next line)."""
        hexdata, length = pdu_build.status_report(mr, recipient, status, at)
        self.unsolicited(f"+CDS: {length}", hexdata)

    def stored_status_report(self, mr: int, recipient: str, status: int, at: datetime) -> int:
        """A delivery report stored on the SIM and announced with ``+CDSI`` (``AT+CNMI=..,2,..``)."""
        hexdata, length = pdu_build.status_report(mr, recipient, status, at)
        index = max(self.sim, default=0) + 1
        self.sim[index] = Stored(0, hexdata, length)
        self.unsolicited(f'+CDSI: "SM",{index}')
        return index

    def direct_sms(self, sender: str, text: str, at: datetime) -> None:
        """A message routed straight to the port (``+CMT: ,<length>`` and the PDU), not stored."""
        ucs2 = any(
            char not in pdu_build.GSM.ALPHABET and char not in pdu_build.GSM.ALPHABET_EXT_INV for char in text
        )
        hexdata, length = pdu_build.deliver(sender, text, at, ucs2=ucs2)
        self.unsolicited(f"+CMT: ,{length}", hexdata)

    def unsolicited(self, *lines: str) -> None:
        self._write(b"".join(b"\r\n" + line.encode() + b"\r\n" for line in lines))

    # --- bytes --------------------------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self._master is not None:
            os.write(self._master, data)  # small writes: the pty takes them whole

    def _readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, 4096)
        except OSError:
            return
        self._inbox += data
        while self._inbox:
            if self._awaiting_pdu is not None:
                if not self._pdu_input():
                    return
                continue
            if b"\r" not in self._inbox:
                return
            raw, _, rest = bytes(self._inbox).partition(b"\r")
            self._inbox[:] = rest
            text = raw.decode("ascii", "replace").replace("\n", "").strip()
            if text:
                self._command(text)

    def _pdu_input(self) -> bool:
        """Bytes after the prompt, up to Ctrl-Z (send) or ESC (cancel); False while incomplete."""
        end = next((i for i, byte in enumerate(self._inbox) if byte in (CTRL_Z, ESC)), None)
        if end is None:
            return False
        length, self._awaiting_pdu = self._awaiting_pdu, None
        hexdata = bytes(self._inbox[:end]).decode("ascii", "replace").strip()
        terminator = self._inbox[end]
        del self._inbox[: end + 1]
        if self._prompt is not None:
            self._prompt.cancel()
            self._prompt = None
        if terminator == ESC:
            self.cancelled += 1
            self._answer("OK")
            return True
        assert length is not None
        self._loop.call_later(self.script.answer_delay_s, self._submitted, hexdata, length)
        return True

    def _submitted(self, hexdata: str, length: int) -> None:
        try:
            data = bytes.fromhex(hexdata)
            valid = len(data) - 1 - data[0] == length
        except (ValueError, IndexError):
            valid = False
        for line in self.script.before_answer:
            self._write(line)
        self.script.before_answer = []
        if not valid:
            self.refused.append(hexdata)
            self._answer("+CMS ERROR: 304")
            return
        error = self.script.cms_errors.pop(0) if self.script.cms_errors else None
        if error is not None:
            self.refused.append(hexdata)
            self._answer(f"+CMS ERROR: {error}")
            return
        mr, self.next_mr = self.next_mr, (self.next_mr + 1) % 256
        self.accepted.append(Accepted(mr, hexdata))
        if self.log_path is not None:
            with self.log_path.open("a", encoding="ascii") as log:
                log.write(f"{mr} {hexdata}\n")
        self._answer(f"+CMGS: {mr}", "OK")

    # --- AT commands --------------------------------------------------------------------------------------

    def _command(self, text: str) -> None:
        self.commands.append(text.upper())
        if self.script.mute:
            return
        if self.state.echo:
            self._write(text.encode() + b"\r\n")
        body = text.upper()[2:].replace(" ", "") if text.upper().startswith("AT") else None
        if body is None:
            self._answer("ERROR")
            return
        if match := re.fullmatch(r"\+CMGS=(\d+)", body):
            if not self.state.pdu_mode:
                self._answer("ERROR")
                return
            self._awaiting_pdu = int(match[1])
            if self.script.prompt_delay_s is not None:
                self._prompt = self._loop.call_later(self.script.prompt_delay_s, self._write, b"\r\n> ")
            return
        self._answer(*self._answer_for(body))

    def _answer_for(self, body: str) -> list[str]:
        state = self.state
        if body == "" or body in ("E0", "E1"):
            state.echo = body != "E0" and (body == "E1" or state.echo)
            return ["OK"]
        if body in ("Z", "&F"):
            self.state = SimState()
            return ["OK"]
        if body == "+CMEE=1" or body.startswith("+CSCS="):
            return ["OK"]
        if body == "+CPIN?":
            return ["+CPIN: READY", "OK"]
        if match := re.fullmatch(r"\+CMGF=([01])", body):
            if match[1] == "0" and self.script.refuse_pdu_mode:
                return ["ERROR"]
            state.pdu_mode = match[1] == "0"
            return ["OK"]
        if match := re.fullmatch(r"\+CNMI=(.*)", body):
            if match[1] in self.script.cnmi_accepted:
                state.cnmi = match[1]
                return ["OK"]
            return ["+CMS ERROR: 303"]
        if match := re.fullmatch(r"\+CMGR=(\d+)", body):
            stored = self.sim.get(int(match[1]))
            if stored is None:
                return ["+CMS ERROR: 321"]
            answer = [f"+CMGR: {stored.stat},,{stored.length}", stored.hex, "OK"]
            stored.stat = max(stored.stat, 1)
            return answer
        if body == "+CMGL=4":
            lines = []
            for index, stored in sorted(self.sim.items()):
                lines += [f"+CMGL: {index},{stored.stat},,{stored.length}", stored.hex]
                stored.stat = max(stored.stat, 1)
            return [*lines, "OK"]
        if match := re.fullmatch(r"\+CMGD=(\d+)", body):
            self.sim.pop(int(match[1]), None)
            return ["OK"]
        return ["ERROR"]

    def _answer(self, *lines: str) -> None:
        self._write(b"".join(b"\r\n" + line.encode() + b"\r\n" for line in lines))


# --- reading what it logged -------------------------------------------------------------------------------


def read_log(path: Path) -> list[tuple[int, str]]:
    """The accepted PDUs in order: (message reference, PDU hex)."""
    if not path.exists():
        return []
    return [(int(mr), hexdata) for mr, hexdata in (line.split() for line in path.read_text().splitlines())]


def describe(hexdata: str) -> dict[str, Any]:
    """One SMS-SUBMIT read by smspdudecoder: recipient, encoding, concatenation (reference, total, sequence)
    and text. The text of a GSM 7-bit part with a header is read by the tests' own bit reader (smspdudecoder
    counts the header in characters, which an escape in the text throws off)."""
    decoded = submit(hexdata)
    recipient = decoded["recipient"]["number"]
    if decoded["recipient"]["toa"]["ton"] == "international":
        recipient = "+" + recipient
    encoding = decoded["dcs"]["encoding"]
    text = gsm_text_of(hexdata) if encoding == "gsm" else decoded["user_data"]["data"]
    return {
        "recipient": recipient,
        "encoding": encoding,
        "concat": concat_of(decoded),
        "status_report": decoded["header"]["srr"],
        "text": text,
    }
