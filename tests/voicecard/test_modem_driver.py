"""The modem line driver end to end: real transport, fake modem on a pty, events on a real bus."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from ctid.core.config import ModemLineOptions
from ctid.core.events import EventBus
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallDialing,
    CallEnded,
    CallFailed,
    CallIdentified,
    CallIdUpdated,
    CallRinging,
    LineStatusChanged,
)
from ctid.voicecard.line import LineBusyError, LineDownError
from ctid.voicecard.modem_driver import ModemDriver, ModemTiming
from tests.support.fakemodem import IDENTITY, FakeModem, mdmf, mesg
from tests.support.line_events import Recorder
from tests.support.waiting import wait_until
from tests.voicecard.support import FAST, VOICE_INIT, ring_with_caller_id

DEFAULT_INIT = ["ATZ", "ATE0V1Q0", "ATI", "ATI3", "AT+GCI?", "AT+VCID=1"]
MakeDriver = Callable[..., Awaitable[ModemDriver]]


def is_up(event: LineStatusChanged) -> bool:
    return event.status == "up"


def is_down(event: LineStatusChanged) -> bool:
    return event.status == "down"


def handing_over() -> bool:
    """The driver's hand-over of a dialed call to the handset (ATH, then on hook by the modem) is running."""
    return any(task.get_name().endswith(": release") for task in asyncio.all_tasks())


@pytest.fixture
async def make_driver(bus: EventBus, fake_modem: FakeModem) -> AsyncIterator[MakeDriver]:
    """Start a driver on ``fake_modem`` (or another fake); ``up=True`` waits until its init is done."""
    drivers: list[ModemDriver] = []

    async def make(
        fake: FakeModem | None = None, *, name: str = "front", timing: ModemTiming = FAST, **options: Any
    ) -> ModemDriver:
        options = {"device": str((fake or fake_modem).path), "ring_timeout_s": 0.3, **options}
        driver = ModemDriver(name, name.title(), bus, ModemLineOptions(**options), timing=timing)
        drivers.append(driver)
        await driver.start()
        return driver

    yield make
    for driver in drivers:
        await driver.stop()


@pytest.fixture
async def line(make_driver: MakeDriver, recorder: Recorder) -> ModemDriver:
    """A driver on the default fake modem, up."""
    driver = await make_driver()
    await recorder.wait_for(LineStatusChanged, is_up)
    return driver


# --- init ---------------------------------------------------------------------------------------------------


