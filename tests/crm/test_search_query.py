"""The search box's query parsing: where a query looks, and that what reaches SQLite is always a plain
substring pattern (no wildcard, nothing FTS5 reads as syntax) that finds exactly the rows holding it."""

from __future__ import annotations

import sqlite3
import unicodedata
from contextlib import closing

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ctid.crm.search import MIN_TRIGRAM, Field, SearchQuery, clean, parse, phone_digits, rank
from ctid.crm.search_store import CREATE, TABLE

INSERT = f"INSERT INTO {TABLE} (rowid, name, pinyin, phones, plates, vins) VALUES (?, ?, ?, ?, ?, ?)"
NAME, PINYIN, PHONE, PLATE, VIN = Field.NAME, Field.PINYIN, Field.PHONE, Field.PLATE, Field.VIN


@pytest.mark.parametrize(
    ("query", "fragment", "fields", "prefix"),
    [
        ("张三丰", "张三丰", (NAME,), False),
        ("  张 三·丰 ", "张三丰", (NAME,), False),
        ("张", "张", (NAME,), True),
        ("张伟", "张伟", (NAME,), True),
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
