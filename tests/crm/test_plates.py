"""Plates: every shape in use normalises to itself however it is typed, 8-character plates only as the two
new-energy shapes, never I or O, a short reason for a bad one, and no text ever makes them raise."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.crm.plates import PROVINCES, SUFFIXES, normalise_plate, plate_error
from ctid.sampledata import samples
from ctid.sampledata.bulk_rows import plate_for

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
SMALL_NEV = "ABCDEFGHJK"

province = st.sampled_from(PROVINCES)
letter = st.sampled_from(LETTERS)
digit = st.sampled_from(DIGITS)
serial_char = st.sampled_from(LETTERS + DIGITS)


def joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


blue = joined(province, letter, *[serial_char] * 5)
suffixed = joined(province, letter, *[serial_char] * 4, st.sampled_from(SUFFIXES))
small_nev = joined(province, letter, st.sampled_from(SMALL_NEV), serial_char, *[digit] * 4)
large_nev = joined(province, letter, *[digit] * 5, st.sampled_from("DF"))
embassy = joined(st.just("使"), *[digit] * 6)
plates = blue | suffixed | small_nev | large_nev | embassy


def is_new_energy(serial: str) -> bool:
    """The 6 characters after the office letter, by GA 36 written out plainly (the tests' oracle)."""
    small = serial[0] in SMALL_NEV and serial[1] in LETTERS + DIGITS and serial[2:].isdigit()
    large = serial[:5].isdigit() and serial[5] in "DF"
    return small or large


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


@pytest.mark.parametrize(
    "plate",
    [
        "粤A12345",
        "粤AB1234",
        "粤A6N888",
        "粤AD12345",  # small new energy, battery
        "粤AF12345",  # small new energy, hybrid
        "粤ADF1234",  # the 4th character may be a letter
        "粤AA12345",  # letters A-K since the new-energy series were extended
        "粤AK12345",
        "粤A12345D",  # large new energy
        "粤A12345F",
        "粤B1234学",
        "粤A1234警",
        "粤Z1234港",
        "粤Z1234澳",
        "沪A1234领",
        "使014578",
    ],
)
def test_real_shapes_are_accepted(plate: str) -> None:
    assert normalise_plate(plate) == plate
    assert plate_error(plate) is None


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "The plate is empty."),
        ("日A12345", "A plate starts with a province's abbreviation, such as 粤."),
        ("AB12345", "A plate starts with a province's abbreviation, such as 粤."),
        ("粤AI2345", "Plates never use the letters I and O: type the digits 1 and 0."),
        ("粤O12345", "Plates never use the letters I and O: type the digits 1 and 0."),
        ("粤AD1234O", "Plates never use the letters I and O: type the digits 1 and 0."),
        ("粤112345", "The second character is the issuing office's letter, such as the A in 粤A."),
        ("粤", "The second character is the issuing office's letter, such as the A in 粤A."),
        ("粤A1234", "A plate has 7 characters, or 8 on a green new-energy plate."),
        ("粤A1234567", "A plate has 7 characters, or 8 on a green new-energy plate."),
        ("粤A12#45", "After the office letter, a plate has only letters and digits."),
        ("粤A12三45", "After the office letter, a plate has only letters and digits."),
        ("粤A学1234", "学, 警, 港 and the like are the last of 7 characters."),
        ("粤A12345学", "学, 警, 港 and the like are the last of 7 characters."),
        ("粤AL12345", "An 8-character new-energy plate is like 粤AD12345 or 粤A12345D."),
        ("粤AD1A345", "An 8-character new-energy plate is like 粤AD12345 or 粤A12345D."),
        ("粤A12345E", "An 8-character new-energy plate is like 粤AD12345 or 粤A12345D."),
        ("粤A1234D5", "An 8-character new-energy plate is like 粤AD12345 or 粤A12345D."),
        ("粤AB12345", None),  # B: an extended small new-energy letter
        ("使01457", "An embassy plate is 使 and 6 digits."),
    ],
)
def test_bad_plates_get_a_reason(written: str, reason: str | None) -> None:
    assert plate_error(written) == reason
    assert (normalise_plate(written) is None) == (reason is not None)


@given(plates)
def test_every_shape_normalises_to_itself(plate: str) -> None:
    assert normalise_plate(plate) == plate
    assert plate_error(plate) is None


@given(plates, st.data())
def test_written_variants_normalise_to_the_same_plate(plate: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(1, len(plate) - 1), max_size=3)))
    pieces = [plate[a:b] for a, b in zip([0, *cuts], [*cuts, len(plate)], strict=True)]
    written = data.draw(st.sampled_from([" ", "·", "・", "-", ".", "\u3000", "_"])).join(pieces)
    for variant in (written, written.lower(), full_width(written), f"  {written}\t"):
        assert normalise_plate(variant) == plate


@given(plates, st.data())
def test_i_and_o_are_never_accepted(plate: str, data: st.DataObject) -> None:
    index = data.draw(st.sampled_from([i for i, c in enumerate(plate) if c.isascii()]))
    bad = plate[:index] + data.draw(st.sampled_from("IOio")) + plate[index + 1 :]
    assert normalise_plate(bad) is None
    assert plate_error(bad) == "Plates never use the letters I and O: type the digits 1 and 0."


@settings(max_examples=300)
@given(joined(province, letter, *[serial_char] * 6))
def test_eight_characters_are_accepted_only_as_new_energy_plates(plate: str) -> None:
    assert (normalise_plate(plate) == plate) == is_new_energy(plate[2:])


@settings(max_examples=300)
@given(st.text(max_size=12) | st.text(alphabet=PROVINCES[:3] + SUFFIXES[:3] + "AD19IO使 ·-ａ", max_size=10))
def test_any_text_gives_a_plate_or_a_reason(text: str) -> None:
    plate, reason = normalise_plate(text), plate_error(text)
    assert (plate is None) != (reason is None)
    if plate is not None:
        assert normalise_plate(plate) == plate


@given(st.integers(0, 2**32), st.booleans(), st.sampled_from(samples.PLATE_OFFICES))
def test_the_demo_generator_makes_valid_plates(seed: int, new_energy: bool, office: str) -> None:
    plate = samples.plate(random.Random(seed), new_energy, office)
    assert normalise_plate(plate) == plate


@given(st.integers(0, 10**6), st.booleans())
def test_the_bulk_generator_makes_valid_plates(vehicle_id: int, new_energy: bool) -> None:
    plate = plate_for(vehicle_id, new_energy)
    assert normalise_plate(plate) == plate
