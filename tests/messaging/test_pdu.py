"""``ctid.messaging.pdu`` against an independent decoder (smspdudecoder) and the tests' own builder."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from smspdudecoder.easy import read_incoming_sms

from ctid.messaging import pdu
from ctid.messaging.sms_text import GSM7_BASIC, GSM7_EXTENSION, parts
from tests.messaging import pdu_build
from tests.messaging.pdu_build import concat_of, gsm_text_of, submit

CHINESE_120 = (
    "尊敬的张先生您好，您的爱车京A12345的交强险将于2027年1月15日到期，为避免脱保影响出行，"
    "请及时续保。本店续保可享保养优惠，详询服务顾问李经理13912345678。祝您行车平安！本店地址：北京市朝阳区汽车城路188号。拒收请回复R"
)
GSM_200 = (
    "Dear Mr Smith, your car AB12 CDE is due for its annual service on 15/01/2027. "
    "Please call us on +44 20 7946 0000 to book a time that suits you. Reply STOP to opt out. "
    "Many thanks - Main Street Motors."
)


def test_the_classic_vector() -> None:
    """The example every PDU tutorial gives: "hellohello" to 46708251358, no report, VP AA (4 days)."""
    (only,) = pdu.encode_submit(
        "+46708251358", "hellohello", reference=0, validity=timedelta(days=4), status_report=False
    )
    assert only.hex == "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
    assert only.tpdu_length == 23


def test_a_120_character_chinese_message_is_two_ucs2_parts() -> None:
    assert len(CHINESE_120) == 120
    first, second = pdu.encode_submit("+8613912345678", CHINESE_120, reference=0x42)
    assert first.hex.startswith("0071000D91683119325476F80008A7")  # SRR, UDHI, VPF relative; UCS2; a day
    assert first.hex[30:44] == "8C050003420201"  # UDL 140 = 6 + 134; concatenation 0x42, 2 parts, part 1
    assert second.hex[30:44] == "70050003420202"  # UDL 112 = 6 + 106
    assert first.tpdu_length == (len(first.hex) - 2) // 2 == 15 + 140
    texts = []
    for number, part in enumerate((first, second), 1):
        decoded = submit(part.hex)
        assert decoded["smsc"]["length"] == 0
        assert decoded["header"] == {
            "rp": False, "udhi": True, "srr": True, "vpf": 2, "rd": False, "mti": "submit"
        }  # fmt: skip
        assert decoded["recipient"]["number"] == "8613912345678"
        assert decoded["recipient"]["toa"]["ton"] == "international"
        assert decoded["dcs"]["encoding"] == "ucs2"
        assert decoded["validity-hours"] == 24
        assert concat_of(decoded) == (0x42, 2, number)
        texts.append(decoded["user_data"]["data"])
    assert texts == [CHINESE_120[:67], CHINESE_120[67:]]


def test_a_long_gsm_message_is_two_7_bit_parts_with_a_fill_bit() -> None:
    assert len(GSM_200) == 200
    first, second = pdu.encode_submit("13912345678", GSM_200, reference=7)
    assert first.hex.startswith("0071000B81" + "3119325476F8" + "0000A7")  # national number, GSM 7-bit
    udl_at = 2 * (1 + 1 + 1 + 1 + 1 + 6 + 1 + 1 + 1)
    assert int(first.hex[udl_at : udl_at + 2], 16) == 7 + 153  # header (6 octets = 7 septets) + text
    assert int(second.hex[udl_at : udl_at + 2], 16) == 7 + 47
    # The header, then one fill bit: the first text septet "D" (0x44) starts at bit 49.
    assert first.hex[udl_at + 2 : udl_at + 14] == "050003070201"
    assert int(first.hex[udl_at + 14 : udl_at + 16], 16) == (0x44 << 1) & 0xFF
    for number, part in enumerate((first, second), 1):
        decoded = submit(part.hex)
        assert decoded["dcs"]["encoding"] == "gsm"
        assert decoded["recipient"]["toa"]["ton"] != "international"
        assert concat_of(decoded) == (7, 2, number)
        assert decoded["user_data"]["data"] == gsm_text_of(part.hex)
    assert gsm_text_of(first.hex) + gsm_text_of(second.hex) == GSM_200


def test_single_part_messages_carry_no_header() -> None:
    (gsm,) = pdu.encode_submit("+8613912345678", "Your car is ready [bay 3] €50", reference=1)
    decoded = submit(gsm.hex)
    assert not decoded["header"]["udhi"] and decoded["user_data"]["header"] is None
    assert gsm_text_of(gsm.hex) == "Your car is ready [bay 3] €50"
    (ucs2,) = pdu.encode_submit("+8613912345678", "您的车已修好😀", reference=1)
    assert submit(ucs2.hex)["user_data"]["data"] == "您的车已修好😀"


def test_validity_periods() -> None:
    assert pdu.relative_validity(timedelta(minutes=5)) == 0
    assert pdu.relative_validity(timedelta(hours=12)) == 143
    assert pdu.relative_validity(timedelta(hours=12, minutes=30)) == 144
    assert pdu.relative_validity(timedelta(days=1)) == 167
    assert pdu.relative_validity(timedelta(days=2)) == 168
    assert pdu.relative_validity(timedelta(days=30)) == 196
    assert pdu.relative_validity(timedelta(weeks=5)) == 197
    assert pdu.relative_validity(timedelta(weeks=100)) == 255


@pytest.mark.parametrize("number", ["", "+", "139 1234", "+86abc", "１３９"])
def test_a_bad_number_is_refused(number: str) -> None:
    with pytest.raises(ValueError):
        pdu.encode_submit(number, "hi", reference=1)


texts = st.text(
    alphabet=st.one_of(
        st.sampled_from("".join(GSM7_BASIC) + "".join(GSM7_EXTENSION)),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
        st.characters(blacklist_categories=("Cs",)),
    ),
    min_size=1,
    max_size=500,
)
numbers = st.from_regex(r"\+?[0-9]{3,15}", fullmatch=True)


@settings(deadline=None)  # timing is noisy on a shared machine
@given(texts, numbers, st.integers(0, 255))
@example("a" * 152 + "€" * 10, "+8613912345678", 0x1B)  # a reference that reads as an escape septet
@example("中" * 66 + "😀" * 5, "10086", 255)
def test_round_trip_through_the_independent_decoder(text: str, number: str, reference: int) -> None:
    pdus = pdu.encode_submit(number, text, reference=reference)
    cut = parts(text)
    assert len(pdus) == len(cut)
    got = []
    for index, part in enumerate(pdus, 1):
        decoded = submit(part.hex)
        assert part.tpdu_length == len(part.hex) // 2 - 1
        assert decoded["recipient"]["number"] == number.lstrip("+")
        assert concat_of(decoded) == ((reference, len(pdus), index) if len(pdus) > 1 else None)
        if decoded["dcs"]["encoding"] == "gsm":
            got.append(gsm_text_of(part.hex))
        else:
            got.append(decoded["user_data"]["data"])
    assert got == cut


# --- incoming ----------------------------------------------------------------------------------------------

AT = datetime(2026, 12, 7, 20, 30, 5, tzinfo=timezone(timedelta(hours=8)))


@settings(deadline=None)  # timing is noisy on a shared machine
@given(texts, numbers, st.integers(0, 255), st.integers(-48, 56))
def test_deliver_round_trip(text: str, number: str, reference: int, quarters: int) -> None:
    at = AT.replace(tzinfo=timezone(timedelta(minutes=15 * quarters)))
    ucs2 = any(char not in GSM7_BASIC and char not in GSM7_EXTENSION for char in text)
    cut = parts(text)
    assembler = pdu.Assembler()
    done = []
    for index, part in enumerate(cut, 1):
        concat = (reference, len(cut), index) if len(cut) > 1 else None
        hexdata, length = pdu_build.deliver(number, part, at, ucs2=ucs2, concat=concat)
        independent = read_incoming_sms(hexdata)
        assert independent["sender"] == number
        decoded = pdu.decode_deliver(hexdata, length)
        assert decoded.sender == number and decoded.at == at
        assert decoded.text == part
        assert decoded.concat == (pdu.Concat(*concat) if concat else None)
        assert pdu.decode_deliver(hexdata[hexdata.index(hexdata[-2 * length :]) :], length) == decoded
        done += assembler.add(decoded, datetime.now(UTC))
    assert done == [pdu.Assembled(number, text, at)]


def test_parts_arriving_out_of_order_and_interleaved_are_joined_per_sender() -> None:
    assembler = pdu.Assembler()
    now = datetime.now(UTC)
    a = [pdu.Deliver("+8613900000001", t, AT, pdu.Concat(9, 2, i)) for i, t in ((1, "退"), (2, "订"))]
    b = [pdu.Deliver("+8613900000002", t, AT, pdu.Concat(9, 2, i)) for i, t in ((1, "T"), (2, "D"))]
    assert assembler.add(a[1], now) == []
    assert assembler.add(b[0], now) == []
    assert assembler.add(a[0], now) == [pdu.Assembled("+8613900000001", "退订", AT)]
    assert assembler.add(b[1], now) == [pdu.Assembled("+8613900000002", "TD", AT)]


def test_a_message_whose_parts_stop_coming_is_given_up_with_what_came() -> None:
    assembler = pdu.Assembler(keep=timedelta(minutes=10))
    now = datetime.now(UTC)
    assert assembler.add(pdu.Deliver("+861", "退", AT, pdu.Concat(1, 3, 1)), now) == []
    later = pdu.Deliver("+862", "hi", AT)
    assert assembler.add(later, now + timedelta(minutes=11)) == [
        pdu.Assembled("+861", "退", AT),
        pdu.Assembled("+862", "hi", AT),
    ]


def test_an_alphanumeric_sender() -> None:
    # "MMoney" as smspdudecoder's own documentation encodes it.
    hexdata = "00" + "04" + "0BD0CDE6DB5DCE03" + "0000" + "62211270300523" + "02" + "E834"
    decoded = pdu.decode_deliver(hexdata)
    assert decoded.sender == "MMoney" and decoded.text == "hi"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (0x00, pdu.ReportStatus.DELIVERED),
        (0x01, pdu.ReportStatus.DELIVERED),
        (0x20, pdu.ReportStatus.PENDING),
        (0x30, pdu.ReportStatus.PENDING),
        (0x41, pdu.ReportStatus.FAILED),
        (0x62, pdu.ReportStatus.FAILED),
    ],
)
def test_status_reports(status: int, outcome: pdu.ReportStatus) -> None:
    hexdata, length = pdu_build.status_report(0xC8, "+8613912345678", status, AT)
    report = pdu.decode_status_report(hexdata, length)
    assert (report.reference, report.recipient, report.status, report.at) == (
        0xC8,
        "+8613912345678",
        status,
        AT,
    )
    assert report.outcome is outcome
    assert pdu.decode_status_report(hexdata[2:], length) == report  # a modem that leaves the SMSC out


@pytest.mark.parametrize("hexdata", ["", "zz", "00", "0006", "0006C80D91683119", "00" + "04" * 40])
def test_bad_pdus_raise_a_pdu_error(hexdata: str) -> None:
    with pytest.raises(pdu.PduError):
        pdu.decode_status_report(hexdata)
    with pytest.raises(pdu.PduError):
        pdu.decode_deliver(hexdata)


@settings(deadline=None)  # timing is noisy on a shared machine
@given(st.binary(max_size=60))
def test_any_bytes_give_a_message_or_a_pdu_error(data: bytes) -> None:
    for decode in (pdu.decode_deliver, pdu.decode_status_report):
        with contextlib.suppress(pdu.PduError):
            decode(data.hex())
