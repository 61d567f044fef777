"""Caller ID: FSK frames (TELEPHONY.md's public vectors), DTMF caller ID, the modem's formatted lines."""

from __future__ import annotations

import contextlib
import dataclasses
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.voicecard.callerid import (
    CallerId,
    CallerIdUpdate,
    FormattedCallerIdParser,
    FrameError,
    decode_dtmf,
    decode_frame,
)

SDMF_NUMBER = "04133033323231343035313339313233343536373817"
MDMF_ZHANG_SAN = "802201083033323231343035020B303231363838383132333407095A48414E472053414EF2"
MDMF_PRIVATE = "80100108303332323134303504015008015028"
MDMF_OUT_OF_AREA = "80100108303332323134303504014F08014F2A"
SDMF_PRIVATE = "040930333232313430355012"
SDMF_OUT_OF_AREA = "040930333232313430354F13"
MDMF_BAD_CHECKSUM = MDMF_ZHANG_SAN[:-2] + "F3"


def frame(kind: int, body: bytes, *, checksum: bool = True) -> bytes:
    """A frame as an exchange sends it: type, length, body, two's-complement checksum."""
    head = bytes([kind, len(body)]) + body
    return head + bytes([-sum(head) % 256]) if checksum else head


def param(kind: int, value: bytes) -> bytes:
    return bytes([kind, len(value)]) + value


def assert_clean(caller_id: CallerId) -> None:
    """No output string may carry control characters, mojibake markers or stray whitespace."""
    for name, value in dataclasses.asdict(caller_id).items():
        if isinstance(value, str):
            assert value == value.strip(), name
            assert "\ufffd" not in value, name
            assert all(unicodedata.category(char)[0] != "C" for char in value), (name, value)


# --- public vectors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_frame", "expected"),
    [
        (SDMF_NUMBER, CallerId(format="sdmf", when="03221405", number="13912345678")),
        (MDMF_ZHANG_SAN, CallerId(format="mdmf", when="03221405", number="02168881234", name="ZHANG SAN")),
        (MDMF_PRIVATE, CallerId(format="mdmf", when="03221405", reason="private", name_reason="private")),
        (
            MDMF_OUT_OF_AREA,
            CallerId(format="mdmf", when="03221405", reason="unavailable", name_reason="unavailable"),
        ),
        (SDMF_PRIVATE, CallerId(format="sdmf", when="03221405", reason="private")),
        (SDMF_OUT_OF_AREA, CallerId(format="sdmf", when="03221405", reason="unavailable")),
    ],
)
def test_public_vectors_decode(hex_frame: str, expected: CallerId) -> None:
    assert decode_frame(bytes.fromhex(hex_frame)) == expected


def test_public_bad_checksum_vector_is_rejected() -> None:
    with pytest.raises(FrameError, match="bad checksum"):
        decode_frame(bytes.fromhex(MDMF_BAD_CHECKSUM))


# --- frame errors and edge cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "truncated frame"),
        (b"\x80", "truncated frame"),
        (frame(0x81, b"abc"), "unknown message type 0x81"),
        (frame(0x80, param(0x02, b"139"))[:-3], "truncated frame"),
        (frame(0x80, param(0x02, b"139")) + b"\x00", "after the checksum"),
        (frame(0x80, b"\x02\x05139"), "truncated parameter 0x02"),
        (frame(0x80, b"\x02"), "truncated parameter 0x02: no length byte"),
        (frame(0x04, b"0322"), "SDMF call frame of 4 byte"),
        (frame(0x06, b"XYZ"), "unknown SDMF message-waiting code"),
        (frame(0x80, param(0x02, b"139"), checksum=False), "missing checksum"),
    ],
)
def test_frame_errors_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        decode_frame(data)


def test_missing_checksum_accepted_for_mdmf_only_when_allowed_and_flagged_unverified() -> None:
    data = frame(0x80, param(0x01, b"03221405") + param(0x02, b"13912345678"), checksum=False)
    caller_id = decode_frame(data, allow_missing_checksum=True)
    assert (caller_id.number, caller_id.unverified) == ("13912345678", True)
    assert decode_frame(frame(0x80, param(0x02, b"139")), allow_missing_checksum=True).unverified is False
    with pytest.raises(FrameError, match="missing checksum"):
        decode_frame(frame(0x04, b"0322140513912345678", checksum=False), allow_missing_checksum=True)


