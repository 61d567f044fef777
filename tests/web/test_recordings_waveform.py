"""The waveform: peaks folded from samples (pure), read from real WAV and Opus files, cached, drawn."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ctid.core.errors import Conflict
from ctid.recording.waveform import (
    PeakMeter,
    Peaks,
    cached_peaks,
    fold,
    keep_peaks,
    read_peaks,
    samples_peaks,
)
from ctid.web.waveform_svg import waveform_svg
from tests.web.recordings_support import RATE, speech_like, to_opus, write_wav

samples = hnp.arrays(np.int16, st.integers(0, 5000), elements=st.integers(-32768, 32767))


@settings(max_examples=60, deadline=None)
@given(samples, st.integers(1, 300), st.lists(st.integers(1, 700), min_size=1, max_size=8))
def test_peaks_do_not_depend_on_how_the_samples_arrive(
    data: np.ndarray, buckets: int, cuts: list[int]
) -> None:
    """Chunked or whole, the same peaks; each the loudest sample of its slice; none louder than the file."""
    whole = samples_peaks(data, RATE, buckets)
    meter, start = PeakMeter(RATE), 0
    for cut in cuts * (len(data) // max(1, sum(cuts)) + 1):
        meter.feed(data[start : start + cut])
        start += cut
    meter.feed(data[start:])
    assert meter.peaks(buckets) == whole
    assert whole.duration_s == pytest.approx(len(data) / RATE)
    blocks = -(-len(data) // 80)
    assert len(whole.values) == min(buckets, blocks)
    loudest = float(np.abs(data.astype(np.int32)).max()) / 32768 if len(data) else 0.0
    assert whole.loudest == pytest.approx(loudest, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, st.integers(0, 2000), elements=st.floats(0, 1, width=32)), st.integers(1, 500))
def test_fold_keeps_the_largest_of_each_run(blocks: np.ndarray, buckets: int) -> None:
    folded = fold(blocks, buckets)
    assert len(folded) == min(len(blocks), buckets)
    if len(blocks):
        assert max(folded) == pytest.approx(float(blocks.max()), abs=1e-4)


def test_a_quiet_start_and_a_loud_end_show_as_such() -> None:
    quiet, loud = np.zeros(RATE * 2, np.int16), (np.sin(np.arange(RATE * 2) * 0.3) * 16000).astype(np.int16)
    peaks = samples_peaks(np.concatenate((quiet, loud)), RATE, buckets=100)
    assert len(peaks.values) == 100 and peaks.duration_s == 4.0
    assert max(peaks.values[:49]) == 0.0
    assert min(peaks.values[51:]) > 0.45


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="sample rate"):
        PeakMeter(0)
    with pytest.raises(ValueError, match="buckets"):
        fold(np.zeros(3, np.float32), 0)


def test_wav_and_its_opus_give_the_same_picture(tmp_path: Path) -> None:
    audio = speech_like(8.0)
    wav_path = write_wav(tmp_path / "call.wav", audio)
    opus = to_opus(wav_path, tmp_path / "call.opus")
    from_wav, from_opus = read_peaks(wav_path, 200), read_peaks(opus, 200)
    assert from_wav == samples_peaks(audio, RATE, 200)
    assert from_opus.duration_s == pytest.approx(8.0, abs=0.05)
    assert np.corrcoef(from_wav.values, from_opus.values[: len(from_wav.values)])[0, 1] > 0.95


def test_8_bit_and_stereo_wav(tmp_path: Path) -> None:
    """What a modem records (unsigned 8-bit) and what a sound card may give (two channels)."""
    mono = speech_like(2.0)
    path = tmp_path / "u8.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        u8 = ((mono >> 8) + 128).astype(np.uint8)
        wav.writeframes(np.column_stack((u8, np.full_like(u8, 128))).tobytes())
    peaks = read_peaks(path, 50)
    assert peaks.duration_s == pytest.approx(2.0)
    assert peaks.values == samples_peaks(((mono >> 8) << 8).astype(np.int16), RATE, 50).values


def test_a_file_ffmpeg_cannot_read_is_a_clear_conflict(tmp_path: Path) -> None:
    broken = tmp_path / "broken.opus"
    broken.write_bytes(b"OggS" + b"\x00" * 100)
    with pytest.raises(Conflict) as caught:
        read_peaks(broken)
    assert caught.value.params["file"] == "broken.opus" and caught.value.params["problem"]


def test_peaks_are_cached_until_the_file_changes(tmp_path: Path) -> None:
    audio = write_wav(tmp_path / "a.wav", speech_like(3.0))
    cache = tmp_path / "a.peaks.json"
    first = cached_peaks(audio, cache)
    assert cache.exists()
    cache.write_text(cache.read_text().replace('"duration_s":3.0', '"duration_s":99.0'))
    assert cached_peaks(audio, cache).duration_s == 99.0, "the cache was read, not the file"
    write_wav(audio, speech_like(5.0))  # the file changed (transcoded, repaired): read again
    assert cached_peaks(audio, cache).duration_s == pytest.approx(5.0)
    cache.write_text("{not json")
    assert cached_peaks(audio, cache) == samples_peaks(speech_like(5.0), RATE)
    assert first.duration_s == 3.0


def test_svg_draws_one_bar_per_bucket_scaled_to_the_loudest() -> None:
    svg = waveform_svg(Peaks(4.0, (0.0, 0.25, 0.5)))
    assert svg.startswith("<svg") and 'viewBox="0 0 3 100"' in svg and 'data-duration="4.000"' in svg
    bars = re.findall(r"M([\d.]+) ([\d.]+)V([\d.]+)", svg)
    heights = [float(bottom) - float(top) for _x, top, bottom in bars]
    assert heights == [1.0, 49.0, 98.0]  # silence a hairline, the loudest the full height
    assert "style" not in svg  # the CSP allows no inline style
    assert waveform_svg(Peaks(0.0, ())).startswith("<svg")


def test_peaks_kept_from_the_wav_serve_its_transcoded_file(tmp_path: Path) -> None:
    """The finisher's way: peaks from the WAV, kept for the Opus it becomes; never for another file."""
    wav_path = write_wav(tmp_path / "call.wav", speech_like(4.0))
    opus = to_opus(wav_path, tmp_path / "call.opus")
    cache = tmp_path / "call.peaks.json"
    from_wav = read_peaks(wav_path)
    keep_peaks(from_wav, opus, cache)
    assert cached_peaks(opus, cache) == from_wav, "taken from the cache, not decoded again"
    assert cached_peaks(wav_path, cache) == from_wav  # a different file: read afresh (same audio)
    assert cache.exists() and not list(tmp_path.glob(".*.part"))
