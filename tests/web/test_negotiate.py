"""Accept-Language negotiation: zh_CN or en from whatever a browser (or a fuzzer) sends."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ctid.web.i18n import LANGUAGE_NAMES, negotiate

OFFERED = set(LANGUAGE_NAMES)
PROPERTY = settings(max_examples=150, deadline=None)

tags = st.sampled_from(
    ["zh", "zh-CN", "zh-Hans", "zh-TW", "en", "en-US", "en-GB", "fr", "de-DE", "ja", "*", "x-klingon"]
)
qualities = st.sampled_from(["", ";q=1", ";q=0.9", ";q=0.5", ";q=0.1", ";q=0", ";q=abc", ";q=nan", ";q=-1"])
headers = st.lists(st.tuples(tags, qualities), max_size=8).map(
    lambda parts: ", ".join(t + q for t, q in parts)
)


@PROPERTY
@given(header=st.text(max_size=200) | headers, default=st.sampled_from(sorted(OFFERED)))
@example(header="zh-;q=1", default="en")
@example(header="-", default="en")
@example(header=",,,;;;q=,", default="en")
@example(header="zh_CN", default="en")
@example(header="\x00", default="zh_CN")
def test_negotiate_always_picks_an_offered_language(header: str, default: str) -> None:
    assert negotiate(header, default) in OFFERED


def quality(q: str) -> float:
    try:
        value = float(q.partition("=")[2]) if q else 1.0
    except ValueError:
        return 0.0
    return value if value == value else 0.0  # nan


@PROPERTY
@given(parts=st.lists(st.tuples(tags, qualities), max_size=8))
def test_negotiate_takes_the_best_weighted_language_we_offer(parts: list[tuple[str, str]]) -> None:
    header = ", ".join(t + q for t, q in parts)
    ours = {"zh": "zh_CN", "en": "en"}
    candidates = [
        (-quality(q), index, ours[tag.split("-")[0]])
        for index, (tag, q) in enumerate(parts)
        if tag.split("-")[0] in ours and quality(q) > 0
    ]
    expected = min(candidates)[2] if candidates else "en"
    assert negotiate(header, "en") == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("en;q=0.5, zh;q=0.9", "zh_CN"),
        ("zh;q=0, en", "en"),
        ("fr-FR, de;q=0.8", "en"),
        ("*", "en"),
        ("ZH-cn", "zh_CN"),
        ("zh-Hant-TW", "zh_CN"),
        ("", "en"),
    ],
)
def test_negotiate_examples(header: str, expected: str) -> None:
    assert negotiate(header, "en") == expected


def test_negotiate_default_is_used_when_nothing_matches() -> None:
    assert negotiate("fr", "zh_CN") == "zh_CN"
    assert negotiate("", "zh_CN") == "zh_CN"


def test_negotiate_reads_a_bounded_number_of_entries() -> None:
    """A header of thousands of entries costs no more than twenty (aiohttp already caps its size)."""
    assert negotiate(", ".join(["fr"] * 20 + ["zh"]), "en") == "en"
    assert negotiate(", ".join(["fr"] * 19 + ["zh"]), "en") == "zh_CN"