def test_unknown_parameters_are_skipped_and_the_first_repeat_wins() -> None:
    body = param(0x99, b"\x00\x10\xff") + param(0x02, b"13912345678") + param(0x11, b"\x01")
    body += param(0x02, b"O") + param(0x06, b"L") + param(0x03, b"02088881234")
    caller_id = decode_frame(frame(0x80, body))
    assert caller_id == CallerId(
        format="mdmf", number="13912345678", long_distance=True, called_number="02088881234"
    )


def test_chinese_name_is_decoded_as_gbk() -> None:
    caller_id = decode_frame(frame(0x80, param(0x07, "张三汽修".encode("gbk"))))
    assert caller_id.name == "张三汽修"


def test_name_not_valid_in_the_encoding_keeps_only_its_ascii_no_mojibake() -> None:
    caller_id = decode_frame(frame(0x80, param(0x07, b"LI\xff\x81 SI\x07")))
    assert caller_id.name == "LI SI"


def test_latin1_name_outside_china() -> None:
    caller_id = decode_frame(frame(0x80, param(0x07, "JOSÉ\x85".encode("latin-1"))), name_encoding="latin-1")
    assert caller_id.name == "JOSÉ"


@pytest.mark.parametrize(
    ("data", "waiting", "count"),
    [
        (frame(0x82, param(0x0B, b"\xff") + param(0x13, b"\x03")), True, 3),
        (frame(0x82, param(0x0B, b"\x00")), False, None),
        (frame(0x06, b"BBB"), True, None),
        (frame(0x06, b"ooo"), False, None),
    ],
)
def test_message_waiting(data: bytes, waiting: bool, count: int | None) -> None:
    caller_id = decode_frame(data)
    assert (caller_id.message_waiting, caller_id.message_count, caller_id.identifies) == (
        waiting,
        count,
        False,
    )


# --- DTMF caller ID -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "number", "reason"),
    [
        ("A13912345678C", "13912345678", None),
        ("D02088881234#", "02088881234", None),
        ("A02088881234#", "02088881234", None),
        ("a 139 1234 5678 c", "13912345678", None),
        ("B00", None, "unavailable"),
        ("B10C", None, "private"),
        ("D1#", None, "private"),
        ("D3#", None, "unavailable"),
    ],
)
def test_dtmf_caller_id(digits: str, number: str | None, reason: str | None) -> None:
    caller_id = decode_dtmf(digits)
    assert (caller_id.number, caller_id.reason, caller_id.format) == (number, reason, "dtmf")


@pytest.mark.parametrize("digits", ["", "13912345678", "A1C", "B99", "C123C", "A12345C9"])
def test_dtmf_garbage_is_a_frame_error(digits: str) -> None:
    with pytest.raises(FrameError):
        decode_dtmf(digits)


# --- formatted output ---------------------------------------------------------------------------------------


def feed_all(parser: FormattedCallerIdParser, lines: list[str]) -> list[CallerIdUpdate | None]:
    return [parser.feed(line) for line in lines]


def test_number_identifies_at_once_and_a_following_name_is_an_update() -> None:
    parser = FormattedCallerIdParser()
    updates = feed_all(parser, ["RING", "", "DATE = 0322", "TIME = 1405", "NMBR = 13912345678"])
    assert updates[:3] == [None, None, None]
    assert updates[3] is not None and updates[3].changed == {"when"}
    number = updates[4]
    assert number is not None and number.changed == {"number"} and number.caller_id.identifies
    assert number.caller_id == CallerId(format="formatted", when="03221405", number="13912345678")
    name = parser.feed("NAME = ZHANG SAN")
    assert name is not None and name.changed == {"name"} and name.caller_id.name == "ZHANG SAN"
    assert parser.feed("RING") is None


@pytest.mark.parametrize(
    "line", ["NMBR=13912345678", "DDN_NMBR= 13912345678", "DDN =13912345678", "NBR = 13912345678"]
)
def test_number_tag_spellings(line: str) -> None:
    update = FormattedCallerIdParser().feed(line)
    assert update is not None and update.caller_id.number == "13912345678"


def test_the_first_number_wins_over_a_second_nmbr() -> None:
    parser = FormattedCallerIdParser()
    feed_all(parser, ["NMBR = 13912345678"])
    assert parser.feed("NMBR = O") is None
    assert parser.feed("DDN_NMBR = 02088881234") is None
    assert parser.caller_id is not None and parser.caller_id.number == "13912345678"


