"""``ctid.messaging.sms_text``: the encoding, the length and the parts a text is sent in."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from smspdudecoder.codecs import GSM

from ctid.messaging.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    PART,
    SINGLE,
    Encoding,
    SmsCount,
    count,
    encoding_for,
    not_gsm7,
    parts,
)

GSM_CHARS = "".join(GSM7_BASIC) + "".join(GSM7_EXTENSION)
gsm_text = st.text(alphabet=GSM_CHARS, max_size=700)
# Chinese, emoji (beyond the BMP: a surrogate pair in UTF-16), GSM characters and the extension table mixed.
any_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(GSM_CHARS),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=400,
)


def units(text: str, encoding: Encoding) -> int:
    """The length counted independently: septets by the decoder's own table, UTF-16 by Python's codec."""
    if encoding is Encoding.GSM7:
        return sum(1 if char in GSM.ALPHABET else 2 for char in text)
    return len(text.encode("utf-16-be")) // 2


def test_the_tables_are_the_decoders_tables() -> None:
    assert {char: GSM.ALPHABET.index(char) for char in GSM7_BASIC} == GSM7_BASIC
    assert len(GSM7_BASIC) == 127 and "\x1b" not in GSM7_BASIC
    assert GSM7_EXTENSION == GSM.ALPHABET_EXT_INV


def test_the_limits() -> None:
    assert count("a" * 160) == SmsCount(Encoding.GSM7, 160, 1)
    assert count("a" * 161) == SmsCount(Encoding.GSM7, 161, 2)
    assert count("a" * 306) == SmsCount(Encoding.GSM7, 306, 2)
    assert count("a" * 307).parts == 3
    assert count("中" * 70) == SmsCount(Encoding.UCS2, 70, 1)
    assert count("中" * 71) == SmsCount(Encoding.UCS2, 71, 2)
    assert count("中" * 134).parts == 2
    assert count("中" * 135).parts == 3
    assert count("中" * 120) == SmsCount(Encoding.UCS2, 120, 2)
    assert count("") == SmsCount(Encoding.GSM7, 0, 0) and parts("") == []
    assert count("a" * 161).per_part == 153 and count("a").per_part == 160
    assert count("中" * 71).per_part == 67 and count("中").per_part == 70


def test_extension_characters_count_two_septets() -> None:
    assert count("€" * 80) == SmsCount(Encoding.GSM7, 160, 1)
    assert count("€" * 80 + "a").parts == 2
    assert count("[]{}~^\\|€\f") == SmsCount(Encoding.GSM7, 20, 1)


def test_one_foreign_character_makes_the_whole_text_ucs2() -> None:
    assert encoding_for("Hello é") is Encoding.GSM7
    assert encoding_for("Hello á") is Encoding.UCS2
    assert encoding_for("您好") is Encoding.UCS2
    assert not_gsm7("Hi 您好 您 ` x") == ["您", "好", "`"]


def test_an_escape_is_never_split_from_its_code() -> None:
    text = "a" * 152 + "€" + "b" * 10
    cut = parts(text)
    assert cut == ["a" * 152, "€" + "b" * 10]


def test_a_surrogate_pair_is_never_split() -> None:
    text = "中" * 66 + "😀" + "中" * 5
    cut = parts(text)
    assert cut == ["中" * 66, "😀" + "中" * 5]
    assert count("😀" * 35) == SmsCount(Encoding.UCS2, 70, 1)
    assert count("😀" * 36).parts == 2


@settings(deadline=None)  # timing is noisy on a shared machine
@given(any_text)
@example("中" * 66 + "😀" * 3)
@example("a" * 152 + "€" * 3)
def test_parts_make_up_the_text_within_their_room(text: str) -> None:
    cut = parts(text)
    counted = count(text)
    encoding = encoding_for(text)
    assert "".join(cut) == text
    assert counted.parts == len(cut)
    assert counted.length == units(text, encoding)
    if not text:
        assert cut == []
    elif units(text, encoding) <= SINGLE[encoding]:
        assert cut == [text]
    else:
        assert all(0 < units(part, encoding) <= PART[encoding] for part in cut)
        # Greedy: each part but the last is full to within one character.
        assert all(units(part, encoding) > PART[encoding] - 2 for part in cut[:-1])


@settings(deadline=None)  # timing is noisy on a shared machine
@given(gsm_text)
def test_gsm_text_stays_gsm(text: str) -> None:
    assert encoding_for(text) is Encoding.GSM7
    assert not_gsm7(text) == []
    assert GSM.decode(GSM.encode(text)).startswith(text)
