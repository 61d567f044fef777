"""The search box's query parsing: where a query looks, and that what reaches SQLite is always a plain
substring pattern (no wildcard, nothing FTS5 reads as syntax) that finds exactly the rows holding it."""

from __future__ import annotations

import sqlite3
import unicodedata
from contextlib import closing

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ctid.crm.search import (
    MIN_TRIGRAM,
    Field,
    SearchQuery,
    clean,
    gram_key,
    name_grams,
    parse,
    phone_digits,
    rank,
)
from ctid.crm.search_store import CREATE, TABLE

INSERT = f"INSERT INTO {TABLE} (rowid, name, pinyin, phones, plates, vins) VALUES (?, ?, ?, ?, ?, ?)"
NAME, PINYIN, PHONE, PLATE, VIN = Field.NAME, Field.PINYIN, Field.PHONE, Field.PLATE, Field.VIN


@pytest.mark.parametrize(
    ("query", "fragment", "fields", "prefix"),
    [
        ("张三丰", "张三丰", (NAME,), False),
        ("  张 三·丰 ", "张三丰", (NAME,), False),
        ("z", "z", (NAME,), True),
        ("A1", "A1", (NAME,), True),
        ("zsf", "zsf", (PINYIN, NAME, VIN), False),
        ("ZhangSan", "zhangsan", (PINYIN, NAME, VIN), False),
        ("8000", "8000", (PHONE, PLATE, VIN), False),
        ("138-0013 8000", "13800138000", (PHONE, PLATE, VIN), False),
        ("+86 20 8888", "86208888", (PHONE, PLATE, VIN), False),
        ("１３８０", "1380", (PHONE, PLATE, VIN), False),  # full-width digits
        ("a12", "A12", (PLATE, VIN), False),
        ("粤a·123", "粤A123", (PLATE,), False),
        ("苏小明", "苏小明", (NAME,), False),  # 苏 is a province's abbreviation and a surname
        ("LFVD108W6H0000001", "LFVD108W6H0000001", (VIN,), False),
        ("lfvd108w6h0000001", "LFVD108W6H0000001", (VIN,), False),
        ("张Tom", "张Tom", (NAME,), False),
    ],
)
def test_a_query_says_where_to_look(
    query: str, fragment: str, fields: tuple[Field, ...], prefix: bool
) -> None:
    assert parse(query) == SearchQuery(fragment, fields, prefix)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("张", "张"),
        ("伟", "伟"),
        ("张伟", "张伟"),
        (" 恒·通 ", "恒通"),
        ("王A", "王A"),
        ("１伟", "1伟"),
        ("〇", "〇"),
    ],
)
def test_one_or_two_characters_with_a_chinese_one_are_looked_for_anywhere_in_names(
    query: str, fragment: str
) -> None:
    assert parse(query) == SearchQuery(fragment, (NAME,), prefix=True, grams=True)


def test_the_grams_of_a_name() -> None:
    assert name_grams("张伟") == {"张", "伟", "张伟"}
    assert name_grams("王Amy") == {"王", "王a"}
    assert name_grams("李 静·A") == {"李", "静"}
    assert name_grams("Tom") == set()
    assert "恒通" in name_grams("广州恒通物流") and "物流" in name_grams("广州恒通物流")
    assert gram_key("王A") == "王a"


_NAMEISH = st.text(st.sampled_from("张伟王恒通aAzZ19１Ａ 　·-豈豈\U00020000\u0301%_"), max_size=12)


@settings(max_examples=500, deadline=None)
@given(name=st.one_of(_NAMEISH, st.text(max_size=12)), query=st.one_of(_NAMEISH, st.text(max_size=4)))
@example(name="李 静", query="李静")
@example(name="王Amy", query="王A")
@example(name="豈", query="豈")  # a compatibility ideograph: the query's NFKC makes it another character
def test_a_short_query_is_a_gram_of_exactly_the_names_holding_it(name: str, query: str) -> None:
    """Whatever the name and the query: when the query looks in the grams, the name has its gram exactly
    when the name holds the query as a LIKE would find it (latin letters in either case)."""
    parsed = parse(query)
    if parsed is None or not parsed.grams:
        return
    key = gram_key(parsed.fragment)
    assert 1 <= len(key) <= 2
    assert (key in name_grams(name)) == (key in gram_key(name))


@pytest.mark.parametrize("query", ["", "   ", "·-+", '"*"', "%_", "\x00"])
def test_nothing_searchable_is_no_query(query: str) -> None:
    assert parse(query) is None


def test_phone_digits() -> None:
    assert phone_digits("020-8888-1234", "+862088881234") == "02088881234 862088881234"
    assert phone_digits("13800138000", None) == "13800138000"
    assert phone_digits("8613800138000", "+8613800138000") == "8613800138000"


def test_an_exact_value_ranks_before_a_prefix_before_a_fragment() -> None:
    query = SearchQuery("A12345", (PLATE, VIN))
    assert rank(query, PLATE, "粤A12345,粤B1") > rank(query, PLATE, "A12345")
    assert rank(query, PLATE, "A123456") < rank(query, PLATE, "粤A123456")
    assert rank(query, PLATE, "粤A123456") < rank(query, VIN, "A12345")


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
_SAMPLES = st.lists(st.text(st.sampled_from("张三丰伟粤A1238zhngsfL\"*:^()-%_ '"), max_size=12), max_size=8)


@settings(max_examples=300, deadline=None)
@given(query=_TEXT, values=_SAMPLES)
@example(query='"三丰" OR zsf*', values=["张三丰"])
@example(query="NEAR(a b)", values=["a b"])
@example(query="%%%1_2%3", values=["123"])
@example(query="{name}: x", values=["xyz"])
@example(query="\U0002ebe1", values=[])
def test_the_pattern_is_a_plain_substring_that_finds_exactly_its_rows(query: str, values: list[str]) -> None:
    parsed = parse(query)
    if parsed is None:
        assert clean(query) == ""
        return
    # letters, digits and ideographs only (rare characters of the CJK extensions too, which Python's
    # Unicode tables may not know yet: their category is then "Cn", never punctuation or a wildcard)
    assert parsed.fragment and all(c.isalnum() or unicodedata.category(c) == "Cn" for c in parsed.fragment)
    assert "%" not in parsed.fragment and "_" not in parsed.fragment
    assert parsed.like == (f"{parsed.fragment} %" if parsed.initials else f"%{parsed.fragment}%")
    if parsed.prefix:
        assert len(parsed.fragment) < MIN_TRIGRAM
        return
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(CREATE)
        rows = [(i, value, value, value, value, value) for i, value in enumerate(values, 1)]
        conn.executemany(INSERT, rows)
        found = {r[0] for r in conn.execute(f"SELECT rowid FROM {TABLE} WHERE name LIKE ?", (parsed.like,))}
    expected = {i for i, value in enumerate(values, 1) if parsed.fragment.lower() in value.lower()}
    assert found == expected
