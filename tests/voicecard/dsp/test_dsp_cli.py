"""``ctid callerid decode FILE.wav``: JSON lines for installers, from any PCM WAV a recorder makes."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid import cli
from ctid.voicecard.dsp.modulator import caller_id_burst, dtmf, pcm16, silence
from ctid.voicecard.dsp.plans import BELL202, V23
from ctid.voicecard.dsp.wavfile import WavError, decode_wav, to_mono16
from tests.voicecard.dsp.signals import MDMF_ZHANG_SAN, SDMF_NUMBER, frame, minimodem_burst, param

CHINESE_NAME = frame(0x80, param(0x02, b"13912345678") + param(0x07, "张三".encode("gbk")))


def write_wav(path: Path, audio: np.ndarray, rate: int = 8000, width: int = 2, channels: int = 1) -> Path:
    samples = pcm16(audio).astype(np.int32)
    if width == 1:
        raw = ((samples >> 8) + 128).astype(np.uint8).tobytes()
    elif width == 3:
        wide = samples << 8
        raw = (
            np.stack([wide & 0xFF, (wide >> 8) & 0xFF, (wide >> 16) & 0xFF], axis=1)
            .astype(np.uint8)
            .tobytes()
        )
    else:
        raw = (samples << (8 * (width - 2))).astype(f"<i{width}").tobytes()
    if channels == 2:  # the line on the right channel only, as a tap on one side of a stereo input
        step = width
        frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, step)
        raw = np.concatenate([np.zeros_like(frames) + (128 if width == 1 else 0), frames], axis=1).tobytes()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(raw)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]], str]:
    status = cli.main(["callerid", "decode", *argv])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def line_audio(rate: int = 8000) -> np.ndarray:
    return np.concatenate(
        [
            silence(0.3, rate),
            caller_id_burst(MDMF_ZHANG_SAN, rate=rate),
            dtmf("A13912345678C", rate=rate),
            silence(0.5, rate),
            caller_id_burst(CHINESE_NAME, rate=rate, plan=V23),
            dtmf("B10", rate=rate),
            silence(1.5, rate),
        ]
    )


EXPECTED = [
    {"number": "02168881234", "name": "ZHANG SAN", "reason": None, "format": "fsk-mdmf", "time_s": 0.875},
    {"number": "13912345678", "name": None, "reason": None, "format": "dtmf"},
    {"number": "13912345678", "name": "张三", "reason": None, "format": "fsk-mdmf"},
    {"number": None, "name": None, "reason": "private", "format": "dtmf"},
]


@pytest.mark.parametrize(
    ("rate", "width", "channels"),
    [(8000, 2, 1), (16000, 2, 2), (8000, 1, 1), (44100, 3, 1), (48000, 4, 2)],
)
def test_prints_every_caller_id_as_a_json_line(
    rate: int, width: int, channels: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_wav(tmp_path / "line.wav", line_audio(rate), rate, width, channels)
    status, lines, err = run([str(path)], capsys)
    assert status == 0
    assert [{k: v for k, v in line.items() if k != "time_s"} for line in lines] == [
        {k: v for k, v in expected.items() if k != "time_s"} for expected in EXPECTED
    ]
    assert lines[0]["time_s"] == pytest.approx(0.875, abs=0.002)
    assert [line["time_s"] for line in lines] == sorted(line["time_s"] for line in lines)
    assert "4 caller ID(s)" in err


def test_verbose_adds_refused_frames_and_loose_digits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = SDMF_NUMBER[:-1] + bytes([SDMF_NUMBER[-1] ^ 1])
    audio = np.concatenate([caller_id_burst(bad), dtmf("8005551234"), silence(0.3)])
    status, lines, _ = run(
        [str(write_wav(tmp_path / "x.wav", audio)), "--verbose", "--plan", "bell202"], capsys
    )
    assert status == 0
    assert lines[0]["error"].startswith("bad checksum") and lines[0]["raw"] == bad.hex().upper()
    assert "".join(str(line["digit"]) for line in lines[1:]) == "8005551234"
    status, lines, _ = run([str(write_wav(tmp_path / "x.wav", audio))], capsys)
    assert (status, lines) == (0, [])


def test_a_minimodem_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What an installer might check the tool with: a file Debian's minimodem wrote."""
    audio = np.concatenate([silence(0.2), minimodem_burst([SDMF_NUMBER], BELL202, tmp_path), silence(0.2)])
    status, lines, _ = run([str(write_wav(tmp_path / "mm.wav", audio))], capsys)
    assert status == 0
    assert [(line["number"], line["format"]) for line in lines] == [("13912345678", "fsk-sdmf")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"hello, not audio", "not a PCM WAV file"),
        (b"RIFF\x00\x00", "not a PCM WAV file"),
        ("96k", "96000 Hz audio; caller ID needs 8000 to 48000 Hz"),
        ("dir", "a directory"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_1(
    content: bytes | str | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.wav"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "96k":
        write_wav(path, silence(0.1, 96000), 96000)
    elif content == "dir":
        path.mkdir()
    status, lines, err = run([str(path)], capsys)
    assert (status, lines) == (1, [])
    assert err.count("\n") == 1 and message in err and str(path) in err


def test_sample_widths_convert_to_16_bit() -> None:
    assert to_mono16(bytes([0, 128, 255]), 1, 1).tolist() == [-32768, 0, 32512]
    assert to_mono16(bytes([0x00, 0x34, 0x12, 0x00, 0x00, 0x80]), 1, 3).tolist() == [0x1234, -32768]
    assert to_mono16(np.array([-65536, 65536 * 5], "<i4").tobytes(), 1, 4).tolist() == [-1, 5]
    assert to_mono16(np.array([100, 300, -7, -9], "<i2").tobytes(), 2, 2).tolist() == [200, -8]


def test_the_installed_command(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "line.wav", np.concatenate([caller_id_burst(SDMF_NUMBER), silence(0.1)]))
    result = subprocess.run(
        [sys.executable, "-m", "ctid", "callerid", "decode", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["number"] == "13912345678"


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=400), channels=st.integers(1, 4), width=st.integers(1, 4))
def test_any_pcm_bytes_convert_to_one_sample_per_frame(raw: bytes, channels: int, width: int) -> None:
    mono = to_mono16(raw, channels, width)
    assert mono.dtype == np.int16 and len(mono) == len(raw) // width // channels


@st.composite
def wav_files(draw: st.DrawFn) -> bytes:
    """RIFF/WAVE files with any header fields, a data chunk of any claimed length, cut anywhere."""
    channels = draw(st.sampled_from([0, 1, 2, 3, 65535]))
    width = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 8]))
    rate = draw(st.sampled_from([0, 1, 7999, 8000, 16000, 44100, 96000, 2**31 - 1]))
    tag = draw(st.sampled_from([1, 1, 3, 7, 0xFFFE]))
    fmt = struct.pack(
        "<HHIIHH", tag, channels, rate, rate * channels * width % 2**32, channels * width % 2**16, width * 8
    )
    data = draw(st.binary(max_size=200))
    claimed = draw(st.sampled_from([len(data), 0, 10**6]))
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", claimed) + data
    whole = b"RIFF" + struct.pack("<I", len(body)) + body
    return whole[: draw(st.integers(0, len(whole)))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=wav_files() | st.binary(max_size=100))
def test_any_file_is_decoded_or_refused_with_a_wav_error(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "any.wav"
    path.write_bytes(content)
    try:
        _, heard = decode_wav(path)
        list(heard)
    except WavError as error:
        assert str(path) in str(error)
