"""Chinese licence plates (车牌号) in one canonical form, so that one car is one plate however it is typed.

People write ``粤A·12345``, ``粤a 12345``, ``粤Ａ１２３４５`` (full-width input); all become ``粤A12345``.
Accepted shapes (GA 36), after a province abbreviation and the issuing office's letter:

- 5 letters or digits: blue and yellow plates (``粤A12345``, ``粤AB1234``);
- 4 letters or digits and a suffix: coach ``粤A1234学``, police ``粤A1234警``, trailer, Hong Kong and Macau
  cross-border ``粤Z1234港``, consulate, test and oversize plates;
- 6 characters, green new-energy plates: small ones ``粤AD12345`` (D or F, or since the series were extended
  any of A-K but I; then a letter or digit, then 4 digits), large ones ``粤A12345D`` (5 digits, then D or F);

and embassy plates, ``使`` and 6 digits (``使014578``). Plates never use the letters I and O (they read as 1
and 0). Military plates are out of scope. ``plate_error`` says in a few words why a string is not a plate.
"""

from __future__ import annotations

import re
import unicodedata

from ctid.core.errors import N_

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SUFFIXES = "挂学警港澳领试超"
EMBASSY = "使"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # the 24 letters plates use: never I or O
SMALL_NEW_ENERGY = "ABCDEFGHJK"  # 3rd character: D/F, extended to A-E (electric), F-K (hybrid)
LARGE_NEW_ENERGY = "DF"  # last character: D electric, F hybrid
_SERIAL_CHARS = LETTERS + "0123456789"
_SERIAL = rf"[{LETTERS}0-9]"
_SHAPES = (
    rf"{_SERIAL}{{5}}",  # blue and yellow
    rf"{_SERIAL}{{4}}[{SUFFIXES}]",  # coach, police, cross-border...
    rf"[{SMALL_NEW_ENERGY}]{_SERIAL}[0-9]{{4}}",  # small new energy
    rf"[0-9]{{5}}[{LARGE_NEW_ENERGY}]",  # large new energy
)
_PLATE = re.compile(rf"[{PROVINCES}][{LETTERS}](?:{'|'.join(_SHAPES)})|{EMBASSY}[0-9]{{6}}")
_SEPARATORS = re.compile(r"[\s·・•.\-_]")


def normalise_plate(raw: str) -> str | None:
    """The canonical plate, or None if ``raw`` is not a Chinese plate."""
    plate = _canonical(raw)
    return plate if _PLATE.fullmatch(plate) else None


def plate_error(raw: str) -> str | None:
    """Why ``raw`` is not a plate, in a short English sentence (marked for translation); None if it is one."""
    plate = _canonical(raw)
    if _PLATE.fullmatch(plate):
        return None
    if not plate:
        return N_("The plate is empty.")
    if plate[0] not in PROVINCES and plate[0] != EMBASSY:
        return N_("A plate starts with a province's abbreviation, such as 粤.")
    if "I" in plate or "O" in plate:
        return N_("Plates never use the letters I and O: type the digits 1 and 0.")
    if plate[0] == EMBASSY:
        return N_("An embassy plate is 使 and 6 digits.")
    if len(plate) < 2 or plate[1] not in LETTERS:
        return N_("The second character is the issuing office's letter, such as the A in 粤A.")
    return _serial_error(plate[2:])


def _serial_error(serial: str) -> str:
    """Why what follows the province and the office letter is not a plate number."""
    if len(serial) not in (5, 6):
        return N_("A plate has 7 characters, or 8 on a green new-energy plate.")
    if any(char not in _SERIAL_CHARS and char not in SUFFIXES for char in serial):
        return N_("After the office letter, a plate has only letters and digits.")
    if any(char in SUFFIXES for char in serial):
        return N_("学, 警, 港 and the like are the last of 7 characters.")
    return N_("An 8-character new-energy plate is like 粤AD12345 or 粤A12345D.")


def _canonical(raw: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
