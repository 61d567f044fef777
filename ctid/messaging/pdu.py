"""SMS PDUs (3GPP TS 23.040) as a GSM modem takes and gives them in PDU mode (``AT+CMGF=0``).

Ours because the Python GSM-modem libraries get UCS2 multipart wrong: a long text is cut by ``sms_text.parts``
(never inside a surrogate pair or an escape) and each part becomes one SMS-SUBMIT carrying the 8-bit
concatenation header (IEI 00: reference, total, sequence). In GSM 7-bit the text after that 6-octet header
starts on the next septet boundary (one fill bit), so a phone that ignores the header still reads the text.
The other way: SMS-DELIVER (an incoming message, its parts joined by ``Assembler``) and SMS-STATUS-REPORT
(``+CDS``: which message reference, delivered or not). Pure: hex in, hex out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import IntEnum

from ctid.messaging.sms_text import (
    ESCAPE,
    GSM7_BASIC,
    GSM7_DECODE,
    GSM7_EXTENSION,
    GSM7_EXTENSION_DECODE,
    Encoding,
    encoding_for,
    parts,
)

# First octet of an SMS-SUBMIT
MTI_SUBMIT = 0x01
RD = 0x04  # reject duplicates: the centre drops a resend with the same reference and recipient
VPF_RELATIVE = 0x10
SRR = 0x20  # status report request: the network sends +CDS when the message is delivered or given up
UDHI = 0x40  # the user data starts with a header

TYPE_INTERNATIONAL = 0x91
TYPE_NATIONAL = 0x81
TYPE_ALPHANUMERIC = 0x50  # top bits 101: the address is GSM 7-bit text ("10086", a shop's name)

IEI_CONCAT_8 = 0x00
IEI_CONCAT_16 = 0x08

DCS_GSM7 = 0x00
DCS_UCS2 = 0x08


class PduError(ValueError):
    """A PDU that cannot be read (truncated, a field out of range): the modem's line is logged and skipped."""


@dataclass(frozen=True)
class SubmitPdu:
    """One part ready for ``AT+CMGS=<tpdu_length>``: ``hex`` is the whole PDU, the SMSC octet ``00`` (the
    SIM's own centre) first; ``tpdu_length`` counts the octets after it, as the command wants."""

    hex: str
    tpdu_length: int


# --- numbers and semi-octets -------------------------------------------------------------------------------


def _semi_octets(digits: str) -> str:
    """``"8613912345678"`` as swapped semi-octets with an F filler: ``"683119325476F8"``."""
    padded = digits + "F" * (len(digits) % 2)
    return "".join(padded[i + 1] + padded[i] for i in range(0, len(padded), 2))


def _from_semi_octets(hexdigits: str) -> str:
    swapped = "".join(hexdigits[i + 1] + hexdigits[i] for i in range(0, len(hexdigits), 2))
    return swapped.rstrip("Ff")


def _address(number: str) -> str:
    """TP-DA: the digit count, the type (international for ``+...``, else national), the digits."""
    international = number.startswith("+")
    digits = number.removeprefix("+")
    if not digits or not digits.isdigit() or not digits.isascii() or len(digits) > 20:
        raise ValueError("a recipient is digits, with an optional leading +")
    kind = TYPE_INTERNATIONAL if international else TYPE_NATIONAL
    return f"{len(digits):02X}{kind:02X}{_semi_octets(digits)}"


