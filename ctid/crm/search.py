"""The CRM's one search box, pure part: what a query is looking for, and the rows the index holds.

One box finds a customer by name (``张三丰``), by pinyin initials or spelling (``zsf``, ``zw``, ``zhang``),
by a fragment of a phone number (``8000``, ``138 0013``, ``+86 20 8888``), of a plate (``A12`` of
``粤A12345``, ``粤A·123``) or of a VIN (``0000123``). ``parse`` reads the query: punctuation and spaces go
(``粤A·12345``, ``138-0013``), full-width becomes half-width, and the shape of what is left says where
to look:

- digits only: phones, then plates and VINs (``12345`` of ``粤A12345``);
- a province's abbreviation and a letter (``粤A1``), or letters and digits mixed: plates and VINs;
- 17 letters and digits: a VIN;
- latin letters only: pinyin (initials and full spelling), then names written in latin letters, then VINs;
- anything with Chinese characters: names.

The index is SQLite's FTS5 with the trigram tokenizer, or pg_trgm's GIN indexes on PostgreSQL
(ctid.crm.search_store): it finds any fragment of 3 or more characters. A shorter query cannot use it.
One or two characters with a Chinese one among them (``伟``, ``恒通``, ``王A``) are found anywhere in a
name through the name's grams (``name_grams``: each distinct one- and two-character piece of it holding a
Chinese character, a table of its own), names starting with them first (``张伟`` before ``李张伟``).
Other short queries are a prefix of the name (``z``, ``A1``), answered by the ``(branch_id, name)`` index
of customers. Two latin letters are also a two-character name's initials (``zw``), which the index finds
as ``zw `` at the start of the pinyin column.

The fragment is searched with ``LIKE '%fragment%'``, which the trigram index answers (FTS5 phrase queries
need ``detail=full``, twice the index). It is a bound parameter, never spliced into SQL or an FTS5 query, and
holds only letters, digits and Chinese characters: no ``%`` or ``_`` wildcard, nothing FTS5 would read as
syntax.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from ctid.crm.plates import PROVINCES

MIN_TRIGRAM = 3
MAX_GRAM = MIN_TRIGRAM - 1  # the longest piece of a name in its grams: longer ones are the trigram index's
MAX_QUERY = 100  # characters kept of a query: a name is at most 100
VIN_LENGTH = 17


class Field(StrEnum):
    """A column of the search index, and the ``matched`` of a search hit."""

    NAME = "name"
    PINYIN = "pinyin"
    PHONE = "phone"
    PLATE = "plate"
    VIN = "vin"


@dataclass(frozen=True)
class SearchQuery:
    """What to look for: ``fragment`` in ``fields`` (best first); when ``prefix``, names starting with it."""

    fragment: str
    fields: tuple[Field, ...]
    prefix: bool = False
    initials: bool = False
    """Two latin letters: a two-character name's pinyin initials (``zw``: 张伟), then names starting so."""
    grams: bool = False
    """One or two characters, a Chinese one among them: names starting so, then names holding it."""

    @property
    def like(self) -> str:
        """The LIKE pattern for the trigram index. Initials are the start of the pinyin column, followed by
        a space (``zw zhangwei``): three characters, so the trigram index answers even two letters."""
        return f"{self.fragment} %" if self.initials else f"%{self.fragment}%"


_CHINESE_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_KEEP = re.compile(f"[^0-9A-Za-z{_CHINESE_RANGES}]+")
_CHINESE = re.compile(f"[{_CHINESE_RANGES}]")
_SEARCHABLE_RUN = re.compile(f"[0-9a-z{_CHINESE_RANGES}]+")  # of a name with its latin letters lowered
_COMPATIBILITY = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_DIGITS = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")


def clean(text: str) -> str:
    """The searchable characters of ``text``: ASCII letters and digits (full-width ones made half-width)
    and Chinese characters; everything else (spaces, ``·``, ``-``, ``+``, ``%``, quotes...) goes."""
    return _KEEP.sub("", unicodedata.normalize("NFKC", text))[:MAX_QUERY]