@pytest.mark.parametrize(("code", "reason"), [("P", "private"), ("O", "unavailable"), ("A", "anonymous")])
def test_number_reasons(code: str, reason: str) -> None:
    parser = FormattedCallerIdParser()
    update = parser.feed(f"NMBR = {code}")
    assert update is not None and update.caller_id.reason == reason and update.caller_id.number is None
    assert parser.feed("NMBR = 13912345678") is None


def test_unformatted_mesg_frame_is_decoded() -> None:
    update = FormattedCallerIdParser().feed(f"MESG = {MDMF_ZHANG_SAN}")
    assert update is not None
    assert update.caller_id == CallerId(
        format="mdmf", when="03221405", number="02168881234", name="ZHANG SAN"
    )
    assert update.changed == {"when", "number", "name"}


def test_mesg_frame_with_bad_checksum_gives_an_error_not_a_number() -> None:
    update = FormattedCallerIdParser().feed(f"MESG = {MDMF_BAD_CHECKSUM}")
    assert update is not None and update.changed == {"error"}
    assert update.caller_id.number is None and "bad checksum" in (update.caller_id.error or "")


def test_mesg_with_parameters_the_modem_did_not_understand() -> None:
    parser = FormattedCallerIdParser()
    parser.feed("NMBR = 13912345678")
    update = parser.feed("MESG = 06014C")  # qualifier: long distance
    assert update is not None and update.changed == {"long_distance"}
    assert parser.feed("MESG = 040150") is None  # a reason after the number changes nothing


def test_calid_mesg_reports_a_seizure_without_a_frame() -> None:
    update = FormattedCallerIdParser().feed("MESG = CALID_202")
    assert update is not None and not update.caller_id.identifies
    assert "no valid frame" in (update.caller_id.error or "")


def test_a_date_after_a_number_starts_the_next_call_and_reset_forgets() -> None:
    parser = FormattedCallerIdParser()
    feed_all(parser, ["DATE = 0322", "TIME = 1405", "NMBR = 13912345678"])
    feed_all(parser, ["DATE = 0322", "TIME = 1410"])
    update = parser.feed("NMBR = 02088881234")
    assert update is not None and update.caller_id.number == "02088881234"
    parser.reset()
    assert parser.caller_id is None


def new_blocks(parser: FormattedCallerIdParser, lines: list[str], now: float | None = None) -> list[bool]:
    """Whether each line's update (for the lines that make one) starts a new block."""
    return [u.new_block for line in lines if (u := parser.feed(line, now)) is not None]


def test_a_block_says_new_block_on_its_first_update_only() -> None:
    parser = FormattedCallerIdParser()
    assert new_blocks(parser, ["DATE = 0322", "TIME = 1405", "NMBR = 13912345678", "NAME = ZHANG SAN"]) == [
        True,
        False,
        False,
    ]


@pytest.mark.parametrize(
    "second",
    [
        ["TIME = 1406", "NMBR = 13912345678"],  # any order: the repeated TIME starts it
        [f"MESG = {SDMF_NUMBER}"],  # a frame after a frame
    ],
    ids=["time again", "frame again"],
)
def test_a_repeated_date_time_or_frame_starts_a_new_block(second: list[str]) -> None:
    parser = FormattedCallerIdParser()
    first = ["TIME = 1405", "DATE = 0322", "NMBR = 13912345678"] if "TIME" in second[0] else [second[0]]
    assert new_blocks(parser, first)[0]
    assert new_blocks(parser, second)[0]
    assert parser.caller_id is not None and parser.caller_id.number == "13912345678"


def test_after_a_ring_a_number_starts_the_next_block_but_a_name_completes_this_one() -> None:
    parser = FormattedCallerIdParser()
    new_blocks(parser, ["NMBR = 13912345678"])
    parser.ring()
    assert new_blocks(parser, ["NAME = ZHANG SAN"]) == [False]
    assert new_blocks(parser, ["NMBR = 13912345678"]) == [True], "the same caller again: another block"
    assert parser.caller_id == CallerId(format="formatted", number="13912345678")


def test_a_ring_before_the_block_identifies_does_not_cut_it() -> None:
    parser = FormattedCallerIdParser()
    new_blocks(parser, ["DATE = 0322"])
    parser.ring()
    assert new_blocks(parser, ["TIME = 1405", "NMBR = 13912345678"]) == [True, False]
    assert parser.caller_id == CallerId(format="formatted", when="03221405", number="13912345678")