def relative_validity(period: timedelta) -> int:
    """TP-VP (relative) for at least ``period``, capped at its range (5 minutes to 63 weeks)."""
    minutes = max(5, int(period.total_seconds() + 59) // 60)
    if minutes <= 720:
        return (minutes + 4) // 5 - 1
    if minutes <= 1440:
        return 143 + (minutes - 720 + 29) // 30
    days = (minutes + 1439) // 1440
    if days <= 30:
        return 166 + days
    return min(255, 192 + (days + 6) // 7)


# --- user data ---------------------------------------------------------------------------------------------


def gsm7_septets(text: str) -> list[int]:
    """The text's septets, an extension character as the escape and its code."""
    septets: list[int] = []
    for char in text:
        if char in GSM7_BASIC:
            septets.append(GSM7_BASIC[char])
        elif char in GSM7_EXTENSION:
            septets += [ESCAPE, GSM7_EXTENSION[char]]
        else:
            raise ValueError(f"{char!r} is not in the GSM 7-bit alphabet")
    return septets


def _pack(header: bytes, septets: Sequence[int]) -> bytes:
    """The header's octets, fill bits to the next septet boundary, then the septets least significant bit
    first (23.040 9.2.3.24)."""
    start = -(-len(header) * 8 // 7) * 7  # the bit where the first septet begins
    value = int.from_bytes(header, "little")
    for index, septet in enumerate(septets):
        value |= septet << (start + 7 * index)
    size = -(-(start + 7 * len(septets)) // 8)
    return value.to_bytes(size, "little")


def _unpack(data: bytes, header_octets: int, count: int) -> list[int]:
    start = -(-header_octets * 8 // 7) * 7
    value = int.from_bytes(data, "little")
    return [(value >> (start + 7 * index)) & 0x7F for index in range(count)]


def gsm7_text(septets: Sequence[int]) -> str:
    text: list[str] = []
    escaped = False
    for septet in septets:
        if escaped:
            # An unknown extension code reads as its basic character (23.038: the receiver's fallback).
            text.append(GSM7_EXTENSION_DECODE.get(septet, GSM7_DECODE.get(septet, " ")))
            escaped = False
        elif septet == ESCAPE:
            escaped = True
        else:
            text.append(GSM7_DECODE[septet])
    return "".join(text)


def _concat_header(reference: int, total: int, sequence: int) -> bytes:
    return bytes([5, IEI_CONCAT_8, 3, reference & 0xFF, total, sequence])


# --- SMS-SUBMIT --------------------------------------------------------------------------------------------


def encode_submit(
    number: str,
    text: str,
    *,
    reference: int,
    validity: timedelta = timedelta(days=1),
    status_report: bool = True,
    reject_duplicates: bool = False,
) -> list[SubmitPdu]:
    """The SMS-SUBMIT PDUs of one message, one a part. ``reference`` (0-255) ties the parts together on the
    phone: a different one for each long message sent to the same number in a while (the outbox row's id
    modulo 256 does)."""
    cut = parts(text) or [""]
    encoding = encoding_for(text)
    first = MTI_SUBMIT | VPF_RELATIVE
    if status_report:
        first |= SRR
    if reject_duplicates:
        first |= RD
    if len(cut) > 1:
        first |= UDHI
    if len(cut) > 255:
        raise ValueError("a message of more than 255 parts")
    dcs = DCS_GSM7 if encoding is Encoding.GSM7 else DCS_UCS2
    head = f"{first:02X}00{_address(number)}00{dcs:02X}{relative_validity(validity):02X}"
    pdus = []
    for sequence, part in enumerate(cut, 1):
        header = _concat_header(reference, len(cut), sequence) if len(cut) > 1 else b""
        if encoding is Encoding.GSM7:
            septets = gsm7_septets(part)
            data = _pack(header, septets)
            udl = -(-len(header) * 8 // 7) + len(septets)
        else:
            data = header + part.encode("utf-16-be", "surrogatepass")
            udl = len(data)
        tpdu = f"{head}{udl:02X}{data.hex().upper()}"
        pdus.append(SubmitPdu("00" + tpdu, len(tpdu) // 2))
    return pdus


# --- reading PDUs ------------------------------------------------------------------------------------------


class _Reader:
    """Octets read off a hex string, with a clear error where it runs out."""

    def __init__(self, hexdata: str) -> None:
        try:
            self.data = bytes.fromhex(hexdata.strip())
        except ValueError as error:
            raise PduError("not hexadecimal") from error
        self.at = 0

    def take(self, count: int) -> bytes:
        if count < 0 or self.at + count > len(self.data):
            raise PduError("the PDU ends early")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def octet(self) -> int:
        return self.take(1)[0]

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.at)


def _skip_smsc(reader: _Reader, tpdu_length: int | None) -> None:
    """The SMSC field is there unless the modem's length says the PDU is the TPDU alone."""
    if tpdu_length is not None and tpdu_length == len(reader.data):
        return
    reader.take(reader.octet())


def _read_address(reader: _Reader) -> str:
    digits = reader.octet()
    kind = reader.octet()
    raw = reader.take((digits + 1) // 2)
    if kind & 0x70 == TYPE_ALPHANUMERIC & 0x70:
        return gsm7_text(_unpack(raw, 0, digits * 4 // 7))
    number = _from_semi_octets(raw.hex().upper())
    return "+" + number if kind & 0x70 == TYPE_INTERNATIONAL & 0x70 else number


def _bcd(octet: int) -> int:
    """A swapped semi-octet pair as its number: 0x21 is 12."""
    low, high = octet & 0x0F, octet >> 4
    if low > 9 or high > 9:
        raise PduError("a time stamp digit out of range")
    return low * 10 + high


def _timestamp(raw: bytes) -> datetime:
    """TP-SCTS: year, month, day, hour, minute, second, the zone in quarter hours (sign in bit 3)."""
    year, month, day, hour, minute, second = (_bcd(octet) for octet in raw[:6])
    zone = raw[6]
    quarters = (zone & 0x07) * 10 + (zone >> 4)
    sign = -1 if zone & 0x08 else 1
    try:
        return datetime(
            2000 + year,
            month,
            day,
            hour,
            minute,
            second,
            tzinfo=timezone(sign * timedelta(minutes=15 * quarters)),
        )
    except ValueError as error:
        raise PduError("a time stamp out of range") from error


def _alphabet(dcs: int) -> Encoding | None:
    """The alphabet a DCS names (23.038 section 4): None for 8-bit data."""
    group = dcs >> 4
    if group <= 0x07:  # general data coding, maybe compressed or auto-deleting
        bits = (dcs >> 2) & 0x03
        return {0: Encoding.GSM7, 1: None, 2: Encoding.UCS2}.get(bits, Encoding.GSM7)
    if group in (0x0C, 0x0D):
        return Encoding.GSM7
    if group == 0x0E:
        return Encoding.UCS2
    if group == 0x0F:
        return None if dcs & 0x04 else Encoding.GSM7
    return Encoding.GSM7


@dataclass(frozen=True)
class Concat:
    reference: int
    total: int
    sequence: int


@dataclass(frozen=True)
class Deliver:
    """An incoming SMS or one part of one (``concat`` says which)."""

    sender: str
    text: str
    at: datetime
    concat: Concat | None = None


def _header(raw: bytes) -> Concat | None:
    at = 0
    found = None
    while at + 2 <= len(raw):
        iei, size = raw[at], raw[at + 1]
        value = raw[at + 2 : at + 2 + size]
        if iei == IEI_CONCAT_8 and size == 3:
            found = Concat(value[0], value[1], value[2])
        elif iei == IEI_CONCAT_16 and size == 4:
            found = Concat(value[0] << 8 | value[1], value[2], value[3])
        at += 2 + size
    if found and not (1 <= found.sequence <= found.total):
        return None
    return found


def decode_deliver(hexdata: str, tpdu_length: int | None = None) -> Deliver:
    """An SMS-DELIVER as ``+CMGR`` or ``+CMT`` gives it (the SMSC field first unless ``tpdu_length`` says
    the PDU is the TPDU alone)."""
    reader = _Reader(hexdata)
    _skip_smsc(reader, tpdu_length)
    first = reader.octet()
    if first & 0x03 != 0x00:
        raise PduError("not an SMS-DELIVER")
    sender = _read_address(reader)
    reader.octet()  # TP-PID
    alphabet = _alphabet(reader.octet())
    at = _timestamp(reader.take(7))
    udl = reader.octet()
    data = reader.rest()
    concat = None
    header_octets = 0
    if first & UDHI:
        if not data:
            raise PduError("a header announced and missing")
        header_octets = data[0] + 1
        concat = _header(data[1:header_octets])
    if alphabet is Encoding.GSM7:
        count = udl - -(-header_octets * 8 // 7)
        if len(data) * 8 < -(-header_octets * 8 // 7) * 7 + 7 * max(count, 0) or count < 0:
            raise PduError("the user data ends early")
        text = gsm7_text(_unpack(data, header_octets, count))
    else:
        body = data[header_octets:udl]
        text = body.decode("utf-16-be", "replace") if alphabet is Encoding.UCS2 else body.decode("latin-1")
    return Deliver(sender, text, at, concat)


class ReportStatus(IntEnum):
    """What TP-ST's range says (23.040 9.2.3.15)."""

    DELIVERED = 0  # 0x00-0x1F: the transaction is complete
    PENDING = 1  # 0x20-0x3F: a temporary error, the centre is still trying
    FAILED = 2  # 0x40-0x7F (and anything else): given up


@dataclass(frozen=True)
class StatusReport:
    reference: int  # TP-MR: what "+CMGS: <mr>" answered when the part was sent
    recipient: str
    status: int  # TP-ST as received
    at: datetime  # when the centre saw it delivered or gave up (TP-DT)

    @property
    def outcome(self) -> ReportStatus:
        if self.status < 0x20:
            return ReportStatus.DELIVERED
        if self.status < 0x40:
            return ReportStatus.PENDING
        return ReportStatus.FAILED


def decode_status_report(hexdata: str, tpdu_length: int | None = None) -> StatusReport:
    """An SMS-STATUS-REPORT as ``+CDS: <length>`` gives it on the next line."""
    reader = _Reader(hexdata)
    _skip_smsc(reader, tpdu_length)
    if reader.octet() & 0x03 != 0x02:
        raise PduError("not an SMS-STATUS-REPORT")
    reference = reader.octet()
    recipient = _read_address(reader)
    reader.take(7)  # TP-SCTS: when the centre took the message
    at = _timestamp(reader.take(7))
    return StatusReport(reference, recipient, reader.octet(), at)


# --- joining parts -----------------------------------------------------------------------------------------


@dataclass
class _Partial:
    parts: dict[int, str] = field(default_factory=dict)
    first_seen: datetime | None = None


@dataclass(frozen=True)
class Assembled:
    sender: str
    text: str
    at: datetime  # the first part's time stamp


class Assembler:
    """Joins the parts of incoming messages, keyed by sender, reference and total; a message whose parts stop
    coming is given up after ``keep`` (what came is returned so a reply "退订" split oddly is not lost)."""

    def __init__(self, keep: timedelta = timedelta(hours=1), limit: int = 1000) -> None:
        self.keep = keep
        self.limit = limit
        self._partials: dict[tuple[str, int, int], _Partial] = {}
        self._times: dict[tuple[str, int, int], datetime] = {}

    def add(self, part: Deliver, now: datetime) -> list[Assembled]:
        """The messages this part completes (none, or one) and any given up by now."""
        done = self._expire(now)
        if part.concat is None or part.concat.total == 1:
            return [*done, Assembled(part.sender, part.text, part.at)]
        key = (part.sender, part.concat.reference, part.concat.total)
        partial = self._partials.setdefault(key, _Partial(first_seen=now))
        self._times.setdefault(key, part.at)
        partial.parts[part.concat.sequence] = part.text
        if len(partial.parts) == part.concat.total:
            del self._partials[key]
            at = self._times.pop(key)
            done.append(Assembled(part.sender, "".join(partial.parts[i] for i in sorted(partial.parts)), at))
        return done

    def _expire(self, now: datetime) -> list[Assembled]:
        stale = [
            key
            for key, partial in self._partials.items()
            if partial.first_seen is not None and now - partial.first_seen > self.keep
        ]
        while len(self._partials) - len(stale) >= self.limit:
            stale.append(next(key for key in self._partials if key not in stale))
        given_up = []
        for key in stale:
            partial = self._partials.pop(key)
            at = self._times.pop(key)
            given_up.append(Assembled(key[0], "".join(partial.parts[i] for i in sorted(partial.parts)), at))
        return given_up
