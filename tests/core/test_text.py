"""``ctid.core.text.clean_text``: its printable-ASCII fast path agrees with the general rule."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from ctid.core.text import clean_text


def slow_clean_text(text: str) -> str:
    """The rule written out once, without the fast path."""
    kept = (
        " " if char.isspace() else char
        for char in unicodedata.normalize("NFC", text)
        if char.isspace() or (char != "\ufffd" and unicodedata.category(char)[0] != "C")
    )
    return " ".join("".join(kept).split())


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_takes_the_fast_path_with_the_same_result(text: str) -> None:
    assert clean_text(text) == slow_clean_text(text)


@given(st.text())
def test_any_text_is_cleaned_by_the_rule(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == slow_clean_text(text)
    assert all(unicodedata.category(char)[0] != "C" for char in cleaned)


def test_examples() -> None:
    assert clean_text("  NMBR =\t139\x00123  ") == "NMBR = 139123"
    assert clean_text("ZHANG\u202eSAN\ufffd") == "ZHANGSAN"
    assert clean_text("张三\r\n") == "张三"
