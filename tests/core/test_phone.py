"""The one phone number normaliser: every way a customer's number is written gives one E.164 key."""

from __future__ import annotations

import re
import time
import unicodedata

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ctid.core.phone import _EXTENSION, _MAX_DIGITS, PhoneNormaliser, PhoneNumber, _dialable, _digits

GUANGZHOU = "+862088881234"
MOBILE = "+8613912345678"


@pytest.mark.parametrize("prefix", ["", "9", "0"])
def test_every_way_of_writing_a_guangzhou_landline_is_one_customer(prefix: str) -> None:
    site = PhoneNormaliser("CN", local_area_code="020", outside_line_prefix=prefix)
    written = ["020-8888-1234", "88881234", "+86 20 8888 1234", "0086 20 88881234", "(020) 8888 1234"]
    dialed = [prefix + number for number in ["020-8888-1234", "88881234", "0086 20 88881234"]]
    assert {site.normalise(number).e164 for number in written + dialed} == {GUANGZHOU}


@pytest.mark.parametrize("prefix", ["", "9", "0"])
def test_every_way_of_writing_a_mobile_is_one_customer(prefix: str) -> None:
    site = PhoneNormaliser("CN", local_area_code="020", outside_line_prefix=prefix)
    written = ["13912345678", "+8613912345678", "008613912345678", "86 139 1234 5678", "013912345678"]
    written += [
        prefix + "13912345678",
        "１３９－１２３４－５６７８",
        "139 1234 5678 转 12",
        f"{prefix},13912345678",
    ]
    assert {site.normalise(number).e164 for number in written} == {MOBILE}


def test_a_local_number_needs_the_local_area_code() -> None:
    assert PhoneNormaliser("CN").normalise("88881234").e164 is None
    assert PhoneNormaliser("CN", local_area_code="20").normalise("88881234").e164 == GUANGZHOU
    assert PhoneNormaliser("CN", local_area_code="0755").normalise("88881234").e164 == "+8675588881234"


def test_an_eight_digit_number_is_a_local_number_not_another_citys() -> None:
    site = PhoneNormaliser("CN", local_area_code="020", outside_line_prefix="9")
    assert site.normalise("87695438").e164 == "+862087695438"  # phonenumbers alone: 0876-95438
    assert site.normalise("987695438").e164 == "+862087695438"


def test_with_prefix_zero_a_pbx_dialed_number_is_not_read_as_international() -> None:
    site = PhoneNormaliser("CN", outside_line_prefix="0")
    assert site.normalise("0020 5744 9654").e164 == "+862057449654"  # 0 + 020..., not Egypt (+20 5744 9654)
    assert site.normalise("0044 20 7946 0000").e164 == "+442079460000"  # not valid in China: as given
    assert site.normalise("00016502530000").e164 == "+16502530000"  # 0 + 001 650...


def test_the_caller_can_say_whether_a_number_carries_the_outside_line_prefix() -> None:
    site = PhoneNormaliser("CN", outside_line_prefix="0")
    assert site.normalise("0016502530000").e164 == "+8616502530000"  # the guess: 0 + a Chinese mobile
    assert site.normalise("0016502530000", dialed=False).e164 == "+16502530000"  # caller ID, no PBX prefix
    assert site.normalise("0020 5744 9654", dialed=False).e164 == "+2057449654"
    assert site.normalise("0044 20 7946 0000", dialed=True).e164 == "+442079460000"  # nothing else valid


GARBAGE = [
    "",
    "P",
    "O",
    "A",
    "Private",
    "anonymous",
    "unknown",
    "+",
    "---",
    "1-800-FLOWERS",
    "13912345678abc",
]
GARBAGE += ["12345", "95555", "\x00\x01", "9" * 40, "+86", "0086"]


@pytest.mark.parametrize("raw", GARBAGE)
def test_private_unknown_and_garbage_have_no_key(raw: str) -> None:
    number = PhoneNormaliser("CN", local_area_code="020", outside_line_prefix="9").normalise(raw)
    assert number.e164 is None and not number.is_valid


def test_raw_keeps_what_was_given_without_control_characters() -> None:
    number = PhoneNormaliser("CN").normalise("\x00 139\t1234\u202e5678\r\n")
    assert number == PhoneNumber("139 12345678", MOBILE)


def test_unknown_numbers_are_never_the_same_customer() -> None:
    site = PhoneNormaliser("CN")
    assert not site.normalise("P").same_as(site.normalise("P"))
    assert site.normalise("13912345678").same_as(site.normalise("+86 139 1234 5678"))


