"""``GsmModemSender`` over the real serial transport against the fake GSM modem on a pty."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.core.config import GsmModemSmsOptions
from ctid.messaging.gsm_modem import AtChannel, GsmModemSender, GsmTiming, PduLine, Stored, cms_error
from ctid.messaging.senders import DeliveryReport, DeliveryStatus, IncomingSms, Outgoing
from tests.messaging import pdu_build
from tests.messaging.fake_gsm import FakeGsmModem, describe, read_log
from tests.support.waiting import wait_until

CHINESE_120 = "尊敬的车主您好，" * 15
GSM_200 = "Your car is due for its annual service. Please call us to book a time. " * 3
FAST = GsmTiming(command_s=2.0, prompt_s=2.0, answer_s=3.0, reopen_min_s=0.02, reopen_max_s=0.1)
AT = datetime(2026, 12, 7, 20, 30, tzinfo=timezone(timedelta(hours=8)))


class Recorded:
    def __init__(self) -> None:
        self.reports: list[DeliveryReport] = []
        self.incoming: list[IncomingSms] = []

    async def on_delivery(self, report: DeliveryReport) -> None:
        self.reports.append(report)

    async def on_incoming(self, message: IncomingSms) -> None:
        self.incoming.append(message)


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeGsmModem]:
    modem = FakeGsmModem(tmp_path / "ttyGSM0", tmp_path / "pdus.log")
    modem.plug()
    yield modem
    modem.unplug()


@pytest.fixture
def recorded() -> Recorded:
    return Recorded()


@pytest.fixture
async def sender(fake: FakeGsmModem, recorded: Recorded) -> AsyncIterator[GsmModemSender]:
    options = GsmModemSmsOptions(device=str(fake.path), watchdog_s=60)
    gsm = GsmModemSender("modem", options, recorded.on_delivery, recorded.on_incoming, timing=FAST)
    await gsm.start()
    assert await gsm.wait_ready(5), gsm.problem
    yield gsm
    await gsm.stop()


def sent(fake: FakeGsmModem) -> list[dict[str, object]]:
    assert fake.log_path is not None
    return [describe(hexdata) for _, hexdata in read_log(fake.log_path)]


async def test_initialises_pdu_mode_reports_and_new_message_notices(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    assert fake.state.pdu_mode and not fake.state.echo
    assert fake.state.cnmi == "2,1,0,1,0"
    assert "AT+CMEE=1" in fake.commands


async def test_a_120_character_chinese_message_goes_as_two_ucs2_parts(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    result = await sender.send(Outgoing(ref=1001, number="+8613912345678", text=CHINESE_120))
    assert result.ok, result.error
    assert result.provider_ids == tuple(str(a.mr) for a in fake.accepted) and len(result.provider_ids) == 2
    first, second = sent(fake)
    assert first["recipient"] == second["recipient"] == "+8613912345678"
    assert first["encoding"] == second["encoding"] == "ucs2"
    assert first["concat"] == (1001 & 0xFF, 2, 1) and second["concat"] == (1001 & 0xFF, 2, 2)
    assert first["status_report"] is True
    assert first["text"] == CHINESE_120[:67] and first["text"] + second["text"] == CHINESE_120


async def test_a_long_gsm_message_goes_as_two_7_bit_parts(sender: GsmModemSender, fake: FakeGsmModem) -> None:
    result = await sender.send(Outgoing(ref=7, number="13912345678", text=GSM_200))
    assert result.ok, result.error
    first, second = sent(fake)
    assert first["encoding"] == "gsm" and first["recipient"] == "13912345678"
    assert (first["concat"], second["concat"]) == ((7, 2, 1), (7, 2, 2))
    assert first["text"] + second["text"] == GSM_200 and len(str(first["text"])) == 153


async def test_a_cms_error_is_reported_with_words_and_whether_to_retry(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    fake.script.cms_errors = [42]
    busy = await sender.send(Outgoing(ref=1, number="+8613912345678", text="Hello"))
    assert not busy.ok and busy.retryable and "congestion" in busy.error and "42" in busy.error
    again = await sender.send(Outgoing(ref=1, number="+8613912345678", text="Hello"))
    assert again.ok and len(read_log(fake.log_path or Path())) == 1
    fake.script.cms_errors = [1]
    refused = await sender.send(Outgoing(ref=2, number="+8613900000000", text="Hello"))
    assert not refused.ok and not refused.retryable and "unassigned" in refused.error


async def test_a_part_refused_stops_the_message_and_says_which(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    fake.script.cms_errors = [None, 332]  # the first part passes, the second is refused
    result = await sender.send(Outgoing(ref=3, number="+8613912345678", text=CHINESE_120))
    assert not result.ok and result.retryable and result.error.startswith("part 2 of 2: ")
    assert result.provider_ids == (str(fake.accepted[0].mr),)


def test_cms_error_words() -> None:
    assert cms_error("500") == ("+CMS ERROR 500: unknown error", True)
    assert cms_error("28")[1] is False
    assert cms_error("513") == ("+CMS ERROR 513: vendor-specific error", True)
    assert cms_error("SIM busy") == ("+CMS ERROR: SIM busy", True)


async def test_a_slow_prompt_is_waited_for(sender: GsmModemSender, fake: FakeGsmModem) -> None:
    fake.script.prompt_delay_s = 0.8
    fake.script.answer_delay_s = 0.5
    result = await sender.send(Outgoing(ref=4, number="+8613912345678", text="Slow but sure"))
    assert result.ok and sent(fake)[0]["text"] == "Slow but sure"


async def test_a_prompt_that_never_comes_is_cancelled_and_the_modem_stays_usable(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    fake.script.prompt_delay_s = None
    result = await sender.send(Outgoing(ref=5, number="+8613912345678", text="Lost in the modem"))
    assert not result.ok and result.retryable and "prompt" in result.error
    await wait_until(lambda: fake.cancelled == 1, 3, "the ESC that cancels the message")
    fake.script.prompt_delay_s = 0.0
    assert await sender.wait_ready(5)  # opened afresh: no late answer can be taken for the next command's
    again = await sender.send(Outgoing(ref=5, number="+8613912345678", text="Lost in the modem"))
    assert again.ok and [m["text"] for m in sent(fake)] == ["Lost in the modem"]


async def test_an_answer_that_never_comes_is_a_retryable_maybe(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    """No +CMGS within the time: the message may have gone out; the modem is opened afresh, and its late
    answer is not taken for the next message's."""
    fake.script.answer_delay_s = 3.5  # FAST waits 3 s
    result = await sender.send(Outgoing(ref=6, number="+8613912345678", text="Slow network"))
    assert not result.ok and result.retryable and "may have been sent" in result.error
    fake.script.answer_delay_s = 0.0
    assert await sender.wait_ready(5)
    again = await sender.send(Outgoing(ref=7, number="+8613912345678", text="Next one"))
    assert again.ok and again.provider_ids == (str(fake.accepted[-1].mr),)


