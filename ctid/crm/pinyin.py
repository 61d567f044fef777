"""Pinyin of customers' names, for search: initials (张三丰 -> ``zsf``) and full spelling (``zhangsanfeng``).

Operators find a customer by typing ``zsf`` or ``zhang`` on a Latin keyboard. ``pypinyin`` reads each
character in context, but a surname has its own reading that context does not give (曾 is zēng, not céng;
单 is shàn, 解 xiè), so the first character(s) of a person's name are read from ``SURNAMES``. Latin letters
and digits are kept (lower-cased, accents dropped), everything else is dropped.

``pypinyin`` is imported on first use: loading its dictionaries takes about a quarter of a second, which
``import ctid.crm`` should not pay.
"""

from __future__ import annotations

import re
import unicodedata

# Surnames whose reading is not the one pypinyin gives the character alone, compound ones first where a
# character reads differently in them. Left out on purpose: 乐, a surname read both yuè and lè; 尉 alone,
# which is wèi as pypinyin has it (yù only in 尉迟).
SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "曾": ("zeng",),
    "单": ("shan",),
    "仇": ("qiu",),
    "解": ("xie",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "缪": ("miao",),
    "盖": ("ge",),
    "种": ("chong",),
    "秘": ("bi",),
    "员": ("yun",),
    "召": ("shao",),
    "句": ("gou",),
    "折": ("she",),
    "隗": ("wei",),
    "阚": ("kan",),
    "都": ("du",),
    "藏": ("zang",),
    "洗": ("xian",),
    "宓": ("fu",),
    "粘": ("nian",),
    "薄": ("bo",),
    "角": ("jue",),
}
_LONGEST_SURNAME = max(map(len, SURNAMES))
_HAN_RUNS = re.compile(r"([\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")


def initials(name: str, *, person: bool = True) -> str:
    """The first letter of each syllable, lower-case: 张三丰 -> ``zsf``, 曾小贤 -> ``zxx``, 张Tom -> ``ztom``.

    ``person=False`` (a company, a place) reads the first characters in context rather than as a surname.
    """
    return "".join(text[0] if syllable else text for text, syllable in _parts(name, person))


def full(name: str, *, person: bool = True) -> str:
    """The whole pinyin without tones, joined and lower-case: 张三丰 -> ``zhangsanfeng``; ü is written v."""
    return "".join(text for text, _ in _parts(name, person))


def spellings(name: str, *, person: bool = True) -> tuple[str, str]:
    """``(initials(name), full(name))`` from one reading of the name (the search index needs both)."""
    parts = _parts(name, person)
    return "".join(t[0] if s else t for t, s in parts), "".join(t for t, _ in parts)


SORT_KEY_LENGTH = 255


def sort_key(name: str, *, person: bool = True) -> str:
    """The name as lists sort it (李 before 张, not by code point): its syllables and Latin runs, lower-case,
    a space after each, so 李四 ``li si `` comes before 林 ``lin `` as a dictionary has them. Stored on the
    customer (``customers.name_key``) so that SQLite and PostgreSQL order alike; cut at
    ``SORT_KEY_LENGTH``."""
    return "".join(f"{text} " for text, _ in _parts(name, person))[:SORT_KEY_LENGTH]


def _parts(name: str, person: bool) -> list[tuple[str, bool]]:
    """``name`` as (ASCII text, is a syllable): one syllable per Chinese character, other runs as they are."""
    parts: list[tuple[str, bool]] = []
    runs = _HAN_RUNS.split(unicodedata.normalize("NFKC", name).strip())
    for index, run in enumerate(runs):  # split() puts the captured Chinese runs at odd indexes
        if index % 2 == 0:
            parts += [(text, False)] if (text := _ascii(run)) else []
            continue
        syllables = [_ascii(item) for item in _readings(run)]
        surname = _surname(run) if person and index == 1 and not runs[0] else ""
        syllables[: len(surname)] = SURNAMES.get(surname, ())
        parts += [(syllable, True) for syllable in syllables if syllable]
    return parts


def _surname(text: str) -> str:
    """The polyphonic surname ``text`` starts with (the longest), or ``""``."""
    for length in range(_LONGEST_SURNAME, 0, -1):
        if text[:length] in SURNAMES:
            return text[:length]
    return ""


def _ascii(text: str) -> str:
    """ASCII letters and digits of ``text``, lower-case, accents dropped (``José`` -> ``jose``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii() and char.isalnum()).lower()


def _readings(run: str) -> list[str]:
    """pypinyin's toneless reading of each character of ``run``, ü as v (imported here, see the docstring)."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin(run)