async def test_init_probes_the_modem_and_enables_caller_id(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    assert fake_modem.commands == DEFAULT_INIT
    report = line.report
    assert report is not None and report.caller_id_command == "AT+VCID=1" and report.country == "26"
    assert [(s.command, s.result) for s in report.steps] == [
        ("ATZ", "OK"),
        ("ATE0V1Q0", "OK"),
        ("AT+VCID=1", "OK"),
    ]
    info = line.info
    assert (info.status, info.driver, info.identity, info.last_error) == (
        "up",
        "modem",
        " / ".join(IDENTITY),
        "",
    )
    statuses = [(e.previous, e.status) for e in recorder.of(LineStatusChanged)]
    assert statuses == [("up", "down"), ("down", "up")], "down while opening, up once the modem answered"


async def test_a_modem_without_vcid_gets_the_hash_cid_spelling(
    make_driver: MakeDriver, tmp_path: Path, recorder: Recorder
) -> None:
    fake = FakeModem(tmp_path / "ttyOLD", vcid=False)
    fake.plug()
    try:
        driver = await make_driver(fake)
        await recorder.wait_for(LineStatusChanged, is_up)
        assert driver.report is not None and driver.report.caller_id_command == "AT#CID=1"
        assert [(s.command, s.result) for s in driver.report.steps][-2:] == [
            ("AT+VCID=1", "ERROR"),
            ("AT#CID=1", "OK"),
        ]
        assert driver.report.warnings == ()
        await ring_with_caller_id(fake, recorder, "13912345678")
        assert (await recorder.wait_for(CallIdentified)).caller_id.number == "13912345678"
    finally:
        fake.unplug()


async def test_custom_init_is_sent_as_given_and_problems_are_reported(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    typo = "AT+VCID=１"  # a full-width digit from a Chinese input method
    driver = await make_driver(init=("ATZ", "AT+BOGUS", typo, "AT#CID=1"), country="B5")
    await recorder.wait_for(LineStatusChanged, is_up)
    assert fake_modem.commands == ["ATZ", "AT+BOGUS", "AT#CID=1", "ATI", "ATI3", "AT+GCI?"]
    assert f"{typo} answered INVALID (not one ASCII command)" in driver.info.last_error
    assert driver.report is not None and driver.report.caller_id_command == "AT#CID=1"
    assert "country code is 26 (China), expected B5" in driver.info.last_error
    assert "AT+BOGUS answered ERROR" in driver.info.last_error


# --- caller ID ----------------------------------------------------------------------------------------------


async def test_the_call_is_identified_on_the_number_without_waiting_for_the_next_ring(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    await ring_with_caller_id(fake_modem, recorder, "13912345678", "张三")
    identified = await recorder.wait_for(CallIdentified)
    assert (identified.caller_id.number, identified.caller_id.format) == ("13912345678", "formatted")
    updated = await recorder.wait_for(CallIdUpdated)
    assert (updated.caller_id.name, updated.changed) == ("张三", frozenset({"name"}))
    assert len(recorder.of(CallRinging)) == 1, "identified after one ring"
    ended = await recorder.wait_for(CallEnded)
    assert (ended.outcome, ended.reason, ended.call_id) == ("missed", "missed", identified.call_id)


async def test_a_private_caller_is_identified_as_private(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.ring()
    await recorder.wait_for(CallRinging)
    fake_modem.caller_id(reason="P")
    caller_id = (await recorder.wait_for(CallIdentified)).caller_id
    assert (caller_id.number, caller_id.reason) == (None, "private")


async def test_unformatted_mdmf_and_sdmf_frames_identify_the_call(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    await make_driver(cid_mode="unformatted")
    await recorder.wait_for(LineStatusChanged, is_up)
    assert fake_modem.commands[-1] == "AT+VCID=2"
    await ring_with_caller_id(fake_modem, recorder, "02168881234", "ZHANG SAN")
    mdmf_call = (await recorder.wait_for(CallIdentified)).caller_id
    assert (mdmf_call.number, mdmf_call.name, mdmf_call.format) == ("02168881234", "ZHANG SAN", "mdmf")
    await recorder.wait_for(CallEnded)
    fake_modem.ring()
    await recorder.wait_for(CallRinging, count=2)
    fake_modem.caller_id("13912345678", sdmf_frame=True)
    sdmf_call = (await recorder.wait_for(CallIdentified, count=2)).caller_id
    assert (sdmf_call.number, sdmf_call.format) == ("13912345678", "sdmf")


async def test_a_frame_with_a_bad_checksum_is_logged_and_identifies_nothing(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    await make_driver(cid_mode="unformatted")
    await recorder.wait_for(LineStatusChanged, is_up)
    fake_modem.ring()
    await recorder.wait_for(CallRinging)
    frame = mdmf("02168881234", "ZHANG SAN")
    fake_modem.write(mesg(frame[:-1] + bytes([(frame[-1] + 1) % 256])))
    await fake_modem.taken()
    assert recorder.of(CallIdentified) == []
    fake_modem.ring()
    caller_id = (await recorder.wait_for(CallIdentified)).caller_id
    assert caller_id.number is None and caller_id.error is not None and "bad checksum" in caller_id.error
    assert "caller ID ignored: rejected caller-ID frame: bad checksum" in caplog.text


async def test_a_call_a_byte_at_a_time_through_noise(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    stream = (
        b"\x00\xff\r\nRI\x00NG\r\n\x1b[0m\r\n\x07DATE = 0322\r\nTIME\xff = 1405\r\n"
        b"NMBR = 139\x0012345678\r\n\x1b[2JNAME = ZHANG SAN\r\n\r\n\x10\x7f"
    )
    rng = random.Random(3)
    for index, byte in enumerate(stream):
        fake_modem.write(bytes([byte]))
        if rng.random() < 0.5 or index == len(stream) - 1:
            await asyncio.sleep(0.0005)  # the behaviour under test: bytes trickling in, read apart
    updated = await recorder.wait_for(CallIdUpdated)
    assert (updated.caller_id.number, updated.caller_id.name, updated.caller_id.when) == (
        "13912345678",
        "ZHANG SAN",
        "03221405",
    )


async def test_a_number_garbled_into_other_characters_is_never_shown(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.ring()
    await recorder.wait_for(CallRinging)
    fake_modem.write(b"\r\nNMBR = 139~12$%45678\r\nNAME = \x1b[31mZHANG\x00 SAN\x1b[0m\r\n")
    await fake_modem.taken()
    assert recorder.of(CallIdentified) == []
    fake_modem.ring()
    caller_id = (await recorder.wait_for(CallIdentified)).caller_id
    assert (caller_id.number, caller_id.reason, caller_id.name) == (None, None, "ZHANG SAN")


async def test_a_modem_that_fell_out_of_caller_id_mode_gets_it_back(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    fake_modem.power_blip()  # forgets AT+VCID=1 (and turns echo back on); the driver is not told
    await ring_with_caller_id(fake_modem, recorder, "13912345678")  # the modem prints no caller ID
    fake_modem.ring()
    no_caller_id = await recorder.wait_for(CallIdentified)
    assert not no_caller_id.caller_id.identifies
    await recorder.wait_for(CallEnded)
    await fake_modem.wait_for_command("AT+VCID=1", count=2)
    assert "1 call(s) in a row rang without caller ID; re-sending the caller-ID init" in caplog.text
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    assert (await recorder.wait_for(CallIdentified, count=2)).caller_id.number == "13912345678"


# --- resilience ---------------------------------------------------------------------------------------------


async def test_a_device_missing_at_start_is_retried_until_it_appears(
    make_driver: MakeDriver, tmp_path: Path, recorder: Recorder
) -> None:
    fake = FakeModem(tmp_path / "ttyLATE")
    driver = await make_driver(fake)
    await wait_until(lambda: driver.info.last_error, what="the first attempt to open the device")
    assert (
        driver.info.status == "down"
        and "ttyLATE not found (is the modem plugged in?)" in driver.info.last_error
    )
    fake.plug()
    try:
        await recorder.wait_for(LineStatusChanged, is_up, within_s=1)
        assert driver.info.last_error == "" and fake.commands == DEFAULT_INIT
    finally:
        fake.unplug()


async def test_unplugged_mid_call_the_call_ends_as_line_lost_and_the_replugged_modem_is_reinitialised(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    call_id = await line.dial("95555")
    await recorder.wait_for(CallConnected)
    fake_modem.unplug()
    ended = await recorder.wait_for(CallEnded)
    assert (ended.call_id, ended.outcome, ended.reason) == (call_id, "connected", "line lost")
    down = await recorder.wait_for(LineStatusChanged, is_down, count=2)
    assert "device disconnected" in down.detail and line.info.status == "down"
    with pytest.raises(LineDownError):
        await line.dial("95555")
    fake_modem.commands.clear()
    fake_modem.plug()  # a power-cycled modem: caller ID off until the driver re-inits it
    await recorder.wait_for(LineStatusChanged, is_up, count=2, within_s=2)
    assert fake_modem.commands == DEFAULT_INIT
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    assert (await recorder.wait_for(CallIdentified)).caller_id.number == "13912345678"


async def test_an_unplug_while_ringing_ends_the_call_as_missed_line_lost(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    await recorder.wait_for(CallIdentified)
    fake_modem.unplug()
    ended = await recorder.wait_for(CallEnded)
    assert (ended.outcome, ended.reason) == ("missed", "line lost")


async def test_a_modem_that_stops_answering_is_reinitialised_by_the_watchdog(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    driver = await make_driver(timing=FAST.__class__(**{**FAST.__dict__, "watchdog_s": 0.1}))
    await recorder.wait_for(LineStatusChanged, is_up)
    fake_modem.muted = True
    await fake_modem.wait_for_command("AT")  # the watchdog's, unanswered
    fake_modem.power_blip()  # it was resetting itself: answers again, with caller ID off
    fake_modem.muted = False
    await fake_modem.wait_for_command("AT+VCID=1", count=2)
    await wait_until(lambda: "re-initialised" in driver.info.last_error, what="the re-init's end")
    assert "stopped answering and was re-initialised" in driver.info.last_error
    assert [e.status for e in recorder.of(LineStatusChanged)] == ["down", "up"], "the line never went down"
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    assert (await recorder.wait_for(CallIdentified)).caller_id.number == "13912345678"


async def test_late_answers_after_a_hang_do_not_shift_the_answers_of_the_re_init(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    driver = await make_driver(timing=FAST.__class__(**{**FAST.__dict__, "watchdog_s": 0.1}))
    await recorder.wait_for(LineStatusChanged, is_up)
    fake_modem.stalled, fake_modem.answer_delay_s = True, 0.005  # a real modem's pace: answers lag commands
    await fake_modem.wait_for_command("AT")  # the watchdog's: it times out
    count = len(fake_modem.commands)
    await wait_until(lambda: len(fake_modem.commands) > count)  # the driver's next command, held too
    fake_modem.resume()  # the late answer comes while the next command waits, and each one after it lags
    await fake_modem.wait_for_command("AT+VCID=1", count=2)
    await wait_until(lambda: "re-initialised" in driver.info.last_error, what="the re-init's end")
    report = driver.report
    assert report is not None and report.identity == " / ".join(IDENTITY) and report.country == "26"
    assert [step.result for step in report.steps] == ["OK", "OK", "OK"] and driver.info.status == "up"


async def test_a_modem_that_stays_mute_takes_the_line_down_until_it_answers(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    driver = await make_driver(timing=FAST.__class__(**{**FAST.__dict__, "watchdog_s": 0.1}))
    await recorder.wait_for(LineStatusChanged, is_up)
    fake_modem.muted = True
    down = await recorder.wait_for(LineStatusChanged, is_down, count=2, within_s=2)
    assert "no answer to AT" in down.detail and driver.info.status == "down"
    fake_modem.muted = False
    await recorder.wait_for(LineStatusChanged, is_up, count=2, within_s=2)


# --- dialing ------------------------------------------------------------------------------------------------


async def test_dial_then_hang_up(line: ModemDriver, fake_modem: FakeModem, recorder: Recorder) -> None:
    call_id = await line.dial("95555")
    assert (await recorder.wait_for(CallDialing)).number == "95555"
    connected = await recorder.wait_for(CallConnected)
    assert (connected.call_id, connected.result) == (call_id, "OK")
    assert "ATDT95555;" in fake_modem.commands
    await line.hangup()
    ended = await recorder.wait_for(CallEnded)
    assert (ended.outcome, ended.reason) == ("connected", "hangup") and fake_modem.commands[-1] == "ATH"


async def test_dialing_a_ringing_line_is_refused(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.ring()
    await recorder.wait_for(CallRinging)
    with pytest.raises(LineBusyError, match=r"Line front is ringing: cannot dial"):
        await line.dial("95555")
    assert not any(command.startswith("ATD") for command in fake_modem.commands)


async def test_a_busy_number_fails_the_call(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.dial_result = "BUSY"
    await line.dial("95555")
    assert (await recorder.wait_for(CallFailed)).failure == "busy"
    assert (await recorder.wait_for(CallEnded)).outcome == "busy"
    with pytest.raises(ValueError, match="not a dial string"):
        await line.dial("95555; ATZ")


async def test_hanging_up_while_dialing_cancels_the_dial(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.dial_delay_s = 5
    await line.dial("95555")
    await fake_modem.wait_for_command("ATDT95555;")
    started = time.monotonic()
    await line.hangup()
    assert time.monotonic() - started < 1, "the dial was aborted, not waited for"
    assert (await recorder.wait_for(CallEnded)).outcome == "cancelled"
    assert fake_modem.commands[-1] == "ATH" and recorder.of(CallConnected) == []


async def test_a_hang_up_the_modem_does_not_confirm_still_ends_the_call(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    await line.dial("95555")
    await recorder.wait_for(CallConnected)
    fake_modem.muted = True
    await line.hangup()
    assert (await recorder.wait_for(CallEnded)).reason == "hangup"
    assert "hang-up not confirmed by the modem: no answer to ATH" in caplog.text


async def test_no_carrier_after_a_connected_call_is_the_far_end_hanging_up(
    line: ModemDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    await line.dial("95555")
    await recorder.wait_for(CallConnected)
    fake_modem.write(b"\r\nNO CARRIER\r\n")
    assert (await recorder.wait_for(CallEnded)).reason == "far end hangup"


# --- voice mode: the handset ------------------------------------------------------------------------------


async def test_voice_mode_reports_the_handset(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    await make_driver(init=VOICE_INIT)
    await recorder.wait_for(LineStatusChanged, is_up)
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    await recorder.wait_for(CallIdentified)
    fake_modem.dle("H")
    assert (await recorder.wait_for(CallAnswered)).by == "handset"
    fake_modem.dle("5")  # a DTMF digit: no call event
    fake_modem.dle("h")
    ended = await recorder.wait_for(CallEnded)
    assert (ended.outcome, ended.reason) == ("answered", "hangup")


async def test_the_handset_takes_over_a_dialed_call(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    driver = await make_driver(init=VOICE_INIT)
    await recorder.wait_for(LineStatusChanged, is_up)
    await driver.dial("95555")
    await recorder.wait_for(CallConnected)
    fake_modem.dle("H")
    await fake_modem.wait_for_command("ATH")  # the modem lets go; the call goes on on the extension
    await wait_until(lambda: not handing_over(), what="the hand-over to the handset")
    assert recorder.of(CallEnded) == [] and driver.info.status == "in call"
    fake_modem.dle("h")
    assert (await recorder.wait_for(CallEnded)).outcome == "connected"


# --- several lines, stopping --------------------------------------------------------------------------------


async def test_several_lines_each_on_its_own_device(
    make_driver: MakeDriver, fake_modem: FakeModem, tmp_path: Path, recorder: Recorder
) -> None:
    back = FakeModem(tmp_path / "ttyBACK")
    back.plug()
    try:
        await make_driver(name="front")
        await make_driver(back, name="back")
        await recorder.wait_for(LineStatusChanged, is_up, count=2)
        await ring_with_caller_id(back, recorder, "13912345678")
        identified = await recorder.wait_for(CallIdentified)
        assert identified.line == "back" and [e.line for e in recorder.of(CallRinging)] == ["back"]
    finally:
        back.unplug()


async def test_stop_is_prompt_and_leaves_no_task_behind(
    make_driver: MakeDriver,
    tmp_path: Path,
    fake_modem: FakeModem,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    missing = await make_driver(FakeModem(tmp_path / "ttyNONE"), name="missing")
    dialing = await make_driver(name="dialing")
    await recorder.wait_for(LineStatusChanged, lambda e: is_up(e) and e.line == "dialing")
    fake_modem.dial_delay_s = 10
    await dialing.dial("95555")
    await fake_modem.wait_for_command("ATDT95555;")
    started = time.monotonic()
    await asyncio.gather(missing.stop(), dialing.stop())
    assert time.monotonic() - started < 0.5
    await asyncio.sleep(0)  # one turn of the loop: the stopped tasks' callbacks run
    assert [task.get_name() for task in asyncio.all_tasks() if task.get_name().startswith("line ")] == []
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []
