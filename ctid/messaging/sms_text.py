"""How an SMS text travels: in the GSM 7-bit default alphabet or in UCS2, and in how many parts.

Pure and shared by the live preview (length and parts while the text is typed) and the PDU encoder (what each
part carries), so the count a person sees is the count the modem sends. The rules (3GPP TS 23.038, 23.040):
a text every character of which is in the GSM 03.38 default alphabet or its extension table goes as GSM 7-bit,
an extension character costing two septets (the escape 0x1B and its code); anything else sends the whole text
as UCS2 (UTF-16 big-endian code units, a character beyond the BMP being two). One part holds 160 septets or 70
units; a concatenated message loses room to its header, leaving 153 septets or 67 units a part. A part never
ends inside a character: not between an escape and its code, not between the halves of a surrogate pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


ESCAPE = 0x1B

# The default alphabet, code by code (0x1B is the escape to the extension table, not a character).
_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_BASIC: dict[str, int] = {char: code for code, char in enumerate(_BASIC) if code != ESCAPE}
GSM7_EXTENSION: dict[str, int] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
GSM7_DECODE: dict[int, str] = {code: char for char, code in GSM7_BASIC.items()}
GSM7_EXTENSION_DECODE: dict[int, str] = {code: char for char, code in GSM7_EXTENSION.items()}

SINGLE = {Encoding.GSM7: 160, Encoding.UCS2: 70}
PART = {Encoding.GSM7: 153, Encoding.UCS2: 67}


@dataclass(frozen=True)
class SmsCount:
    """What the preview shows: the encoding, the length in the encoding's units (septets for GSM 7-bit, an
    extension character counting two; UTF-16 code units for UCS2, an emoji counting two) and the parts."""

    encoding: Encoding
    length: int
    parts: int

    @property
    def per_part(self) -> int:
        """The room of one part at this many parts (160/70 alone, 153/67 when concatenated)."""
        return SINGLE[self.encoding] if self.parts <= 1 else PART[self.encoding]


def is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def encoding_for(text: str) -> Encoding:
    return Encoding.GSM7 if all(is_gsm7(char) for char in text) else Encoding.UCS2


def not_gsm7(text: str) -> list[str]:
    """The characters (each once, in order) that make a text UCS2: what to replace to fit more in a part."""
    return list(dict.fromkeys(char for char in text if not is_gsm7(char)))


def weight(char: str, encoding: Encoding) -> int:
    """One character's cost in the encoding's units."""
    if encoding is Encoding.GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str, encoding: Encoding | None = None) -> int:
    encoding = encoding or encoding_for(text)
    return sum(weight(char, encoding) for char in text)


def parts(text: str) -> list[str]:
    """The text cut into the parts it is sent in, each within its room and never inside a character.
    An empty text has no parts (nothing to send)."""
    encoding = encoding_for(text)
    if length(text, encoding) <= SINGLE[encoding]:
        return [text] if text else []
    room = PART[encoding]
    cut: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(text):
        cost = weight(char, encoding)
        if used + cost > room:
            cut.append(text[start:index])
            start, used = index, 0
        used += cost
    cut.append(text[start:])
    return cut


def count(text: str) -> SmsCount:
    encoding = encoding_for(text)
    return SmsCount(encoding, length(text, encoding), len(parts(text)))