def test_lines_seconds_apart_are_two_blocks_but_a_late_name_is_not() -> None:
    parser = FormattedCallerIdParser()
    assert new_blocks(parser, ["NMBR = 13912345678"], now=10.0) == [True]
    assert new_blocks(parser, ["NMBR = O"], now=10.01) == [], "a second NMBR in the same burst"
    assert new_blocks(parser, ["NAME = ZHANG SAN"], now=15.0) == [False]
    assert new_blocks(parser, ["NMBR = 02088881234"], now=30.0) == [True]
    assert parser.caller_id is not None and parser.caller_id.number == "02088881234"


def test_time_before_date_still_makes_when() -> None:
    parser = FormattedCallerIdParser()
    feed_all(parser, ["TIME = 1405", "DATE = 0322"])
    assert parser.caller_id is not None and parser.caller_id.when == "03221405"


@pytest.mark.parametrize(
    "line", ["OK", "RING", "CONNECT", "", "NMBR", "NMBR =", "DATE = 32", "FOO = 1", "TIME = 1405"]
)
def test_lines_that_change_nothing(line: str) -> None:
    assert FormattedCallerIdParser().feed(line) is None


# --- properties ---------------------------------------------------------------------------------------------

PARAM_TYPES = st.sampled_from([0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08, 0x0B, 0x11, 0x13, 0x42])


@st.composite
def valid_frames(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        date = draw(st.from_regex(r"[0-9]{8}", fullmatch=True)).encode()
        number = draw(st.from_regex(r"[0-9]{0,20}|P|O", fullmatch=True)).encode()
        return frame(0x04, date + number)
    params = draw(st.lists(st.tuples(PARAM_TYPES, st.binary(max_size=24)), max_size=8))
    return frame(draw(st.sampled_from([0x80, 0x82])), b"".join(param(kind, value) for kind, value in params))


@settings(max_examples=300)
@given(st.binary(max_size=64), st.booleans())
def test_random_bytes_decode_or_raise_frame_error(data: bytes, allow_missing: bool) -> None:
    try:
        caller_id = decode_frame(data, allow_missing_checksum=allow_missing)
    except FrameError:
        return
    assert_clean(caller_id)


@settings(max_examples=200)
@given(valid_frames(), st.data(), st.booleans())
def test_any_single_byte_corruption_of_a_valid_frame_is_rejected(
    data: bytes, draw: st.DataObject, allow_missing: bool
) -> None:
    assert_clean(decode_frame(data))
    index = draw.draw(st.integers(0, len(data) - 1))
    value = draw.draw(st.integers(0, 255).filter(lambda byte: byte != data[index]))
    corrupted = data[:index] + bytes([value]) + data[index + 1 :]
    with pytest.raises(FrameError):
        decode_frame(corrupted, allow_missing_checksum=allow_missing)


@settings(max_examples=100)
@given(valid_frames())
def test_a_dropped_byte_is_rejected(data: bytes) -> None:
    for index in range(len(data) - 1):  # dropping only the checksum is the allow_missing_checksum case
        with pytest.raises(FrameError):
            decode_frame(data[:index] + data[index + 1 :])


LINE_TEXT = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{} {} {}".format,
        st.sampled_from(["NMBR", "NAME", "DATE", "TIME", "MESG", "DDN_NMBR", "nbr"]),
        st.sampled_from(["=", " = ", "="]),
        st.one_of(st.text(max_size=30), st.binary(max_size=30).map(bytes.hex), valid_frames().map(bytes.hex)),
    ),
)


@settings(max_examples=200)
@given(st.lists(LINE_TEXT, max_size=12))
def test_formatted_parser_never_raises_reports_every_change_and_keeps_the_first_number(
    lines: list[str],
) -> None:
    parser = FormattedCallerIdParser()
    for line in lines:
        before = parser.caller_id
        update = parser.feed(line)
        after = parser.caller_id
        if update is None:
            assert after in (before, None)  # nothing new, or a new block that says nothing yet (a DATE)
            continue
        assert after is not None and update.caller_id == after and update.changed
        assert_clean(after)
        if before is not None and before.identifies and not update.new_block:
            assert (after.number, after.reason) == (before.number, before.reason)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789ABCD*# \x00\n", max_size=24))
def test_dtmf_decoder_decodes_or_raises_frame_error(digits: str) -> None:
    with contextlib.suppress(FrameError):
        assert_clean(decode_dtmf(digits))
