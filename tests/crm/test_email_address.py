"""The customer's e-mail address parser (ctid.crm.email_address): what people type becomes one clean address
or a refusal in words, never another error; addresses of the mail server's shape pass unchanged but for the
domain's case; full-width forms from a Chinese keyboard read as their plain ones."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.crm.email_address import MAX_LENGTH, NotAnAddress, parse_email

_ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
_LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

_local = st.lists(st.text(_ATEXT, min_size=1, max_size=10), min_size=1, max_size=4).map(".".join)
_label = st.builds(
    lambda first, middle, last: first + middle + last if middle or last else first,
    st.text(_LABEL_CHARS, min_size=1, max_size=1),
    st.text(_LABEL_CHARS + "-", max_size=10),
    st.text(_LABEL_CHARS, max_size=1),
).filter(lambda label: not label.endswith("-"))
_top = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=6)
_domain = st.builds(
    lambda labels, top: ".".join([*labels, top]), st.lists(_label, min_size=1, max_size=3), _top
)
addresses = st.builds(lambda local, domain: f"{local}@{domain}", _local, _domain)


@given(addresses)
def test_an_address_of_the_servers_shape_passes_with_its_domain_in_lower_case(address: str) -> None:
    local, _, domain = address.rpartition("@")
    assert parse_email(address) == f"{local}@{domain.lower()}"
    assert parse_email(f"  {address}\t") == parse_email(address)


@given(addresses)
def test_full_width_forms_read_as_plain_ones(address: str) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in address)
    assert parse_email(wide) == parse_email(address)
    assert parse_email(address.replace(".", "。")) == parse_email(address)


@given(st.text(max_size=300))
def test_any_text_is_an_address_a_blank_or_refused_in_words(raw: str) -> None:
    try:
        found = parse_email(raw)
    except NotAnAddress as refused:
        assert str(refused)
        return
    if found is None:
        assert not unicodedata.normalize("NFKC", raw).strip()
        return
    assert len(found) <= MAX_LENGTH and found.count("@") == 1 and found.isascii()
    assert parse_email(found) == found  # cleaning twice changes nothing


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("wang@163.com", "wang@163.com"),
        ("Wang.Wei@QQ.COM", "Wang.Wei@qq.com"),
        ("li+car@mail.example.com.", "li+car@mail.example.com"),
        ("ｗａｎｇ＠１６３．ｃｏｍ", "wang@163.com"),
        ("  ", None),
        ("", None),
    ],
)
def test_examples(raw: str, clean: str | None) -> None:
    assert parse_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "wang",
        "wang@",
        "@163.com",
        "wang@163",
        "wang@@163.com",
        "wang wei@163.com",
        ".wang@163.com",
        "wang.@163.com",
        "wa..ng@163.com",
        "wang@-163.com",
        "wang@163-.com",
        "wang@163..com",
        "wang@1.2.3.4",
        "王伟@163.com",
        "wang@例子.中国",
        '"wang"@163.com',
        "wang@[127.0.0.1]",
        "x" * 65 + "@163.com",
        "wang@" + "a" * 64 + ".com",
        "wang@" + "a." * 130 + "com",
    ],
)
def test_refused(raw: str) -> None:
    with pytest.raises(NotAnAddress):
        parse_email(raw)


def test_a_line_break_inside_is_refused() -> None:
    with pytest.raises(NotAnAddress):
        parse_email("wang@163.com\nBcc: all@example.com")
