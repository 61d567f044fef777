"""Caller ID: the ``CallerId`` record, the FSK frame decoder, DTMF caller ID and the modem's formatted text.

Pure: no I/O. Every string that leaves this module went through ``clean_text``, because caller-ID names reach
browsers and logs, and cheap modems and exchanges send noise.

Missing checksums (some modems print unformatted frames without the checksum byte): rejected by default.
``allow_missing_checksum=True`` accepts one only for MDMF and only when the length byte says exactly that the
checksum byte is absent and every parameter parses to the last byte; the result is marked ``unverified``.
Why that is the safe boundary: MDMF parameters are self-delimiting, so a checksummed frame with one corrupted
byte can never pass as a checksum-less one (a length byte raised by one leaves a lone parameter type at the
end; anything else still meets the checksum) — the property tests corrupt every byte to show it. SDMF ends
in an open-ended number, so a corrupted length byte would turn the checksum into a digit: never without one.
What remains unprotected is noise inside a checksum-less frame itself; hence opt-in, and flagged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

from ctid.core.text import clean_text
from ctid.voicecard.framing import decode_text

__all__ = [
    "CallerId",
    "CallerIdUpdate",
    "FormattedCallerIdParser",
    "FrameError",
    "clean_text",
    "decode_dtmf",
    "decode_frame",
]

Reason = Literal["private", "unavailable", "anonymous"]
CallerIdFormat = Literal["formatted", "mdmf", "sdmf", "dtmf", "none"]

MDMF_CALL: Final = 0x80
MDMF_MESSAGE_WAITING: Final = 0x82
SDMF_CALL: Final = 0x04
SDMF_MESSAGE_WAITING: Final = 0x06
MESSAGE_TYPES: Final = frozenset({MDMF_CALL, MDMF_MESSAGE_WAITING, SDMF_CALL, SDMF_MESSAGE_WAITING})

_DIALED: Final = re.compile(r"\+?[0-9*#][0-9*# -]{0,39}")  # what an exchange sends as a number
_IDENTITY: Final = frozenset({"number", "reason"})  # the first of either identifies the caller
_REASONS: Final[dict[str, Reason]] = {"P": "private", "O": "unavailable", "A": "anonymous"}


class FrameError(ValueError):
    """A caller-ID frame or DTMF sequence that cannot be trusted; the message says what is wrong."""


@dataclass(frozen=True, kw_only=True)
class CallerId:
    """What the exchange said about a call (or about waiting messages).

    ``number`` is as received (digits, not normalised: ``ctid.core.phone`` does that); ``reason`` says why
    there is no number. ``when`` is the exchange's MMDDHHMM, kept as text because it has no year or zone.
    ``error`` says why caller ID is missing or incomplete (a bad frame, a seizure without a frame).
    """

    number: str | None = None
    name: str | None = None
    reason: Reason | None = None
    name_reason: Reason | None = None
    when: str | None = None
    called_number: str | None = None
    long_distance: bool = False
    message_waiting: bool | None = None
    message_count: int | None = None
    format: CallerIdFormat = "none"
    unverified: bool = False
    error: str | None = None

    @property
    def identifies(self) -> bool:
        """True once the call can be identified: a number, or the reason there is none."""
        return self.number is not None or self.reason is not None


@dataclass(frozen=True)
class CallerIdUpdate:
    """Everything known so far about the caller-ID block in progress, and which fields the last input set.

    ``new_block``: this is the first update of a caller-ID block (one FSK or DTMF burst, one group of the
    modem's ``DATE``/``TIME``/``NMBR`` lines, one ``MESG`` frame). A new block while a call already has one
    is another caller (see ``LineStateMachine``); later updates of the same block only complete it.
    """

    caller_id: CallerId
    changed: frozenset[str]
    new_block: bool = False


# --- FSK frames ---------------------------------------------------------------------------------------------


def decode_frame(
    data: bytes, *, name_encoding: str = "gbk", allow_missing_checksum: bool = False
) -> CallerId:
    """Decode one caller-ID frame (type, length, parameters, checksum; no 0x55 preamble).

    Raises ``FrameError`` for a wrong checksum, a truncated frame or parameter, an unknown message type.
    """
    body, verified = _frame_body(data, allow_missing_checksum)
    kind = data[0]
    if kind in (MDMF_CALL, MDMF_MESSAGE_WAITING):
        fields = _mdmf_fields(body, name_encoding)
    elif kind == SDMF_CALL:
        fields = _sdmf_call_fields(body)
    else:
        fields = _sdmf_message_waiting_fields(body)
    fmt: CallerIdFormat = "mdmf" if kind & 0x80 else "sdmf"
    return CallerId(format=fmt, unverified=not verified, **fields)


def checksum_holds(data: bytes) -> bool:
    """Whether a whole frame's bytes (type, length, parameters, checksum) sum to 0 mod 256. Only a hint for
    choosing between two readings of one burst: ``decode_frame`` is the judge."""
    return sum(data) % 256 == 0


def _frame_body(data: bytes, allow_missing_checksum: bool) -> tuple[bytes, bool]:
    """Check type, length and checksum; return the parameter bytes and whether a checksum verified them."""
    if len(data) < 2:
        raise FrameError(f"truncated frame: {len(data)} byte(s), not even a type and a length")
    kind, length = data[0], data[1]
    if kind not in MESSAGE_TYPES:
        raise FrameError(f"unknown message type 0x{kind:02X}")
    if len(data) == length + 3:
        total = sum(data) % 256
        if total:
            raise FrameError(f"bad checksum: the frame's bytes sum to 0x{total:02X} mod 256, not 0")
        return data[2:-1], True
    if len(data) == length + 2:
        if allow_missing_checksum and kind & 0x80:
            return data[2:], False
        raise FrameError("missing checksum byte: the frame cannot be verified")
    if len(data) < length + 2:
        raise FrameError(f"truncated frame: length byte says {length} bytes, {len(data) - 2} follow")
    raise FrameError(f"{len(data) - length - 3} byte(s) after the checksum: not one frame")


def _parameters(body: bytes) -> Iterator[tuple[int, bytes]]:
    """MDMF parameters (type, length, value); a parameter running past the end is an error."""
    index = 0
    while index < len(body):
        if index + 2 > len(body):
            raise FrameError(f"truncated parameter 0x{body[index]:02X}: no length byte")
        kind, length = body[index], body[index + 1]
        value = body[index + 2 : index + 2 + length]
        if len(value) < length:
            raise FrameError(f"truncated parameter 0x{kind:02X}: length {length}, {len(value)} byte(s) left")
        yield kind, value
        index += 2 + length


def _mdmf_fields(body: bytes, name_encoding: str) -> dict[str, Any]:
    """MDMF parameters -> ``CallerId`` fields; the first of a repeated one wins, unknown ones are skipped."""
    fields: dict[str, Any] = {}
    for kind, value in _parameters(body):
        for name, field_value in _parameter_fields(kind, value, name_encoding):
            identity_known = name in _IDENTITY and not _IDENTITY.isdisjoint(fields)
            if field_value is not None and name not in fields and not identity_known:
                fields[name] = field_value
    return fields


def _parameter_fields(kind: int, value: bytes, name_encoding: str) -> list[tuple[str, object]]:
    if kind == 0x01:
        return [("when", _when(value))]
    if kind == 0x02:
        number, reason = _number(value)
        return [("number", number), ("reason", reason)]
    if kind == 0x03:
        return [("called_number", _number(value)[0])]
    if kind in (0x04, 0x08):
        return [("reason" if kind == 0x04 else "name_reason", _reason(value))]
    if kind == 0x06:
        return [("long_distance", True if value == b"L" else None)]
    if kind == 0x07:
        name, reason = _name(value, name_encoding)
        return [("name", name), ("name_reason", reason)]
    if kind == 0x0B and value:
        return [("message_waiting", {0xFF: True, 0x00: False}.get(value[0]))]
    if kind == 0x13 and value:
        return [("message_count", value[0])]
    return []


def _sdmf_call_fields(body: bytes) -> dict[str, Any]:
    """SDMF: eight ASCII digits MMDDHHMM, then the number or a single ``P``/``O``."""
    if len(body) < 8:
        raise FrameError(f"SDMF call frame of {len(body)} byte(s): the MMDDHHMM date alone takes 8")
    number, reason = _number(body[8:])
    return {"when": _when(body[:8]), "number": number, "reason": reason}


def _sdmf_message_waiting_fields(body: bytes) -> dict[str, Any]:
    """SDMF message waiting: ``BBB`` switches the indicator on, ``ooo`` off (Bellcore GR-1401)."""
    if body == b"BBB":
        return {"message_waiting": True}
    if body == b"ooo":
        return {"message_waiting": False}
    raise FrameError(f"unknown SDMF message-waiting code {body.hex().upper() or 'none'}")


def _when(value: bytes) -> str | None:
    text = value.decode("ascii", errors="ignore")
    return text if len(text) == 8 and text.isdigit() else None


def _number(value: bytes) -> tuple[str | None, Reason | None]:
    """A number parameter as received (ASCII); a lone ``P``/``O``/``A`` is a reason, not a number.

    Anything else that is not dialable characters is noise, not a number to show an operator: neither.
    """
    number, reason = _text_or_reason(clean_text(value.decode("ascii", errors="ignore")))
    if number is not None and not _DIALED.fullmatch(number):
        return None, None
    return number, reason


def _name(value: bytes, encoding: str) -> tuple[str | None, Reason | None]:
    return _text_or_reason(decode_text(value, encoding))


def _text_or_reason(text: str) -> tuple[str | None, Reason | None]:
    if text.upper() in _REASONS:
        return None, _REASONS[text.upper()]
    return text or None, None


def _reason(value: bytes) -> Reason:
    """Why a number or name is absent; a code we do not know still means it is absent."""
    return _REASONS.get(value.decode("ascii", errors="ignore").strip().upper(), "unavailable")


# --- DTMF caller ID -----------------------------------------------------------------------------------------

_DTMF_NUMBER = re.compile(r"[AD]([0-9]{2,})[C#]?")
_DTMF_B_REASON = re.compile(r"B([0-9]{2})[C#]?")
_DTMF_D_REASON = re.compile(r"D([13])[C#]?")
_DTMF_B_REASONS: Final[dict[str, Reason]] = {"00": "unavailable", "10": "private"}


def decode_dtmf(digits: str) -> CallerId:
    """Decode DTMF caller ID sent before the first ring: ``A<number>C``, ``D<number>#``, ``B00``, ``D1#``...

    DTMF caller ID has no checksum; the shape is all we can check, so anything else is a ``FrameError``.
    """
    text = clean_text(digits).replace(" ", "").upper()
    if match := _DTMF_D_REASON.fullmatch(text):
        return CallerId(format="dtmf", reason="private" if match[1] == "1" else "unavailable")
    if match := _DTMF_NUMBER.fullmatch(text):
        return CallerId(format="dtmf", number=match[1])
    if match := _DTMF_B_REASON.fullmatch(text):
        reason = _DTMF_B_REASONS.get(match[1])
        if reason is None:
            raise FrameError(f"unknown DTMF caller-ID reason code B{match[1]}")
        return CallerId(format="dtmf", reason=reason)
    raise FrameError(f"not DTMF caller ID: {text[:40]!r}")


# --- the modem's formatted output ---------------------------------------------------------------------------

_TAG_LINE = re.compile(r"([A-Za-z_]+) ?= ?(.*)")
_NUMBER_TAGS: Final = frozenset({"NMBR", "DDN_NMBR", "DDN", "NBR"})
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_DEFAULTS: Final = {f.name: f.default for f in dataclasses.fields(CallerId)}

Part = Literal["date", "time", "number", "name", "frame", "params"]
"""What a caller-ID line is in its block: ``frame`` is a whole ``MESG`` frame (or a rejected one, or
``CALID``: one burst), ``params`` bare MDMF parameters the modem did not understand."""
_ONCE_A_BLOCK: Final[frozenset[Part]] = frozenset({"date", "time", "frame"})
BLOCK_GAP_S: Final = 2.0
"""Caller-ID lines this far apart are two blocks: a modem prints one block's lines within milliseconds."""


class FormattedCallerIdParser:
    """Reads the modem's caller-ID lines (``NMBR = 13912345678``...) one at a time, a block at a time.

    ``feed`` answers at once with what the line changed, so the line can identify the call as soon as the
    number is known, without waiting for a NAME that may never come (NCID's weak spot); a later NAME is an
    update. The first number of a block wins (some modems print a second ``NMBR = O`` after the real one).

    Why blocks: calls come back to back, and the next caller's caller ID may come while the last call still
    rings. A line that is ``DATE``, ``TIME``, a number, a ``MESG`` frame or parameters starts a new block
    (its update says ``new_block``) when

    - no block is in progress (the first line, or the first after ``reset``);
    - it is a ``DATE``, ``TIME`` or ``MESG`` frame and the block in progress already had one;
    - a RING (``ring()``) came after the block in progress had identified the caller;
    - ``now`` is given and the block's last line is more than ``block_gap_s`` old.

    A ``NAME`` line never starts one: it completes the block in progress, whenever it comes. A second
    number within a block does not either (the first one wins). Call ``reset`` when the call ends.
    """

    def __init__(
        self,
        *,
        name_encoding: str = "gbk",
        allow_missing_checksum: bool = False,
        block_gap_s: float = BLOCK_GAP_S,
    ) -> None:
        self._name_encoding = name_encoding
        self._allow_missing_checksum = allow_missing_checksum
        self._block_gap_s = block_gap_s
        self.reset()

    def reset(self) -> None:
        """Forget the block in progress: the next caller-ID line starts a new one."""
        self._fields: dict[str, Any] = {}
        self._format: CallerIdFormat | None = None
        self._date: str | None = None
        self._time: str | None = None
        self._parts: set[Part] = set()
        self._rang = False  # a RING came after the block in progress had identified the caller
        self._last_at: float | None = None

    @property
    def caller_id(self) -> CallerId | None:
        """Everything received in the block in progress, or None before its first caller-ID field."""
        if self._format is None:
            return None
        return CallerId(format=self._format, **self._fields)

    def ring(self) -> None:
        """A RING: once the block in progress identifies the caller, the next block is another call's."""
        if self._identifies():
            self._rang = True

    def feed(self, line: str, now: float | None = None) -> CallerIdUpdate | None:
        """Take one modem line (``now``: monotonic seconds, for the gap between blocks); return the update
        it makes, or None (not caller ID, or nothing new)."""
        match = _TAG_LINE.fullmatch(clean_text(line))
        if match is None:
            return None
        tag, value = match[1].upper(), match[2].strip()
        if tag in _NUMBER_TAGS:
            number, reason = _number(value.encode("ascii", errors="ignore"))
            return self._take("number", now, {"number": number, "reason": reason}, "formatted")
        if tag == "NAME":
            name, name_reason = _text_or_reason(value)  # the framer already decoded the line
            return self._take("name", now, {"name": name, "name_reason": name_reason}, "formatted")
        if tag in ("DATE", "TIME"):
            return self._date_time(tag, value, now)
        if tag == "MESG" and (message := self._message(value.replace(" ", ""))) is not None:
            part, fields, source = message
            return self._take(part, now, fields, source)
        return None

    def _take(
        self, part: Part, now: float | None, fields: dict[str, Any], source: CallerIdFormat
    ) -> CallerIdUpdate | None:
        self._enter(part, now)
        return self._merge(fields, source)

    def _enter(self, part: Part, now: float | None) -> None:
        """Count the line into its block, starting a new block first if the line begins one."""
        if self._starts_block(part, now):
            self.reset()
        self._parts.add(part)
        self._last_at = now if now is not None else self._last_at

    def _starts_block(self, part: Part, now: float | None) -> bool:
        if not self._parts:
            return True
        if part == "name":
            return False
        if part in _ONCE_A_BLOCK and part in self._parts:
            return True
        if self._rang:
            return True
        return now is not None and self._last_at is not None and now - self._last_at > self._block_gap_s

    def _date_time(self, tag: str, value: str, now: float | None) -> CallerIdUpdate | None:
        """``DATE = MMDD`` and ``TIME = HHMM`` make ``when`` together, in either order (or one
        ``DATE = MMDDHHMM``)."""
        if not value.isdigit() or len(value) not in (4, 8) or (tag == "TIME" and len(value) != 4):
            return None
        self._enter("date" if tag == "DATE" else "time", now)
        if len(value) == 8:
            return self._merge({"when": value}, "formatted")
        if tag == "DATE":
            self._date = value
        else:
            self._time = value
        if self._date is None or self._time is None:
            return None
        return self._merge({"when": self._date + self._time}, "formatted")

    def _message(self, value: str) -> tuple[Part, dict[str, Any], CallerIdFormat] | None:
        """``MESG``: a whole frame (``+VCID=2``), parameters the modem did not know, or ``CALID_...``."""
        if value.upper().startswith("CALID"):
            return "frame", {"error": f"seizure heard but no valid frame ({value[:16]})"}, "formatted"
        if not _HEX.fullmatch(value):
            return None
        data = bytes.fromhex(value)
        try:
            frame = decode_frame(
                data, name_encoding=self._name_encoding, allow_missing_checksum=self._allow_missing_checksum
            )
        except FrameError as error:
            return self._parameters_or_error(data, error)
        return "frame", _set_fields(frame), frame.format

    def _parameters_or_error(
        self, data: bytes, error: FrameError
    ) -> tuple[Part, dict[str, Any], CallerIdFormat] | None:
        """Not a valid frame: it may be bare MDMF parameters; if not, report it if it looked like a frame."""
        try:
            fields = _mdmf_fields(data, self._name_encoding)
        except FrameError:
            fields = {}
        if fields:
            return "params", fields, "formatted"
        if data[0] in MESSAGE_TYPES:
            return "frame", {"error": f"rejected caller-ID frame: {error}"}, "formatted"
        return None

    def _identifies(self) -> bool:
        return "number" in self._fields or "reason" in self._fields

    def _merge(self, fields: dict[str, Any], source: CallerIdFormat) -> CallerIdUpdate | None:
        """First value wins (of number and reason, the first of either); ``error`` is the latest problem."""
        identified = self._identifies()
        changed = set()
        for name, value in fields.items():
            if value is None or value == _DEFAULTS[name] or self._fields.get(name) == value:
                continue
            if name in _IDENTITY and identified:
                continue
            if name == "error" or name not in self._fields:
                self._fields[name] = value
                changed.add(name)
        if not changed:
            return None
        new_block = self._format is None  # the block's first update: nothing was reported from it yet
        if new_block:
            self._format = source
        caller_id = self.caller_id
        assert caller_id is not None
        return CallerIdUpdate(caller_id, frozenset(changed), new_block)


def _set_fields(caller_id: CallerId) -> dict[str, Any]:
    """The fields of ``caller_id`` that hold something (format aside)."""
    values = ((name, getattr(caller_id, name)) for name in _DEFAULTS)  # flat fields: no deep copy needed
    return {
        name: value
        for name, value in values
        if name != "format" and value is not None and value != _DEFAULTS[name]
    }
