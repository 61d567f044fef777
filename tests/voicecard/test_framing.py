"""The modem framer: lines, DLE events and audio out of noisy bytes cut anywhere."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.voicecard.framing import (
    DTMF_CODES,
    END_PLAYBACK,
    SIGNAL_CODES,
    AudioData,
    AudioEnd,
    DleEvent,
    Item,
    Mode,
    ModemFramer,
    ModemLine,
    clean_text,
    escape_dle,
)

DLE = b"\x10"


def framer_in(mode: Mode, *, dtmf_repeat_s: float = 0.12) -> ModemFramer:
    framer = ModemFramer(dtmf_repeat_s=dtmf_repeat_s)
    framer.set_mode(mode)
    return framer


def lines(items: list[Item]) -> list[str]:
    return [item.text for item in items if isinstance(item, ModemLine)]


def merged(items: list[Item]) -> list[Item]:
    """Adjacent audio chunks as one: chunking may split audio, nothing else."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, AudioData) and out and isinstance(out[-1], AudioData):
            out[-1] = AudioData(out[-1].data + item.data)
        else:
            out.append(item)
    return out


def feed_in_chunks(framer: ModemFramer, data: bytes, cuts: list[int], now: float = 0.0) -> list[Item]:
    items: list[Item] = []
    start = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        items += framer.feed(data[start:cut], now)
        start = max(start, cut)
    return merged(items)


# --- lines --------------------------------------------------------------------------------------------------


def test_every_line_ending_and_blank_lines() -> None:
    data = b"RING\r\n\r\nDATE = 0322\rTIME = 1405\nNMBR = 13912345678\n\rNAME = ZHANG  SAN\r\n"
    assert lines(ModemFramer().feed(data, 0.0)) == [
        "RING",
        "DATE = 0322",
        "TIME = 1405",
        "NMBR = 13912345678",
        "NAME = ZHANG SAN",
    ]


def test_a_partial_line_waits_for_its_end() -> None:
    framer = ModemFramer()
    assert framer.feed(b"NMBR = 139", 0.0) == []
    assert framer.feed(b"12345678", 0.1) == []
    assert framer.feed(b"\r\n", 0.2) == [ModemLine("NMBR = 13912345678")]


def test_noise_and_ansi_escapes_are_dropped() -> None:
    data = b"\x00\xff\x1b[2J\x1b[0;1mRI\x00NG\x07\r\n\x1b7\xff\xffOK\x1b\r\n\x1b[1;31"
    assert ModemFramer().feed(data, 0.0) == [ModemLine("RING"), ModemLine("OK")]


def test_an_unfinished_escape_sequence_does_not_eat_the_next_line() -> None:
    framer = ModemFramer()
    assert framer.feed(b"\x1b[12\r\nRING\r\n", 0.0) == [ModemLine("RING")]


def test_gbk_names_are_decoded_and_invalid_bytes_leave_only_ascii() -> None:
    framer = ModemFramer()
    assert framer.feed("NAME = 张三\r\n".encode("gbk"), 0.0) == [ModemLine("NAME = 张三")]
    assert framer.feed(b"NAME = LI\x81 SI\r\n", 0.0) == [ModemLine("NAME = LI SI")]


def test_an_overlong_line_is_noise_and_the_next_line_is_intact() -> None:
    framer = ModemFramer(max_line=16)
    assert framer.feed(b"X" * 40 + b"\r\nOK\r\n", 0.0) == [ModemLine("OK")]


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown framer mode"):
        ModemFramer().set_mode("fax")  # type: ignore[arg-type]


# --- DLE events ---------------------------------------------------------------------------------------------


def test_dle_events_in_voice_mode_between_and_inside_lines() -> None:
    framer = framer_in("voice")
    data = DLE + b"d" + b"VCON\r\n" + DLE + b"b" + b"O" + DLE + b"H" + b"K\r\n" + DLE + b"!" + DLE + DLE
    assert framer.feed(data, 0.0) == [
        DleEvent("d"),
        ModemLine("VCON"),
        DleEvent("b"),
        DleEvent("H"),
        ModemLine("OK"),
    ]


def test_dle_is_noise_in_command_mode() -> None:
    assert ModemFramer().feed(DLE + b"RING\r\n", 0.0) == [ModemLine("RING")]


def test_a_held_key_gives_one_digit_and_a_new_press_another() -> None:
    framer = framer_in("voice", dtmf_repeat_s=0.12)
    held = [framer.feed(DLE + b"5", now) for now in (0.0, 0.07, 0.14, 0.21)]
    assert [item for items in held for item in items] == [DleEvent("5")]
    assert framer.feed(DLE + b"5", 0.6) == [DleEvent("5")]
    assert framer.feed(DLE + b"6" + DLE + b"5", 0.65) == [DleEvent("6"), DleEvent("5")]
    assert framer.feed(DLE + b"s", 0.66) == [DleEvent("s")]  # signals are never de-duplicated
    assert framer.feed(DLE + b"s", 0.67) == [DleEvent("s")]


# --- audio --------------------------------------------------------------------------------------------------


