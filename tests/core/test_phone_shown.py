"""Numbers on the pages as written locally (020-3888-6666, 138 0013 8000), not in E.164."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.core.phone import PhoneNormaliser, written_locally

SITE = PhoneNormaliser("CN", local_area_code="020")
SHOWN = re.compile(r"\+?[0-9][0-9 ()-]*")
AREAS = st.sampled_from(
    ["10", "20", "21", "22", "23", "24", "25", "27", "28", "29", "311", "571", "755", "898"]
)
MOBILES = st.from_regex(r"\A1(3[0-9]|5[0-35-9]|8[0-9])[0-9]{8}\Z")
LANDLINES = st.tuples(AREAS, st.from_regex(r"\A[2-8][0-9]{7}\Z")).map(lambda parts: "".join(parts))


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+862038886666", "020-3888-6666"),
        ("+8613800138000", "138 0013 8000"),
        ("+864008108888", "400-810-8888"),
        ("+8675512345678", "0755-1234-5678"),
        ("+861012345678", "010-1234-5678"),
        ("+16502530000", "+1 650-253-0000"),  # another country: as dialled from abroad
        ("+85221234567", "+852 2123 4567"),
        ("+8695566", "+8695566"),  # not a valid number: as given
        ("private", "private"),
        ("", ""),
    ],
)
def test_numbers_are_written_as_people_here_write_them(e164: str, shown: str) -> None:
    assert written_locally(e164) == shown


def test_a_site_abroad_writes_its_own_numbers_its_way_and_china_s_from_abroad() -> None:
    assert written_locally("+16502530000", "US") == "(650) 253-0000"
    assert written_locally("+8613800138000", "US") == "+86 138 0013 8000"


def test_the_pages_normaliser_shows_what_was_given_when_it_has_no_key() -> None:
    assert SITE.shown("38886666") == "020-3888-6666"  # a local number, completed with the area code
    assert SITE.shown("x", "+8613800138000") == "138 0013 8000"  # the stored key wins
    assert (SITE.shown("call me"), SITE.shown(None), SITE.shown("")) == ("call me", "", "")


@settings(max_examples=300)
@given(st.one_of(MOBILES, LANDLINES))
def test_what_is_shown_reads_back_as_the_same_number(national: str) -> None:
    """Written locally and read back by the normaliser (a user copying it into a search, the dial box), a
    number is the same customer: showing it never changes whom it reaches."""
    e164 = SITE.normalise(national).e164
    if e164 is None:
        return  # not a number phonenumbers calls valid (a free area code): nothing to show but what was given
    shown = written_locally(e164)
    assert SHOWN.fullmatch(shown), shown
    assert not shown.startswith("+")  # a Chinese number on a Chinese site is written without the country code
    assert SITE.normalise(shown).e164 == e164


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_anything_else_is_shown_as_given_and_nothing_raises(text: str) -> None:
    shown = written_locally(text)
    assert shown == text or SITE.normalise(text).e164 is not None
