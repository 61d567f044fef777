"""VINs: public examples, the check digit where it applies (China, North America) and only there, messages
that name the wrong position, and properties over generated VINs."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.crm.vin import ALPHABET, VinError, check_digit, check_digit_applies, normalise_vin
from ctid.sampledata import samples

# The transliteration written out once more, from the standard's table, as the tests' own oracle.
VALUES = {
    **{d: int(d) for d in "0123456789"},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
CHECKED_WMI = "L12345"
UNCHECKED_WMI = "WVSZTYJK"  # Europe, Japan, Korea

chars = st.sampled_from(ALPHABET)


def with_check_digit(body: str) -> str:
    """The VIN made of 16 characters around a correct position 9."""
    draft = body[:8] + "0" + body[8:]
    return draft[:8] + check_digit(draft) + draft[9:]


@st.composite
def checked_vins(draw: st.DrawFn) -> str:
    wmi = draw(st.sampled_from(CHECKED_WMI))
    return with_check_digit(wmi + "".join(draw(st.lists(chars, min_size=15, max_size=15))))


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


# --- public examples ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vin",
    [
        "1M8GDM9AXKP042788",  # the worked example of 49 CFR 565: check digit X
        "11111111111111111",  # the classic all-ones test VIN
        "1HGCM82633A004352",  # Honda Accord, NHTSA's decoder example
        "JH4KA7561PC008269",  # Acura Legend (Japan: valid, though not checked)
        "WP0ZZZ99ZTS392124",  # Porsche: a European filler Z at position 9
    ],
)
def test_public_vins_are_accepted_as_they_are(vin: str) -> None:
    assert normalise_vin(vin) == vin


def test_check_digits_of_public_vins() -> None:
    assert check_digit("1M8GDM9AXKP042788") == "X"
    assert check_digit("11111111111111111") == "1"
    assert check_digit("1HGCM82603A004352") == "3"  # position 9 does not count


@pytest.mark.parametrize(
    "written",
    ["1m8gdm9axkp042788", " 1M8-GDM9A-XKP 042788 ", "1M8GDM9AXKP042788\n", full_width("1M8GDM9AXKP042788")],
)
def test_how_people_type_it(written: str) -> None:
    assert normalise_vin(written) == "1M8GDM9AXKP042788"


# --- messages -----------------------------------------------------------------------------------------------


def test_a_wrong_check_digit_says_which_one_is_expected() -> None:
    with pytest.raises(VinError) as caught:
        normalise_vin("1M8GDM9A1KP042788")
    assert caught.value.position == 9
    assert caught.value.params["expected"] == "X"
    assert str(caught.value).startswith("Position 9 is the check digit: it should be X, not 1")


@pytest.mark.parametrize(
    ("vin", "position", "text"),
    [
        ("1M8GDM9AXKPO42788", 12, "Position 12: a VIN never has the letter O (did you mean 0?)."),
        ("IM8GDM9AXKP042788", 1, "Position 1: a VIN never has the letter I (did you mean 1?)."),
        ("1M8GDM9AXKPQ42788", 12, "Position 12: a VIN never has the letter Q (did you mean 0?)."),
        ("1M8GDM9AXKP0427é8", 16, "Position 16: 'é' cannot be in a VIN"),
        ("1M8GDM9AXKP04278#", 17, "Position 17: '#' cannot be in a VIN"),
        ("1M8GDM9AXKP04278\x00", 17, "Position 17: 'U+0000' cannot be in a VIN"),
        ("1M8GDM9AXKP042788O", 18, "Position 18: a VIN never has the letter O"),  # the character first
        ("1M8GDM9AXKP04278", None, "A VIN has 17 characters; this one has 16."),
        ("", None, "A VIN has 17 characters; this one has 0."),
    ],
)
def test_the_message_names_what_is_wrong(vin: str, position: int | None, text: str) -> None:
    with pytest.raises(VinError) as caught:
        normalise_vin(vin)
    assert caught.value.position == position
    assert str(caught.value).startswith(text)
    assert caught.value.message % caught.value.params == str(caught.value)  # a template for translation


def test_the_rule_for_where_the_check_digit_applies() -> None:
    assert all(check_digit_applies(wmi + "SV") for wmi in CHECKED_WMI)
    assert not any(check_digit_applies(wmi + "SV") for wmi in UNCHECKED_WMI + "6789AH")


def test_check_digit_wants_17_characters_of_the_alphabet() -> None:
    with pytest.raises(VinError, match="17 characters"):
        check_digit("1M8GDM9AXKP04278")
    with pytest.raises(VinError, match="Position 2"):
        check_digit("1O8GDM9AXKP042788")
    assert check_digit("1M8GDM9A?KP042788") == "X"  # position 9 is a placeholder here


# --- properties ---------------------------------------------------------------------------------------------


@given(checked_vins())
def test_any_vin_with_its_check_digit_is_accepted_where_it_is_checked(vin: str) -> None:
    assert normalise_vin(vin) == vin


@settings(max_examples=300)
@given(checked_vins(), st.integers(1, 17), chars)
def test_one_changed_character_is_caught_unless_it_transliterates_the_same(
    vin: str, position: int, char: str
) -> None:
    changed = vin[: position - 1] + char + vin[position:]
    if changed == vin:
        return
    still_checked = check_digit_applies(changed)
    same_value = position != 9 and VALUES[char] == VALUES[vin[position - 1]]
    if same_value or not still_checked:  # e.g. A for 1 or J for A (all worth 1); or L for W at position 1
        assert normalise_vin(changed) == changed
    else:
        with pytest.raises(VinError) as caught:
            normalise_vin(changed)
        assert caught.value.position == 9


@given(st.sampled_from(UNCHECKED_WMI), st.lists(chars, min_size=16, max_size=16))
def test_other_regions_are_not_check_digit_checked(first: str, rest: list[str]) -> None:
    vin = first + "".join(rest)
    assert normalise_vin(vin) == vin


@given(checked_vins(), st.integers(0, 16), st.sampled_from("IOQ#é-_*中"))
def test_a_bad_character_is_reported_at_its_position(vin: str, index: int, char: str) -> None:
    bad = vin[:index] + char + vin[index + 1 :]
    if char == "-":  # a dash is a separator: dropped, so the VIN is one short
        with pytest.raises(VinError, match="this one has 16"):
            normalise_vin(bad)
        return
    with pytest.raises(VinError) as caught:
        normalise_vin(bad)
    assert caught.value.position == index + 1
    assert str(caught.value).startswith(f"Position {index + 1}:")


@given(checked_vins(), st.data())
def test_written_variants_normalise_to_the_same_vin(vin: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, 17), max_size=4)))
    pieces = [vin[a:b] for a, b in zip([0, *cuts], [*cuts, 17], strict=True)]
    separator = data.draw(st.sampled_from([" ", "-", "\u3000", "–"]))
    written = separator.join(pieces)
    for variant in (written, written.lower(), full_width(written)):
        assert normalise_vin(variant) == vin


@given(st.text(alphabet=st.sampled_from(ALPHABET + "IOQ -·é\u3000ａ1x"), max_size=20) | st.text(max_size=20))
def test_any_text_gives_a_vin_or_a_vin_error_and_normalising_is_idempotent(text: str) -> None:
    try:
        vin = normalise_vin(text)
    except VinError as error:
        assert str(error)
        assert error.position is None or error.position >= 1
        return
    assert len(vin) == 17 and set(vin) <= set(ALPHABET)
    assert normalise_vin(vin) == vin


@given(st.integers(0, 2**32), st.sampled_from([car[3] for car in samples.CARS]))
def test_the_sample_generator_makes_vins_this_module_accepts(seed: int, wmi: str) -> None:
    vin = samples.random_vin(random.Random(seed), wmi)
    assert normalise_vin(vin) == vin and check_digit_applies(vin)


def _outcome(raw: str) -> str:
    try:
        return normalise_vin(raw)
    except VinError as error:
        return f"error: {error}"


@settings(max_examples=2000)
@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.booleans())
def test_a_canonical_vin_reads_as_the_same_vin_with_a_space_does(vin: str, fix_check_digit: bool) -> None:
    """17 canonical characters skip folding and the character checks; the answer (the VIN or the check-digit
    error) is the one of the long way, taken here by a trailing space."""
    if fix_check_digit:
        vin = vin[:8] + check_digit(vin) + vin[9:]
    assert _outcome(vin) == _outcome(vin + " ")