def test_audio_right_after_connect_in_the_same_chunk() -> None:
    framer = framer_in("voice")
    framer.expect_audio()
    data = b"CONNECT\r\n\x80\x81" + DLE + DLE + b"\x82" + DLE + b"\x1a" + DLE + b"5\x83" + DLE + b"\x03OK\r\n"
    assert framer.feed(data, 0.0) == [
        ModemLine("CONNECT"),
        AudioData(b"\x80\x81\x10\x82\x10\x10"),
        DleEvent("5"),
        AudioData(b"\x83"),
        AudioEnd(),
        ModemLine("OK"),
    ]
    assert framer.mode == "voice"


def test_audio_keeps_cr_lf_nul_and_0xff() -> None:
    framer = framer_in("audio")
    assert framer.feed(b"\r\n\x00\xff\x1b[", 0.0) == [AudioData(b"\r\n\x00\xff\x1b[")]


@settings(max_examples=150)
@given(st.binary(max_size=200), st.lists(st.integers(0, 400), max_size=10))
def test_escaped_audio_comes_back_unchanged_however_it_is_cut(audio: bytes, cuts: list[int]) -> None:
    framer = framer_in("audio")
    items = feed_in_chunks(framer, escape_dle(audio) + END_PLAYBACK, cuts)
    assert items == ([AudioData(audio)] if audio else []) + [AudioEnd()]


# --- properties ---------------------------------------------------------------------------------------------

NOISE = st.sampled_from(
    [
        b"\x00",
        b"\xff",
        b"\x07",
        b"\x7f",
        b"\r",
        b"\n",
        b"\r\n",
        b"\x1b[0m",
        b"\x1b[2J",
        b"\x1b7",
        b"\x1b(B",
        b"\x1bM",
    ]
)
WORD_LINE = st.from_regex(r"[A-Z][A-Z0-9 =_]{1,30}", fullmatch=True)
MODES = st.sampled_from(["command", "voice", "audio"])


@st.composite
def modem_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes, salted with the bytes that steer the framer (CONNECT, DLE codes, ESC, line ends)."""
    pieces = st.one_of(
        st.binary(max_size=20),
        st.sampled_from(
            [b"CONNECT\r\n", b"CONNECT\r", b"\x10\x03", b"\x10\x10", b"\x10\x1a", b"\x1b[", b"\r\n"]
        ),
        st.sampled_from(sorted(DTMF_CODES | SIGNAL_CODES)).map(lambda code: DLE + code.encode()),
    )
    return b"".join(draw(st.lists(pieces, max_size=15)))


def framer_for(mode: Mode, expect_audio: bool) -> ModemFramer:
    framer = framer_in(mode)
    if expect_audio:
        framer.expect_audio()
    return framer


@settings(max_examples=200)
@given(modem_bytes(), st.lists(st.integers(0, 300), max_size=12), MODES, st.booleans())
def test_any_bytes_any_chunking_same_items_all_clean(
    data: bytes, cuts: list[int], mode: Mode, expect_audio: bool
) -> None:
    whole = merged(framer_for(mode, expect_audio).feed(data, 0.0))
    assert feed_in_chunks(framer_for(mode, expect_audio), data, cuts) == whole
    byte_by_byte = framer_for(mode, expect_audio)
    assert merged([item for byte in data for item in byte_by_byte.feed(bytes([byte]), 0.0)]) == whole
    for item in whole:
        if isinstance(item, ModemLine):
            assert item.text and item.text == item.text.strip() == clean_text(item.text)
            assert all(unicodedata.category(char)[0] != "C" for char in item.text)
        elif isinstance(item, DleEvent):
            assert item.code in DTMF_CODES | SIGNAL_CODES


@settings(max_examples=150)
@given(st.lists(st.tuples(st.lists(NOISE, max_size=3), WORD_LINE, st.lists(NOISE, max_size=3)), max_size=8))
def test_noise_between_lines_is_dropped(parts: list[tuple[list[bytes], str, list[bytes]]]) -> None:
    data = b"".join(
        b"".join(before) + line.encode() + b"".join(after) + b"\r\n" for before, line, after in parts
    )
    expected = [" ".join(line.split()) for _, line, _ in parts if line.strip()]
    assert lines(ModemFramer().feed(data, 0.0)) == expected


@settings(max_examples=100)
@given(st.lists(st.one_of(WORD_LINE, st.sampled_from(sorted(DTMF_CODES | SIGNAL_CODES))), max_size=10))
def test_dle_events_and_lines_interleave_in_order(parts: list[str]) -> None:
    data = b"".join(DLE + part.encode() if len(part) == 1 else part.encode() + b"\r\n" for part in parts)
    expected: list[Item] = []
    last_digit = None
    for part in parts:
        if len(part) > 1:
            expected.append(ModemLine(" ".join(part.split())))
        elif part not in DTMF_CODES:
            expected.append(DleEvent(part))
        elif part != last_digit:  # at the same instant, the same digit again is the key still held
            expected.append(DleEvent(part))
            last_digit = part
    assert framer_in("voice").feed(data, 0.0) == expected
