"""The software voice card against Debian's minimodem, on the same files; then the recording costs.

    .venv/bin/python bench/audio.py [--frames 200] [--runs 3] [--skip-recording]

Generates, once per run, one 8 kHz 16-bit WAV per noise level (clean, 20, 10 and 6 dB SNR), each holding
``--frames`` caller-ID bursts (30 bytes of seizure, 150 marks, an SDMF or MDMF call-setup frame) from
``ctid.voicecard.dsp.modulator``, every burst at its own baud and tone drift within +-2 % and with silence
(noise, where there is noise) around it. The SNR is the burst's power over the noise's, in the full band.

Then, for each file, best of ``--runs``:

- ctid: the file read in 10 s pieces into ``ctid.voicecard.dsp.fsk.FskDemodulator`` (Bell 202, as
  minimodem's ``1200``), each frame through ``decode_frame``: a frame is intact when it decoded (so its
  checksum held) and its bytes are the ones sent.
- minimodem: ``minimodem --rx 1200 -8 -R 8000 -f FILE`` (its output is raw bytes: a frame is intact when its
  exact bytes appear in the output, checksum included).

Times are wall clock and CPU (this process's for ctid, the child's for minimodem), one core each (the
machine is shared: CPU time is the steadier figure). Targets: ctid no slower than minimodem, at least 1000x
real time, and more frames intact than minimodem at every level. A last line gives the CPU one audio line
spends listening (20 ms blocks through the decoder in both tone plans, DTMF, VOX, dial tone and the call
logic: what every ``driver = "audio"`` line runs), on the 10 dB file.

Unless ``--skip-recording``, ``bench/audio_recording.py`` follows (recording CPU with 8 lines, transcoding).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctid.voicecard.callerid import FrameError, decode_frame
from ctid.voicecard.dsp.decoder import AudioCallerIdDecoder
from ctid.voicecard.dsp.fsk import FskDemodulator
from ctid.voicecard.dsp.modulator import caller_id_burst, pcm16, with_noise
from ctid.voicecard.dsp.plans import BELL202
from ctid.voicecard.dsp.tap import LineTap
from ctid.voicecard.dsp.tones import dial_tone_share
from ctid.voicecard.dsp.vox import voice_level_dbfs

RATE: Final = 8000
AMPLITUDE: Final = 8000.0
LEVELS: Final = (("clean", None), ("20 dB", 20.0), ("10 dB", 10.0), ("6 dB", 6.0))
TARGET_REAL_TIME: Final = 1000.0


@dataclass(frozen=True)
class Result:
    wall_s: float
    cpu_s: float
    intact: int


def frame(kind: int, body: bytes) -> bytes:
    head = bytes([kind, len(body)]) + body
    return head + bytes([-sum(head) % 256])


def random_frame(rng: np.random.Generator) -> bytes:
    """SDMF, or MDMF with date, number and (every other time) a name: what exchanges send."""
    digits = "".join(rng.choice(list("0123456789"), int(rng.integers(7, 13)))).encode()
    when = b"".join(b"%02d" % int(rng.integers(a, b)) for a, b in ((1, 13), (1, 29), (0, 24), (0, 60)))
    shape = int(rng.integers(0, 3))
    if shape == 0:
        return frame(0x04, when + digits)
    body = b"\x01\x08" + when + bytes([0x02, len(digits)]) + digits
    if shape == 2:
        name = bytes(rng.integers(0x41, 0x5B, int(rng.integers(3, 16))).astype(np.uint8))
        body += bytes([0x07, len(name)]) + name
    return frame(0x80, body)


def generate(directory: Path, frames: int) -> list[tuple[str, Path, list[bytes], float]]:
    """One file per level: the same frames and drifts at every level; the noise differs."""
    files = []
    for label, snr in LEVELS:
        rng = np.random.default_rng(2026)
        sent = [random_frame(rng) for _ in range(frames)]
        bursts = [
            caller_id_burst(
                data,
                baud_drift=rng.uniform(-0.02, 0.02),
                freq_drift=rng.uniform(-0.02, 0.02),
                amplitude=AMPLITUDE,
                lead_s=0.15,
                trail_s=0.15,
            )
            for data in sent
        ]
        audio = np.concatenate(bursts)
        if snr is not None:
            audio = with_noise(audio, snr, np.random.default_rng(7), reference_power=AMPLITUDE**2 / 2)
        path = directory / f"callerid-{label.replace(' ', '')}.wav"
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(RATE)
            wav.writeframes(pcm16(audio).tobytes())
        files.append((label, path, sent, len(audio) / RATE))
    return files


def best(runs: int, measure: Callable[[], Result]) -> Result:
    results = [measure() for _ in range(runs)]
    return Result(
        min(r.wall_s for r in results), min(r.cpu_s for r in results), max(r.intact for r in results)
    )


def ctid_decode(path: Path, sent: list[bytes]) -> Result:
    """Read the file in 10 s pieces (as ``ctid callerid decode`` does), demodulate, check each frame."""
    wall, cpu = time.perf_counter(), time.process_time()
    demodulator = FskDemodulator(RATE, BELL202)
    decoded = set()
    with wave.open(str(path)) as wav:
        while raw := wav.readframes(10 * RATE):
            for found in demodulator.feed(np.frombuffer(raw, dtype="<i2")):
                try:
                    decode_frame(found.data)
                except FrameError:
                    continue
                decoded.add(found.data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Result(wall, cpu, sum(data in decoded for data in sent))


def minimodem_decode(path: Path, sent: list[bytes]) -> Result:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    output = subprocess.run(
        ["minimodem", "--rx", "1200", "-8", "-R", str(RATE), "-f", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Result(wall, cpu, sum(data in output for data in sent))


def streaming_cpu(path: Path) -> float:
    """Share of one core an audio line's listening takes, 20 ms blocks as ``AudioLineDriver`` gets them:
    the decoder (both tone plans, DTMF), voice level, dial tone and the call logic (no bus, no loop)."""
    with wave.open(str(path)) as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    decoder, tap = AudioCallerIdDecoder(RATE, "auto"), LineTap()
    cpu = time.process_time()
    for index in range(0, len(samples), 160):
        block, t = samples[index : index + 160], index / RATE
        for item in decoder.feed(block):
            tap.heard(item, item.time_s, "idle")
        tap.block(voice_level_dbfs(block), dial_tone_share(block, RATE), t, 0.02, "idle")
    decoder.flush()
    return (time.process_time() - cpu) / (len(samples) / RATE)


def report(files: list[tuple[str, Path, list[bytes], float]], runs: int) -> bool:
    header = (
        f"{'level':>6} {'audio':>7} | {'ctid ms':>8} {'cpu ms':>7} {'x real':>7} {'intact':>7} | "
        f"{'minimodem ms':>12} {'cpu ms':>7} {'x real':>7} {'intact':>7} | {'speed':>6}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for label, path, sent, seconds in files:
        ours = best(runs, lambda p=path, s=sent: ctid_decode(p, s))
        theirs = best(runs, lambda p=path, s=sent: minimodem_decode(p, s))
        print(
            f"{label:>6} {seconds:>6.0f}s | {ours.wall_s * 1e3:>8.1f} {ours.cpu_s * 1e3:>7.1f} "
            f"{seconds / ours.cpu_s:>6.0f}x {ours.intact:>3}/{len(sent):<3} | "
            f"{theirs.wall_s * 1e3:>12.1f} {theirs.cpu_s * 1e3:>7.1f} {seconds / theirs.cpu_s:>6.0f}x "
            f"{theirs.intact:>3}/{len(sent):<3} | {theirs.cpu_s / ours.cpu_s:>5.2f}x"
        )
        ok &= ours.cpu_s <= theirs.cpu_s and seconds / ours.cpu_s >= TARGET_REAL_TIME
        ok &= ours.intact > theirs.intact
    print(
        "targets (ctid CPU <= minimodem's, >= 1000x real time, more frames intact at every level): "
        + ("met" if ok else "NOT met")
    )
    share = streaming_cpu(files[2][1])
    print(f"one audio line listening (20 ms blocks: decoder, VOX, dial tone): {share * 100:.2f} % of a core")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Caller-ID decoding: ctid vs minimodem (see the module doc)."
    )
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-recording", action="store_true", help="only the caller-ID table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ctid-bench-audio-") as tmp:
        print(
            f"generating {len(LEVELS)} files of {args.frames} caller-ID bursts (+-2 % baud and tone drift)..."
        )
        files = generate(Path(tmp), args.frames)
        ok = report(files, args.runs)
    if not args.skip_recording:
        recording = Path(__file__).with_name("audio_recording.py")
        if recording.exists():
            print()
            from bench import audio_recording

            audio_recording.main([])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