async def test_messages_back_to_back_each_go_once(sender: GsmModemSender, fake: FakeGsmModem) -> None:
    texts = [f"Message {i} 您好" for i in range(6)]
    results = await asyncio.gather(
        *(sender.send(Outgoing(ref=100 + i, number="+8613912345678", text=t)) for i, t in enumerate(texts))
    )
    assert all(r.ok for r in results)
    assert sorted(m["text"] for m in sent(fake)) == sorted(texts)
    assert len({r.provider_ids for r in results}) == 6


async def test_delivery_reports_name_the_part_by_its_reference(
    sender: GsmModemSender, fake: FakeGsmModem, recorded: Recorded
) -> None:
    result = await sender.send(Outgoing(ref=9, number="+8613912345678", text="Report me"))
    (mr,) = result.provider_ids
    fake.status_report(int(mr), "+8613912345678", 0x00, AT)
    fake.status_report(int(mr), "+8613912345678", 0x41, AT)
    await wait_until(lambda: len(recorded.reports) == 2, 3, "two delivery reports")
    delivered, failed = recorded.reports
    assert delivered == DeliveryReport("modem", mr, DeliveryStatus.DELIVERED, AT.astimezone(UTC))
    assert failed.status is DeliveryStatus.FAILED


async def test_unsolicited_lines_between_the_prompt_and_the_answer(
    sender: GsmModemSender, fake: FakeGsmModem, recorded: Recorded
) -> None:
    """A report and a new message announced while the modem is busy with a message: both are handled and
    the message's answer is still its own."""
    fake.receive_sms("+8613900000001", "TD", AT, announce=False)
    hexdata, length = pdu_build.status_report(77, "+8613912345678", 0x00, AT)
    fake.script.before_answer = [f"\r\n+CDS: {length}\r\n{hexdata}\r\n".encode(), b'\r\n+CMTI: "SM",1\r\n']
    result = await sender.send(Outgoing(ref=10, number="+8613912345678", text="Busy modem"))
    assert result.ok and result.provider_ids == (str(fake.accepted[0].mr),)
    await wait_until(lambda: recorded.reports and recorded.incoming, 3, "the report and the reply")
    assert recorded.reports[0].provider_id == "77"
    assert recorded.incoming == [IncomingSms("modem", "+8613900000001", "TD", AT.astimezone(UTC))]
    await wait_until(lambda: not fake.sim, 3, "the read message deleted from the SIM")


