"""Pinyin of names for search: initials and full spelling, surnames read as such, Latin and digits kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from ctid.crm.pinyin import SURNAMES, full, initials
from ctid.sampledata import samples


@pytest.mark.parametrize(
    ("name", "expected_initials", "expected_full"),
    [
        ("张三丰", "zsf", "zhangsanfeng"),
        ("吕布", "lb", "lvbu"),
        ("曾国藩", "zgf", "zengguofan"),
        ("单田芳", "stf", "shantianfang"),
        ("仇英", "qy", "qiuying"),
        ("解缙", "xj", "xiejin"),
        ("区志坚", "ozj", "ouzhijian"),
        ("朴槿惠", "pjh", "piaojinhui"),
        ("查良镛", "zly", "zhaliangyong"),
        ("翟天临", "ztl", "zhaitianlin"),
        ("覃海洋", "qhy", "qinhaiyang"),
        ("尉迟恭", "ycg", "yuchigong"),
        ("单于乐", "cyl", "chanyule"),  # the compound surname wins over 单 alone
        ("长孙无忌", "zswj", "zhangsunwuji"),
        (" 曾小贤 ", "zxx", "zengxiaoxian"),
    ],
)
def test_names(name: str, expected_initials: str, expected_full: str) -> None:
    assert initials(name) == expected_initials
    assert full(name) == expected_full


def test_a_surname_is_only_read_as_one_at_the_start_of_a_person_s_name() -> None:
    assert full("张曾") == "zhangceng"
    assert full("Tom曾") == "tomceng"
    assert initials("曾经理", person=False) == "cjl"
    assert full("单位", person=False) == "danwei"


@pytest.mark.parametrize(
    ("name", "expected_initials", "expected_full"),
    [
        ("张Tom 3号", "ztom3h", "zhangtom3hao"),
        ("Ｊｏｓé 李", "josel", "joseli"),  # full-width and accents folded
        ("王·小明", "wxm", "wangxiaoming"),
        ("阿沛·阿旺晋美", "apawjm", "apeiawangjinmei"),
        ("𠮷", "", ""),  # a character pypinyin cannot read is dropped
        ("〇", "l", "ling"),
        ("", "", ""),
        ("!?—", "", ""),
    ],
)
def test_latin_digits_and_the_rest(name: str, expected_initials: str, expected_full: str) -> None:
    assert initials(name) == expected_initials
    assert full(name) == expected_full


@pytest.mark.parametrize("surname", list(SURNAMES))
def test_every_surname_reading_is_one_pypinyin_knows_for_the_character(surname: str) -> None:
    readings = SURNAMES[surname]
    assert len(readings) == len(surname)
    for char, reading in zip(surname, readings, strict=True):
        assert reading in pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    assert full(surname + "三") == "".join(readings) + "san"
    assert initials(surname + "三") == "".join(r[0] for r in readings) + "s"


names = st.tuples(
    st.sampled_from(samples.SURNAMES),
    st.text(alphabet=samples.MALE_GIVEN + samples.FEMALE_GIVEN, min_size=1, max_size=2),
).map("".join)


@given(names)
def test_a_chinese_name_has_one_initial_per_character(name: str) -> None:
    letters = initials(name)
    assert len(letters) == len(name)
    assert letters.isascii() and letters.isalpha() and letters.islower()
    assert full(name).startswith(letters[0])


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_keeps_its_letters_and_digits(text: str) -> None:
    kept = "".join(c for c in text if c.isalnum()).lower()
    assert initials(text) == full(text) == kept


@settings(max_examples=200)
@given(st.text(max_size=20), st.booleans())
def test_any_text_gives_lower_case_ascii(text: str, person: bool) -> None:
    letters, spelled = initials(text, person=person), full(text, person=person)
    for result in (letters, spelled):
        assert result == "" or (result.isascii() and result.isalnum() and result == result.lower())
    assert len(letters) <= len(spelled)
