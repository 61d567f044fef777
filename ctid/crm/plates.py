"""Chinese licence plates (车牌号) in one canonical form, so that one car is one plate however it is typed.

People write ``粤A·12345``, ``粤a 12345``, ``粤Ａ１２３４５`` (full-width input); all become ``粤A12345``.
Accepted shapes: a province abbreviation, the issuing office's letter, then 5 characters (blue and yellow
plates), 6 (green new-energy plates such as ``粤AD12345``), or 4 and a suffix (``粤A1234学``, ``粤B1234港``).
"""

from __future__ import annotations

import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SUFFIXES = "挂学警港澳领试超"
_PLATE = re.compile(rf"[{PROVINCES}][A-Z](?:[A-Z0-9]{{5,6}}|[A-Z0-9]{{4}}[{SUFFIXES}])")
_SEPARATORS = re.compile(r"[\s·・•.\-_]")


def normalise_plate(raw: str) -> str | None:
    """The canonical plate, or None if ``raw`` is not a Chinese plate."""
    plate = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()
    return plate if _PLATE.fullmatch(plate) else None
