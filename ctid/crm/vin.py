"""Vehicle identification numbers (VIN, 车架号): one canonical form, and a precise reason when one is wrong.

A VIN is 17 characters: digits and the letters A-Z without I, O and Q (ISO 3779), which people confuse with
1 and 0. Position 9 is a check digit (a weighted sum, mod 11) where the rule is mandatory; there a wrong one
almost always means a mistyped character, so the service desk hears about it before the car is filed under a
VIN no one will ever find again. Messages are English templates marked with ``N_`` (like
``ctid.core.errors``), with the parameters kept apart so the web can translate them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ctid.core.errors import N_

VIN_LENGTH = 17
CHECK_POSITION = 9  # 1-based, as people and standards count
ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_MISREAD = {"I": "1", "O": "0", "Q": "0"}  # the letters a VIN never has, and the digit that was meant
# North-American transliteration (49 CFR 565.15, also GB 16735 appendix): letters skip I, O and Q.
_VALUES: dict[str, int] = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−]")  # spaces and every dash people paste from documents
_CANONICAL = re.compile(f"[{''.join(sorted(_VALUES))}]{{{VIN_LENGTH}}}")  # nothing to fold, drop or refuse


class VinError(ValueError):
    """Why a VIN is wrong: ``message % params`` is the English text, ``position`` (1-based) the culprit."""

    def __init__(self, message: str, /, position: int | None = None, **params: Any) -> None:
        self.message = message
        self.position = position
        self.params = {"position": position, **params}
        super().__init__(message % self.params)


def check_digit_applies(vin: str) -> bool:
    """Whether position 9 must hold the check digit, from the WMI (the first characters of ``vin``).

    It is mandatory for vehicles made for North America (49 CFR 565; WMIs 1-5: USA, Canada, Mexico) and for
    China (GB 16735; WMIs starting with L), the cars this desk mostly sees. Elsewhere ISO 3779 leaves the
    position to the maker, and many European ones (WMIs W, V, S, Z, T, Y...) put a filler such as ``Z`` or a
    code of their own there: a "wrong" check digit on those is not a typo, so it is not checked.
    """
    return vin[:1] == "L" or vin[:1] in {"1", "2", "3", "4", "5"}


def check_digit(vin: str) -> str:
    """The check digit ``vin`` should have at position 9 (``0``-``9`` or ``X`` for 10).

    ``vin`` is 17 canonical characters; position 9 itself has weight 0, so any character may hold its place.
    """
    _check_length(vin)
    for position, char in enumerate(vin, start=1):
        if position != CHECK_POSITION:
            _check_character(position, char)
    return _check_digit(vin)


def _check_digit(vin: str) -> str:
    """``check_digit`` of 17 characters already checked."""
    # position 9 weighs 0, so whatever holds its place counts as 0
    remainder = sum(_VALUES.get(char, 0) * weight for char, weight in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(raw: str) -> str:
    """The canonical VIN (17 upper-case characters) for ``raw`` as typed or pasted, or ``VinError``.

    Full-width characters are folded (NFKC), spaces and dashes dropped, ASCII letters upper-cased. The first
    wrong character is reported before the length, because its position is what the user needs to fix.
    """
    if _CANONICAL.fullmatch(raw):  # most cells of an import: 17 valid characters, only the check digit to see
        vin = raw
    else:
        text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
        vin = "".join(char.upper() if char.isascii() else char for char in text)
        for position, char in enumerate(vin, start=1):
            _check_character(position, char)
        _check_length(vin)
    if check_digit_applies(vin):
        expected, found = _check_digit(vin), vin[CHECK_POSITION - 1]
        if found != expected:
            raise VinError(
                N_(
                    "Position %(position)d is the check digit: it should be %(expected)s, not %(found)s, "
                    "so one of the characters is probably mistyped."
                ),
                CHECK_POSITION,
                expected=expected,
                found=found,
            )
    return vin


def _check_length(vin: str) -> None:
    if len(vin) != VIN_LENGTH:
        raise VinError(N_("A VIN has 17 characters; this one has %(length)d."), None, length=len(vin))


def _check_character(position: int, char: str) -> None:
    if char in _VALUES:
        return
    if char in _MISREAD:
        raise VinError(
            N_("Position %(position)d: a VIN never has the letter %(char)s (did you mean %(digit)s?)."),
            position,
            char=char,
            digit=_MISREAD[char],
        )
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    raise VinError(
        N_("Position %(position)d: '%(char)s' cannot be in a VIN (only 0-9 and A-Z without I, O, Q)."),
        position,
        char=shown,
    )
