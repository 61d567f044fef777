"""The player's waveform: how long the peaks of a long call take, from a WAV and from its Opus.

    .venv/bin/python bench/waveform.py [--minutes 60]

Makes one call's worth of speech-like audio (8 kHz, silence and bursts), writes it as a WAV, transcodes it
to Opus with the real ffmpeg (24 kbit/s, as the finisher does), then times ``read_peaks`` on each (the
first view of a recording's player), and ``cached_peaks`` once the cache exists (every later view).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctid.recording.waveform import cached_peaks, read_peaks
from tests.web.recordings_support import speech_like, to_opus, write_wav


def timed(what: str, seconds_of_audio: float, run: Callable[[], object]) -> None:
    started = time.perf_counter()
    run()
    took = time.perf_counter() - started
    print(f"{what:<34} {took * 1000:10.1f} ms   {seconds_of_audio / took:12.0f}x real time")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    seconds = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="ctid-waveform-") as tmp:
        folder = Path(tmp)
        wav = write_wav(folder / "call.wav", speech_like(seconds))
        opus = to_opus(wav, folder / "call.opus")
        sizes = f"WAV {wav.stat().st_size / 1e6:.1f} MB, Opus {opus.stat().st_size / 1e6:.1f} MB"
        print(f"{args.minutes:g} min call: {sizes}")
        timed("peaks from the WAV", seconds, lambda: read_peaks(wav))
        timed("peaks from the Opus (ffmpeg)", seconds, lambda: read_peaks(opus))
        cache = folder / "call.peaks.json"
        cached_peaks(opus, cache)
        timed("peaks from the cache", seconds, lambda: cached_peaks(opus, cache))


if __name__ == "__main__":
    main()
