"""Recording through the voice modem end to end: real transport on a pty, the fake modem streaming audio."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.core.config import ModemLineOptions
from ctid.core.events import EventBus
from ctid.voicecard import pcm
from ctid.voicecard.audio_in import AudioInput
from ctid.voicecard.events import CallAnswered, CallEnded, CallIdentified, LineStatusChanged
from ctid.voicecard.modem_driver import ModemDriver, ModemTiming
from ctid.voicecard.modem_voice import ModemAudio, VoiceError, VoiceFormat, choose_format, parse_formats
from tests.support.alsa_rig import AlsaRig
from tests.support.fakemodem import CX93001_FORMATS, DLE, FakeModem
from tests.support.line_events import Recorder
from tests.support.waiting import wait_until
from tests.voicecard.support import FAST, VOICE_INIT, ring_with_caller_id

MakeDriver = Callable[..., Awaitable[ModemDriver]]
RECORD = ["AT+FCLASS=8", "AT+VSM=?", "AT+VSM=1,8000", "AT+VLS=1", "AT+VRX"]


class Heard:
    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.times: list[float] = []

    def __call__(self, samples: np.ndarray, t: float) -> None:
        self.blocks.append(samples)
        self.times.append(t)

    @property
    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.int16)


def holds(audio: np.ndarray, clip: np.ndarray) -> bool:
    """Whether ``audio`` reaches the end of ``clip`` (counted from the first place of its first sample)."""
    found = np.flatnonzero(audio == clip[0])
    return len(found) > 0 and len(audio) >= found[0] + len(clip)


def line_audio(seconds: float, seed: int = 3) -> bytes:
    """8-bit unsigned audio full of 0x10 bytes (single and paired): every escape the modem has is used."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, int(seconds * 8000), dtype=np.uint8)
    raw[rng.integers(0, len(raw), len(raw) // 20)] = 0x10
    return raw.tobytes()


async def stream(fake: FakeModem, raw: bytes, *, events: tuple[str, ...] = (), seed: int = 0) -> None:
    """``raw`` in random chunks (1-400 bytes) with DLE events between some of them, drained."""
    chance = random.Random(seed)
    position, pending = 0, list(events)
    while position < len(raw):
        size = chance.randint(1, 400)
        fake.send_audio(raw[position : position + size])
        position += size
        if pending and chance.random() < 0.3:
            fake.dle(pending.pop())
    for code in pending:
        fake.dle(code)
    await fake.drain()


@pytest.fixture
async def make_driver(bus: EventBus, fake_modem: FakeModem) -> AsyncIterator[MakeDriver]:
    drivers: list[ModemDriver] = []

    async def make(
        fake: FakeModem | None = None, *, timing: ModemTiming = FAST, **options: Any
    ) -> ModemDriver:
        options = {"device": str((fake or fake_modem).path), "ring_timeout_s": 0.3, **options}
        driver = ModemDriver("front", "Front", bus, ModemLineOptions(**options), timing=timing)
        drivers.append(driver)
        await driver.start()
        return driver

    yield make
    for driver in drivers:
        await driver.stop()


async def up(make_driver: MakeDriver, recorder: Recorder, **options: Any) -> tuple[ModemDriver, ModemAudio]:
    driver = await make_driver(**options)
    await recorder.wait_for(LineStatusChanged, lambda e: e.status == "up")
    assert isinstance(driver.audio, ModemAudio)
    return driver, driver.audio


# --- the formats a modem lists ------------------------------------------------------------------------------


def test_the_formats_of_the_common_modems_are_read() -> None:
    conexant = parse_formats(CX93001_FORMATS)
    assert [(f.method, f.encoding) for f in conexant] == [
        (0, "s8"), (1, "u8"), (129, None), (130, "u8"), (131, "ulaw"), (132, "alaw"), (133, None),
    ]  # fmt: skip
    assert choose_format(conexant) == VoiceFormat(1, "UNSIGNED PCM", "u8", (8000,))
    usr = parse_formats(['128,"8-BIT LINEAR",(7200,8000,11025)', '129,"16-BIT LINEAR",(7200,8000,11025)'])
    assert usr[0] == VoiceFormat(128, "8-BIT LINEAR", "u8", (7200, 8000, 11025)) and usr[1].encoding is None
    v253 = parse_formats(['+VSM: 4,"G.711U",8,0,(8000),(0),(0)', '5,"G.711A",8,0,(7200-11025),(0),(0)'])
    assert [(f.encoding, f.rates) for f in v253] == [("ulaw", (8000,)), ("alaw", (7200, 11025, 8000))]
    assert choose_format(v253) == v253[0]
    assert choose_format(parse_formats(['2,"ADPCM",2,0,(8000)', '140,"u-law",8,0,(7200)'])) is None


@settings(max_examples=300)
@given(st.lists(st.text(alphabet='0123456789,()-" ABCDEFGHILMNPRSTUVW+:.', max_size=60), max_size=8))
def test_any_answer_to_vsm_is_parsed_without_crashing(lines: list[str]) -> None:
    formats = parse_formats(lines)
    assert len(formats) <= len(lines)
    chosen = choose_format(formats)
    assert chosen is None or (chosen.encoding is not None and 8000 in chosen.rates)


# --- recording ----------------------------------------------------------------------------------------------


async def test_a_call_recorded_through_the_modem_from_answer_to_hang_up(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    """Voice init (the handset is seen); the handset answers; the modem records; the handset hangs up."""
    driver, audio = await up(make_driver, recorder, init=VOICE_INIT)
    heard = Heard()
    audio.listen(heard)
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    await recorder.wait_for(CallIdentified)
    fake_modem.dle("H")
    await recorder.wait_for(CallAnswered)
    fake_modem.commands.clear()
    await audio.start_capture()
    assert fake_modem.commands == RECORD[:3] + RECORD[3:] and fake_modem.state.off_hook and audio.capturing
    raw = line_audio(1.0)
    await stream(fake_modem, raw, events=("5", "#"))  # DTMF keyed during the call: not audio
    await wait_until(lambda: len(heard.audio) == len(raw))
    assert np.array_equal(heard.audio, pcm.decode(raw, "u8"))
    assert {len(block) for block in heard.blocks} == {160}
    assert np.allclose(np.diff(heard.times), 0.02)
    fake_modem.dle("h")  # hung up: the line hears it in the middle of the audio
    await recorder.wait_for(CallEnded)
    fake_modem.commands.clear()
    await audio.stop_capture()
    assert fake_modem.stops_received == [DLE + b"!"] and not fake_modem.recording
    assert fake_modem.commands == ["AT+VLS=0"]  # voice class is where this line lives
    assert not fake_modem.state.off_hook and not audio.capturing and audio.last_error == ""
    await ring_with_caller_id(fake_modem, recorder, "13800138000")  # caller ID as before
    assert (await recorder.wait_for(CallIdentified, count=2)).caller_id.number == "13800138000"
    assert driver.info.status != "down"


async def test_a_data_class_line_goes_back_to_data_class_and_keeps_its_caller_id(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    _, audio = await up(make_driver, recorder)
    fake_modem.commands.clear()
    heard = Heard()
    audio.listen(heard)
    await audio.start_capture()
    raw = line_audio(0.25) + b"\x80\x80\x80"  # ends mid-block
    await stream(fake_modem, raw, seed=7)
    await wait_until(lambda: len(heard.audio) == len(raw) - len(raw) % 160)
    await audio.stop_capture()
    assert np.array_equal(heard.audio, pcm.decode(raw, "u8"))  # the tail comes as a last, short block
    assert fake_modem.commands == [*RECORD, "AT+VLS=0", "AT+FCLASS=0"]
    await ring_with_caller_id(fake_modem, recorder, "13912345678")
    assert (await recorder.wait_for(CallIdentified)).caller_id.number == "13912345678"


async def test_a_u_law_modem_is_recorded_in_u_law(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.voice_formats = ('128,"8-BIT LINEAR",(7200,11025)', '131,"G.711 ULAW",8,0,(8000),(0),(0)')
    _, audio = await up(make_driver, recorder)
    heard = Heard()
    audio.listen(heard)
    await audio.start_capture()
    assert fake_modem.state.vsm == "131,8000" and audio.format is not None and audio.format.encoding == "ulaw"
    raw = line_audio(0.2, seed=9)
    await stream(fake_modem, raw)
    await wait_until(lambda: len(heard.audio) == len(raw))
    assert np.array_equal(heard.audio, pcm.decode(raw, "ulaw"))
    await audio.stop_capture()


async def test_a_modem_with_nothing_ctid_can_decode_is_refused_and_left_for_caller_id(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.voice_formats = ('129,"IMA ADPCM",4,0,8000,0,0', '133,"14 bit PCM",14,0,8000,0,0')
    _, audio = await up(make_driver, recorder)
    fake_modem.commands.clear()
    with pytest.raises(VoiceError) as error:
        await audio.start_capture()
    assert str(error.value) == (
        "the modem takes no 8 kHz format ctid can decode"
        ' (129,"IMA ADPCM",4,0,8000,0,0; 133,"14 bit PCM",14,0,8000,0,0)'
    )
    assert fake_modem.commands[-2:] == ["AT+VLS=0", "AT+FCLASS=0"] and not audio.capturing
    assert audio.last_error == str(error.value)


async def test_a_modem_that_lists_no_formats_gets_the_usual_ones_tried(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    _, audio = await up(make_driver, recorder)
    fake_modem.voice_formats = ()  # AT+VSM=? answers ERROR
    fake_modem.commands.clear()
    with pytest.raises(VoiceError, match=r"\(AT\+VSM=\? answered ERROR\)"):
        await audio.start_capture()
    tried = [c for c in fake_modem.commands if c.startswith("AT+VSM=") and c != "AT+VSM=?"]
    assert tried[::2] == ["AT+VSM=1,8000", "AT+VSM=128,8000", "AT+VSM=4,8000", "AT+VSM=5,8000"]


async def test_a_modem_that_only_stops_on_a_triple_dle_is_stopped(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    fake_modem.vrx_stop = "triple"
    _, audio = await up(make_driver, recorder)
    await audio.start_capture()
    await stream(fake_modem, line_audio(0.1))
    fake_modem.commands.clear()
    await audio.stop_capture()
    assert fake_modem.stops_received == [DLE * 3 + b"!"] and fake_modem.commands == [
        "AT+VLS=0",
        "AT+FCLASS=0",
    ]


async def test_a_modem_that_will_not_stop_does_not_hang_the_line(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    fake_modem.vrx_stop = "never"
    _, audio = await up(make_driver, recorder)
    await audio.start_capture()
    async with asyncio.timeout(5):
        await audio.stop_capture()
    assert not audio.capturing
    assert "the modem did not stop recording cleanly: the modem did not end the audio" in caplog.text


async def test_the_watchdog_leaves_a_recording_modem_alone(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    timing = ModemTiming(**{**FAST.__dict__, "watchdog_s": 0.03})
    _, audio = await up(make_driver, recorder, timing=timing)
    await audio.start_capture()
    fake_modem.commands.clear()
    await asyncio.sleep(0.3)  # kept: ten watchdog periods in which it must send nothing (no event to await)
    assert fake_modem.commands == [] and fake_modem.recording
    await audio.stop_capture()
    await fake_modem.wait_for_command("AT", within_s=1)  # the watchdog is back


async def test_hanging_up_a_recorded_call_stops_the_recording_first(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    driver, audio = await up(make_driver, recorder, init=VOICE_INIT)
    await driver.dial("95555")
    await wait_until(lambda: driver.info.status == "in call")
    await audio.start_capture()
    fake_modem.commands.clear()
    await driver.hangup()
    assert fake_modem.stops_received == [DLE + b"!"] and fake_modem.commands == ["AT+VLS=0", "ATH"]
    assert (await recorder.wait_for(CallEnded)).reason == "hangup"


async def test_a_modem_that_ends_the_recording_by_itself_is_asked_again(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    _, audio = await up(make_driver, recorder)
    audio.timing = type(audio.timing)(command_s=0.2, stop_s=0.2, restart_guard_s=0.1)
    heard = Heard()
    audio.listen(heard)
    await audio.start_capture()
    first = line_audio(0.2, seed=1)
    await stream(fake_modem, first)
    await asyncio.sleep(0.15)  # kept: the take lasts longer than restart_guard_s (ending at once is below)
    fake_modem.end_recording()  # the modem's own limit
    await fake_modem.wait_for_command("AT+VRX", count=2)
    assert "the modem ended the recording by itself; recording again" in caplog.text
    await wait_until(lambda: audio.capturing and fake_modem.recording)
    second = line_audio(0.2, seed=2)
    await stream(fake_modem, second)
    await wait_until(lambda: len(heard.audio) == len(first) + len(second))
    assert np.array_equal(heard.audio, pcm.decode(first + second, "u8"))
    fake_modem.end_recording()  # again, at once: it gives up, on hook
    await fake_modem.wait_for_command("AT+VLS=0")
    assert audio.last_error == "the modem keeps ending the recording by itself" and not audio.capturing
    await audio.stop_capture()


async def test_an_unplugged_modem_ends_the_capture(
    make_driver: MakeDriver, fake_modem: FakeModem, recorder: Recorder
) -> None:
    _, audio = await up(make_driver, recorder)
    await audio.start_capture()
    fake_modem.unplug()
    await wait_until(lambda: not audio.capturing)
    assert audio.status == "down" and audio.last_error == "the modem was lost"
    await audio.stop_capture()  # nothing to stop: no error
    with pytest.raises(VoiceError, match="line front: no modem to record with"):
        await audio.start_capture()


async def test_a_modem_line_with_a_sound_card_tap_records_from_the_tap(
    make_driver: MakeDriver,
    fake_modem: FakeModem,
    recorder: Recorder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Caller ID from the modem, audio from the card: the modem is never put in voice mode for it."""
    with AlsaRig(tmp_path, monkeypatch) as rig:
        line = rig.line("linein")
        driver = await make_driver(tap_device="linein")
        await recorder.wait_for(LineStatusChanged, lambda e: e.status == "up")
        assert isinstance(driver.audio, AudioInput) and driver.audio.rate == 8000
        heard = Heard()
        driver.audio.listen(heard)
        tap = driver.audio
        await tap.start_capture()  # nothing to do for a card
        await wait_until(lambda: tap.status == "up", 10)
        clip = np.random.default_rng(4).integers(-9000, 9000, 2400, dtype=np.int16)
        line.play(clip)
        await line.played()
        await wait_until(lambda: holds(heard.audio, clip), 5, "the clip heard to its end")
        audio = heard.audio
        start = int(np.flatnonzero(audio == clip[0])[0])
        assert np.array_equal(audio[start : start + len(clip)], clip)
        assert not any(command.startswith(("AT+VRX", "AT+FCLASS=8")) for command in fake_modem.commands)
        await driver.stop()
        assert tap.status == "down"