async def test_a_reply_in_two_parts_is_joined(
    sender: GsmModemSender, fake: FakeGsmModem, recorded: Recorded
) -> None:
    fake.receive_sms("+8613900000002", "不要再发了，", AT, concat=(5, 2, 2))
    fake.receive_sms("+8613900000002", "退订", AT, concat=(5, 2, 1))
    await wait_until(lambda: recorded.incoming, 3, "the joined reply")
    assert [m.text for m in recorded.incoming] == ["退订不要再发了，"]
    await wait_until(lambda: not fake.sim, 3, "both parts deleted")


async def test_stored_reports_and_direct_messages(
    sender: GsmModemSender, fake: FakeGsmModem, recorded: Recorded
) -> None:
    """Modems that store reports (``+CDSI``) or route messages straight to the port (``+CMT``)."""
    fake.stored_status_report(31, "+8613912345678", 0x00, AT)
    fake.direct_sms("+8613900000004", "退订", AT)
    await wait_until(lambda: recorded.reports and recorded.incoming, 3, "the report and the message")
    assert recorded.reports[0].provider_id == "31" and recorded.incoming[0].text == "退订"
    await wait_until(lambda: not fake.sim, 3, "the stored report deleted")


async def test_messages_stored_while_away_are_read_at_start(
    fake: FakeGsmModem, recorded: Recorded, tmp_path: Path
) -> None:
    fake.receive_sms("+8613900000003", "R", AT, announce=False)
    options = GsmModemSmsOptions(device=str(fake.path))
    gsm = GsmModemSender("modem", options, recorded.on_delivery, recorded.on_incoming, timing=FAST)
    await gsm.start()
    try:
        await wait_until(lambda: recorded.incoming, 5, "the stored reply")
        assert recorded.incoming[0].text == "R" and recorded.incoming[0].number == "+8613900000003"
        await wait_until(lambda: not fake.sim, 3, "the stored reply deleted")
    finally:
        await gsm.stop()


