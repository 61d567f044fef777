"""The System page's uptime in words: units, the largest two, never a clock's 76:04:09."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.web.durations import duration_words
from ctid.web.i18n import Catalogs, Translator

CATALOGS = Catalogs()
ZH = Translator("zh_CN", CATALOGS.get("zh_CN")).gettext
EN = Translator("en", CATALOGS.get("en")).gettext


@pytest.mark.parametrize(
    ("seconds", "chinese", "english"),
    [
        (0, "0 秒", "0 s"),
        (59.9, "59 秒", "59 s"),
        (60, "1 分钟", "1 min"),
        (2 * 3600 + 5 * 60 + 59, "2 小时 5 分钟", "2 h 5 min"),
        (3600, "1 小时 0 分钟", "1 h 0 min"),
        (3 * 86400 + 4 * 3600 + 7 * 60, "3 天 4 小时", "3 d 4 h"),
        (400 * 86400, "400 天 0 小时", "400 d 0 h"),
        (-5, "0 秒", "0 s"),
    ],
)
def test_a_duration_reads_in_units(seconds: float, chinese: str, english: str) -> None:
    assert duration_words(seconds, ZH) == chinese
    assert duration_words(seconds, EN) == english


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_never_a_clock(seconds: float) -> None:
    def raw(message: str, **params: Any) -> str:
        return message % params

    for words in (duration_words(seconds, raw), duration_words(seconds, ZH)):
        assert ":" not in words and len(words.split()) <= 4