def parse(query: str) -> SearchQuery | None:
    """What ``query`` looks for; None when nothing searchable is left of it."""
    fragment = clean(query)
    if not fragment:
        return None
    if len(fragment) == MIN_TRIGRAM - 1 and _LETTERS.fullmatch(fragment):
        return SearchQuery(fragment.lower(), (Field.PINYIN,), prefix=True, initials=True)
    if len(fragment) <= MAX_GRAM and _CHINESE.search(fragment):
        return SearchQuery(fragment, (Field.NAME,), prefix=True, grams=True)
    if len(fragment) < MIN_TRIGRAM:
        return SearchQuery(fragment, (Field.NAME,), prefix=True)
    if _DIGITS.fullmatch(fragment):
        return SearchQuery(fragment, (Field.PHONE, Field.PLATE, Field.VIN))
    if fragment[0] in PROVINCES and _ALNUM.fullmatch(fragment[1:]) and fragment[1].isalpha():
        return SearchQuery(fragment.upper(), (Field.PLATE,))
    if _LETTERS.fullmatch(fragment):
        return SearchQuery(fragment.lower(), (Field.PINYIN, Field.NAME, Field.VIN))
    if _ALNUM.fullmatch(fragment):
        fields = (Field.VIN,) if len(fragment) == VIN_LENGTH else (Field.PLATE, Field.VIN)
        return SearchQuery(fragment.upper(), fields)
    return SearchQuery(fragment, (Field.NAME,))


def name_grams(name: str) -> frozenset[str]:
    """The pieces of ``name`` a one- or two-character query finds it by: each distinct character and pair
    of neighbours that a query can hold (``clean`` keeps them as they are) with a Chinese character among
    them, latin letters lower-cased (``王Amy``: 王, 王a). A query holding anything else (a space, ``·``)
    has lost it before it looks, and one without a Chinese character never looks here; so a query of one
    or two characters with a Chinese one is a piece of the name exactly when it is among these."""
    grams: set[str] = set()
    for run in _searchable_runs(name.translate(_ASCII_LOWER)):
        grams.update(char for char in run if char > "\x7f")  # in a run, what is not ASCII is Chinese
        grams.update(run[i : i + 2] for i in range(len(run) - 1) if run[i] > "\x7f" or run[i + 1] > "\x7f")
    return frozenset(grams)


def _searchable_runs(text: str) -> list[str]:
    """The runs of characters that ``clean`` keeps as they are: letters and digits, Chinese characters
    but the compatibility ideographs that NFKC makes into others (a query never holds those)."""
    runs = _SEARCHABLE_RUN.findall(text)
    if not _COMPATIBILITY.search(text):
        return runs  # the usual case: no character to look at one by one
    stable = "".join(c if unicodedata.normalize("NFKC", c) == c else " " for c in " ".join(runs))
    return stable.split()


def gram_key(fragment: str) -> str:
    """The form of a query's fragment that ``name_grams`` stores (latin letters lower-cased)."""
    return fragment.translate(_ASCII_LOWER)


def phone_digits(number: str, e164: str | None) -> str:
    """A phone in the index: the digits as given and the E.164 digits (``020-8888-1234`` is found by
    ``02088881234`` and by ``862088881234``)."""
    given = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", number)))
    canonical = "".join(_DIGITS.findall(e164 or ""))
    return given if canonical in ("", given) else f"{given} {canonical}"


def rank(query: SearchQuery, field: Field, value: str) -> tuple[int, int]:
    """How well a hit in ``field`` whose indexed text is ``value`` answers: the field's place in the query's
    order, then an exact value before one that starts with the fragment before one that contains it."""
    fragment = query.fragment.lower()
    parts = [part for part in re.split(r"[ ,]", value.lower()) if part]
    closeness = 2
    if fragment in parts:
        closeness = 0
    elif any(part.startswith(fragment) for part in parts):
        closeness = 1
    return query.fields.index(field) if field in query.fields else len(query.fields), closeness