async def test_an_unplugged_modem_is_not_ready_until_it_is_back(
    sender: GsmModemSender, fake: FakeGsmModem, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "ctid.messaging.gsm_modem")
    fake.unplug()
    await wait_until(lambda: not sender.ready, 3, "the sender to notice the unplug")
    result = await sender.send(Outgoing(ref=11, number="+8613912345678", text="Anyone there?"))
    assert not result.ok and result.retryable and "not ready" in result.error
    assert any("not ready" in r.getMessage() and str(fake.path) in r.getMessage() for r in caplog.records)
    fake.plug()
    assert await sender.wait_ready(5), sender.problem
    assert (await sender.send(Outgoing(ref=11, number="+8613912345678", text="Back again"))).ok
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) <= 3, [r.getMessage() for r in warnings]  # not one a reopen attempt


async def test_an_unplug_during_a_send_is_a_retryable_failure(
    sender: GsmModemSender, fake: FakeGsmModem
) -> None:
    fake.script.prompt_delay_s = 30
    task = asyncio.create_task(sender.send(Outgoing(ref=12, number="+8613912345678", text="Cut off")))
    await wait_until(lambda: any(c.startswith("AT+CMGS") for c in fake.commands), 3, "the submission")
    fake.unplug()
    result = await task
    assert not result.ok and result.retryable
    fake.script.prompt_delay_s = 0
    fake.plug()
    assert await sender.wait_ready(5)


async def test_bad_numbers_and_empty_texts_are_refused_for_good(sender: GsmModemSender) -> None:
    bad = await sender.send(Outgoing(ref=13, number="call me", text="Hi"))
    empty = await sender.send(Outgoing(ref=14, number="+8613912345678", text=""))
    assert not bad.retryable and not empty.retryable and not bad.ok and not empty.ok


async def test_a_modem_without_pdu_mode_is_not_ready(fake: FakeGsmModem, recorded: Recorded) -> None:
    fake.script.refuse_pdu_mode = True
    options = GsmModemSmsOptions(device=str(fake.path))
    gsm = GsmModemSender("modem", options, recorded.on_delivery, recorded.on_incoming, timing=FAST)
    await gsm.start()
    try:
        await wait_until(lambda: "PDU mode" in gsm.problem, 5, "the problem in words")
        assert not gsm.ready
    finally:
        await gsm.stop()


def test_the_channel_reads_a_cut_stream_the_same(tmp_path: Path) -> None:
    """Bytes cut anywhere give the same events: a +CDS header and its PDU, a +CMTI, all split mid-line."""

    async def run() -> list[object]:
        events: list[object] = []
        channel = AtChannel(events.append)
        report = b"0006C80D91683119325476F8622170023000236221700230002300"
        stream = b"\r\n+CDS: 25\r\n" + report + b'\r\n\r\n+CMTI: "SM",3\r\n'
        for i in range(0, len(stream), 3):
            channel.data_received(stream[i : i + 3])
        return events

    events = asyncio.run(run())
    assert events == [
        PduLine("CDS", 25, "0006C80D91683119325476F8622170023000236221700230002300"),
        Stored("CMTI", "SM", 3),
    ]


STREAM = (
    b"\r\n+CDS: 25\r\n0006C80D91683119325476F8622170023000236221700230002300\r\n"
    b'\r\n+CMTI: "SM",3\r\n\r\nRING\r\n\x00\xff\r\n+CMT: ,20\r\n0004'
    b"0B916831"
    b"19325476F8000862217002300023044F60597D\r\n"
)
EXPECTED = [
    PduLine("CDS", 25, "0006C80D91683119325476F8622170023000236221700230002300"),
    Stored("CMTI", "SM", 3),
    PduLine("CMT", 20, "00040B91683119325476F8000862217002300023044F60597D"),
]


@given(st.lists(st.integers(1, len(STREAM)), max_size=12))
@settings(deadline=None)
def test_any_cut_of_the_stream_gives_the_same_events(cuts: list[int]) -> None:
    async def run() -> list[object]:
        events: list[object] = []
        channel = AtChannel(events.append)
        at = 0
        for cut in [*sorted(set(cuts)), len(STREAM)]:
            channel.data_received(STREAM[at:cut])
            at = max(at, cut)
        return events

    assert asyncio.run(run()) == EXPECTED
