"""What a network sends a modem, built by the tests' own hand (not with ctid's encoder): SMS-DELIVER for
incoming messages and SMS-STATUS-REPORT for ``+CDS``, written from 23.040 with a string of bits rather than
ctid's integer arithmetic, and checked against smspdudecoder where it reads them."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from typing import Any

from smspdudecoder.codecs import GSM
from smspdudecoder.fields import SMSSubmit


def semi_octets(digits: str) -> str:
    if len(digits) % 2:
        digits += "F"
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


def address(number: str) -> str:
    digits = number.lstrip("+")
    kind = "91" if number.startswith("+") else "81"
    return f"{len(digits):02X}{kind}{semi_octets(digits)}"


def timestamp(at: datetime) -> str:
    offset = at.utcoffset()
    quarters = int(offset.total_seconds() // 900) if offset else 0
    digits = at.strftime("%y%m%d%H%M%S") + f"{abs(quarters):02d}"
    stamp = semi_octets(digits)
    if quarters < 0:
        stamp = stamp[:-2] + f"{int(stamp[-2:], 16) | 0x08:02X}"
    return stamp


def septets(text: str) -> list[int]:
    found = []
    for char in text:
        if char in GSM.ALPHABET_EXT_INV:
            found += [0x1B, GSM.ALPHABET_EXT_INV[char]]
        else:
            found.append(GSM.ALPHABET.index(char))
    return found


def pack(header: bytes, codes: list[int]) -> bytes:
    """Bits written one by one, least significant first, octet after octet."""
    bits = "".join(format(octet, "08b")[::-1] for octet in header)
    bits += "0" * (-len(bits) % 7)
    bits += "".join(format(code, "07b")[::-1] for code in codes)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i : i + 8][::-1], 2) for i in range(0, len(bits), 8))


def deliver(
    sender: str,
    text: str,
    at: datetime,
    *,
    ucs2: bool,
    concat: tuple[int, int, int] | None = None,
    smsc: str = "+8613800100500",
) -> tuple[str, int]:
    """An SMS-DELIVER (its hex with the SMSC field first, and the TPDU length ``+CMGR`` announces)."""
    header = bytes([5, 0, 3, *concat]) if concat else b""
    first = 0x44 if concat else 0x04  # MTI deliver, more-messages-to-send off (bit set means "no more")
    if ucs2:
        data = header + text.encode("utf-16-be")
        udl = len(data)
    else:
        codes = septets(text)
        data = pack(header, codes)
        udl = -(-len(header) * 8 // 7) + len(codes)
    tpdu = (
        f"{first:02X}{address(sender)}00{'08' if ucs2 else '00'}{timestamp(at)}{udl:02X}{data.hex().upper()}"
    )
    sca = address(smsc)[2:]
    return f"{len(sca) // 2:02X}{sca}{tpdu}", len(tpdu) // 2


def status_report(reference: int, recipient: str, status: int, at: datetime) -> tuple[str, int]:
    """An SMS-STATUS-REPORT for ``+CDS``: the part's TP-MR, recipient, times and TP-ST."""
    tpdu = f"06{reference:02X}{address(recipient)}{timestamp(at)}{timestamp(at)}{status:02X}"
    return f"00{tpdu}", len(tpdu) // 2


# --- reading SMS-SUBMIT without ctid ----------------------------------------------------------------------


def submit(hexdata: str) -> dict[str, Any]:
    decoded: dict[str, Any] = SMSSubmit.decode(StringIO(hexdata))
    return decoded


def concat_of(decoded: dict[str, Any]) -> tuple[int, int, int] | None:
    header = decoded["user_data"]["header"]
    if not header:
        return None
    (element,) = header["elements"]
    assert element["iei"] == 0
    data = element["data"]
    return data["reference"], data["parts_count"], data["part_number"]


def bit_unpack(data: bytes, header_octets: int, count: int) -> list[int]:
    """Septets read bit by bit (the tests' own reading, not ctid's integer arithmetic)."""
    bits = "".join(format(octet, "08b")[::-1] for octet in data)
    start = -(-header_octets * 8 // 7) * 7
    return [int(bits[start + 7 * i : start + 7 * i + 7][::-1], 2) for i in range(count)]


def gsm_text_of(hexdata: str) -> str:
    """A GSM 7-bit SUBMIT's text, read without ctid: fields by smspdudecoder, septets by bit_unpack."""
    decoded = submit(hexdata)
    tpdu = bytes.fromhex(hexdata)[1:]
    address_octets = 2 + (decoded["recipient"]["length"] + 1) // 2
    udl_at = 2 + address_octets + 2 + (1 if decoded["header"]["vpf"] == 2 else 0)
    udl = tpdu[udl_at]
    data = tpdu[udl_at + 1 :]
    header_octets = data[0] + 1 if decoded["header"]["udhi"] else 0
    codes = bit_unpack(data, header_octets, udl - -(-header_octets * 8 // 7))
    inverse_basic = dict(enumerate(GSM.ALPHABET))
    inverse_ext = GSM.ALPHABET_EXT
    text, escaped = [], False
    for code in codes:
        if escaped:
            text.append(inverse_ext[code])
            escaped = False
        elif code == 0x1B:
            escaped = True
        else:
            text.append(inverse_basic[code])
    assert not escaped
    return "".join(text)