@pytest.mark.parametrize(
    ("prefix", "number", "dial"),
    [
        ("", "+86 20 8888 1234", "88881234"),  # local: no area code
        ("9", "020 8888 1234", "988881234"),
        ("", "0755 8888 1234", "075588881234"),  # another city: trunk prefix and area code
        ("0", "13912345678", "013912345678"),
        ("", "+1 650 253 0000", "0016502530000"),  # abroad: China's international prefix
        ("9", "+44 20 7946 0000", "900442079460000"),
    ],
)
def test_dial_string_from_a_guangzhou_site(prefix: str, number: str, dial: str) -> None:
    site = PhoneNormaliser("CN", local_area_code="020", outside_line_prefix=prefix)
    assert site.dial_string(site.normalise(number)) == dial


def test_dial_string_refuses_a_number_without_a_key() -> None:
    with pytest.raises(ValueError, match="not a valid phone number"):
        PhoneNormaliser().dial_string(PhoneNumber("P", None))


@pytest.mark.parametrize(
    "options",
    [
        {"region": "XX"},
        {"local_area_code": "0a20"},
        {"outside_line_prefix": "9,"},
        {"local_area_code": "２０"},
    ],
)
def test_bad_site_settings_are_refused(options: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        PhoneNormaliser(**options)


# --- properties ---------------------------------------------------------------------------------------------

SITES = st.builds(
    PhoneNormaliser,
    st.just("CN"),
    st.sampled_from(["", "020", "10", "0755", "0571"]),
    st.sampled_from(["", "9", "0", "81"]),  # "81": a PBX prefix that is also the start of area codes
)


@st.composite
def cn_landlines(draw: st.DrawFn) -> tuple[str, str]:
    """(area code without trunk 0, 8-digit subscriber number) that phonenumbers calls valid."""
    area = draw(st.sampled_from(["10", "20", "21", "755", "571", "28", "769"]))
    subscriber = draw(st.from_regex(r"[2-8][0-9]{7}", fullmatch=True))
    assume(phonenumbers.is_valid_number(phonenumbers.parse("0" + area + subscriber, "CN")))
    return area, subscriber


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@settings(max_examples=300)
@given(st.text(max_size=40), SITES)
def test_any_text_normalises_without_raising_and_raw_is_clean(raw: str, site: PhoneNormaliser) -> None:
    number = site.normalise(raw)
    assert all(unicodedata.category(char)[0] != "C" for char in number.raw)
    assert number.e164 is None or (number.e164.startswith("+") and number.e164[1:].isdigit())


@settings(max_examples=150)
@given(cn_landlines(), SITES)
def test_written_forms_of_a_landline_agree(landline: tuple[str, str], site: PhoneNormaliser) -> None:
    area, subscriber = landline
    forms = [
        f"0{area}-{subscriber}",
        f"+86 {area} {subscriber}",
        f"0086{area}{subscriber}",
        f"(0{area}){subscriber}",
    ]
    if site.local_area_code.lstrip("0") == area:
        forms.append(subscriber)
    assert {site.normalise(form).e164 for form in forms} == {f"+86{area}{subscriber}"}


@settings(max_examples=150)
@given(st.one_of(cn_landlines().map(lambda landline: "0" + "".join(landline)), MOBILES), SITES)
def test_what_we_dial_normalises_back_to_the_same_number(raw: str, site: PhoneNormaliser) -> None:
    number = site.normalise(raw)
    assume(number.e164 is not None)
    assert site.normalise(site.dial_string(number)).e164 == number.e164


# --- the fast path for Chinese mobiles: the slow path's answer, without phonenumbers -----------------------


def _slow(site: PhoneNormaliser) -> PhoneNormaliser:
    """The same site with the fast path off: every number through ``phonenumbers``."""
    slow = PhoneNormaliser(site.region, site.local_area_code, site.outside_line_prefix)
    slow._mobile = None
    return slow


_MOBILE_DIGITS = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_SEPARATOR = st.sampled_from(["", " ", "-"])


@st.composite
def _written_mobiles(draw: st.DrawFn) -> str:
    """``1[3-9]`` and 9 digits as people write them: grouped by spaces or dashes, +86 or 0086 before."""
    digits = draw(_MOBILE_DIGITS)
    cuts = sorted(draw(st.sets(st.integers(1, 10), max_size=3)))
    parts = [digits[i:j] for i, j in zip([0, *cuts], [*cuts, 11], strict=True)]
    separator = draw(_SEPARATOR)
    prefix = draw(st.sampled_from(["", "+86", "0086"]))
    gap = draw(_SEPARATOR) if prefix else ""
    return prefix + gap + separator.join(parts)


@settings(max_examples=3000)
@given(
    number=_written_mobiles(), prefix=st.sampled_from(["", "9", "0"]), dialed=st.sampled_from([None, False])
)
def test_the_mobile_fast_path_gives_what_phonenumbers_gives(number: str, prefix: str, dialed: bool) -> None:
    site = PhoneNormaliser("CN", local_area_code="020", outside_line_prefix=prefix)
    assert site.normalise(number, dialed=dialed) == _slow(site).normalise(number, dialed=dialed)


@settings(max_examples=500)
@given(national=st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_every_11_digit_number_starting_with_1_is_read_as_the_slow_path_reads_it(national: str) -> None:
    site = PhoneNormaliser("CN", local_area_code="020")
    assert site.normalise(national) == _slow(site).normalise(national)


@pytest.mark.parametrize(
    "number",
    ["020-8888-1234", "88881234", "+1 650 253 0000", "013912345678", "8613912345678", "17951139123456",
     "11912345678", "1391234567", "139123456789", "14012345678"],
)  # fmt: skip
def test_other_shapes_go_the_slow_way(number: str, monkeypatch: pytest.MonkeyPatch) -> None:
    site = PhoneNormaliser("CN", local_area_code="020")
    expected = _slow(site).normalise(number)
    fast = site._fast_key
    taken: list[str] = []
    monkeypatch.setattr(site, "_fast_key", lambda digits: taken.append(digits) or fast(digits))
    assert site.normalise(number) == expected
    assert all(fast(digits) is None for digits in taken)


@pytest.mark.parametrize(
    "number", ["１３９１２３４５６７８", "139 1234 5678 ext 12", "139.1234.5678", " 13912345678"]
)
def test_numbers_folded_into_the_mobile_shape_read_as_before(number: str) -> None:
    site = PhoneNormaliser("CN", local_area_code="020")
    assert site.normalise(number) == _slow(site).normalise(number)
    assert site.normalise(number).e164 == MOBILE


def test_a_region_without_the_fast_path_reads_through_phonenumbers() -> None:
    assert PhoneNormaliser("US")._fast_key("13912345678") is None
    assert PhoneNormaliser("US").normalise("+8613912345678").e164 == "+8613912345678"


@given(st.text(st.sampled_from("0123456789+- ()"), min_size=1, max_size=20))
def test_full_width_typing_is_the_same_number_as_typed_on_a_plain_keyboard(typed: str) -> None:
    """A Chinese IME types 1３８… in full width: stored and shown as ordinary digits, the same key."""
    site = PhoneNormaliser("CN", "020")
    full_width = typed.translate(str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）"))
    assert site.normalise(full_width) == site.normalise(typed)


def test_a_full_width_mobile_is_stored_in_plain_digits() -> None:
    number = PhoneNormaliser("CN").normalise("１３８　００１３　８０００")
    assert number == PhoneNumber("138 0013 8000", "+8613800138000")


_OLD_DIALABLE = re.compile(r"\+?[0-9 ()./,\-\u2010-\u2015]*[0-9][0-9 ()./,\-\u2010-\u2015]*")


def _old_dialable(text: str) -> str | None:
    """``_dialable`` as it was, with the pattern that backtracked."""
    text = _EXTENSION.sub("", unicodedata.normalize("NFKC", text)).strip()
    if not _OLD_DIALABLE.fullmatch(text) or len(digits := _digits(text)) > _MAX_DIGITS:
        return None
    return "+" + digits if text.startswith("+") else digits


@given(st.text(st.sampled_from("+0123456789 ()./,-\u2010\u2015x转"), max_size=24))
def test_dialable_text_is_what_the_backtracking_pattern_took(text: str) -> None:
    """Digits and separators with at least one digit: the old pattern said so with two starred runs around
    a digit, which backtracked quadratically."""
    assert _dialable(text) == _old_dialable(text)


def test_a_long_run_of_digits_ending_in_a_letter_is_read_in_one_pass() -> None:
    """100,000 characters took 29 s (a cell of a customer file goes through here)."""
    started = time.process_time()
    assert PhoneNormaliser("CN", "020").normalise("1" * 100_000 + "x").e164 is None
    assert time.process_time() - started < 1.0
