"""Recording costs: CPU per concurrent recording, and transcoding throughput.

    .venv/bin/python bench/audio_recording.py [--lines 8] [--seconds 20] [--transcode-seconds 180]

CPU per recording: ``--lines`` sound-card taps (``ctid.voicecard.audio_in.AudioInput``, real PyAudio) read
ALSA file PCMs at 8 kHz whose infiles are FIFOs, fed a 20 ms block at a time, in real time, by a separate
feeder process (so its work is not counted; its CPU is shown apart). Every block goes into a ``WavWriter``
on the event loop, which also starts the periodic fsync in the loop's executor, as the recorder does. The
figure is this process's CPU time (user + system, all threads: readers, loop, fsyncs) over ``--seconds``
after a 2 s warm-up, divided by the lines. Target: < 3 % of one core per recording. A real card's read
waits in the kernel for the card's interrupt as the FIFO's read waits for the feeder: the same pattern of
one wake-up per block.

Transcoding: ``--transcode-seconds`` of speech-like audio (the simulated line's voice) as a WAV, converted
by ``ctid.recording.transcode`` to Opus and MP3 at 24 kbps (one ffmpeg thread, nice 10, checked and
fsynced as in production): wall time, times real time, WAV megabytes per second, output size.

``main()`` prints the figures and returns them (``bench/audio.py`` calls it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctid.recording.transcode import transcode
from ctid.recording.wav import WavWriter
from ctid.voicecard.audio_in import AudioInput
from ctid.voicecard.sim_audio import voice_like

RATE = 8000
BLOCK = 160
TARGET_CPU_PER_LINE = 0.03
WARMUP_S = 2.0

_FEEDER = """
import os, sys, time
import numpy as np
paths = sys.argv[1:]
fds = [os.open(p, os.O_RDWR | os.O_NONBLOCK) for p in paths]
voice = np.random.default_rng(5).integers(-9000, 9000, 8000 * 10, dtype=np.int16).tobytes()
print("ready", flush=True)
block, position, next_at = 320, 0, time.monotonic()
while True:
    chunk = voice[position : position + block]
    position = (position + block) % len(voice)
    for fd in fds:
        try:
            os.write(fd, chunk)
        except BlockingIOError:
            pass
    next_at += 0.02
    time.sleep(max(0.0, next_at - time.monotonic()))
"""


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def recording_cpu(lines: int, seconds: float, directory: Path) -> dict[str, Any]:
    """CPU of ``lines`` taps each recording to a WAV, with the feeder in a child process."""
    fifos = [directory / f"line{i}.fifo" for i in range(lines)]
    for fifo in fifos:
        os.mkfifo(fifo)
    home = directory / "home"
    home.mkdir()
    pcm = 'pcm.benchline{} {{ type file slave.pcm "null" file "/dev/null" infile "{}" format "raw" }}\n'
    (home / ".asoundrc").write_text("".join(pcm.format(i, fifo) for i, fifo in enumerate(fifos)))
    feeder = subprocess.Popen(
        [sys.executable, "-c", _FEEDER, *map(str, fifos)], stdout=subprocess.PIPE, text=True
    )
    saved_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)  # ALSA reads ~/.asoundrc when PortAudio initialises
    try:
        assert feeder.stdout is not None and feeder.stdout.readline().strip() == "ready"
        return asyncio.run(_measure(lines, seconds, directory, feeder.pid))
    finally:
        feeder.kill()
        feeder.wait()
        if saved_home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = saved_home


async def _measure(lines: int, seconds: float, directory: Path, feeder: int) -> dict[str, Any]:
    sources: list[AudioInput] = []
    writers: list[WavWriter] = []
    try:
        for i in range(lines):
            source = AudioInput(f"bench{i}", f"benchline{i}", RATE, retry_min_s=0.2)
            writer = WavWriter(directory / f"line{i}.wav", RATE)
            source.listen(lambda samples, _t, writer=writer: writer.write(samples))
            sources.append(source)
            writers.append(writer)
            await source.start()
        await asyncio.sleep(WARMUP_S)
        down = [s.name for s in sources if s.status != "up"]
        if down:
            raise RuntimeError(f"taps not reading after {WARMUP_S} s: {down}")
        blocks, feeder_cpu = sum(s.blocks for s in sources), _child_cpu(feeder)
        cpu, wall = cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, wall = cpu_seconds() - cpu, time.monotonic() - wall
        blocks = sum(s.blocks for s in sources) - blocks
        feeder_cpu = _child_cpu(feeder) - feeder_cpu
    finally:
        for source in sources:
            await source.stop()
        for writer in writers:
            await asyncio.to_thread(writer.close)
    return {
        "lines": lines,
        "seconds": wall,
        "cpu_share_total": cpu / wall,
        "cpu_share_per_line": cpu / wall / lines,
        "blocks_per_line_per_s": blocks / wall / lines,
        "dropped": sum(s.dropped for s in sources),
        "feeder_cpu_share": feeder_cpu / wall,
        "wav_bytes": sum(w.frames for w in writers) * 2,
    }


def _child_cpu(pid: int) -> float:
    """A running child's CPU seconds (utime + stime from /proc; RUSAGE_CHILDREN counts only the reaped)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def transcoding(seconds: float, directory: Path) -> list[dict[str, Any]]:
    source = directory / "call.wav"
    writer = WavWriter(source, RATE, fsync_every_s=None)
    writer.write(voice_like(RATE, seconds))
    writer.close()
    size = source.stat().st_size
    results = []
    for fmt in ("opus", "mp3"):
        children = cpu_seconds(resource.RUSAGE_CHILDREN)
        result = transcode(source, directory / f"call.{fmt}", fmt, 24)  # type: ignore[arg-type]
        cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - children  # ffmpeg and ffprobe, reaped
        results.append(
            {
                "format": fmt,
                "audio_s": result.source_duration_s,
                "wall_s": result.seconds,
                "cpu_s": cpu,
                "x_realtime": result.source_duration_s / result.seconds,
                "x_realtime_per_cpu_s": result.source_duration_s / cpu,
                "wav_mb_per_s": size / result.seconds / 1e6,
                "output_bytes": result.bytes,
                "wav_bytes": size,
            }
        )
    return results


def report(cpu: dict[str, Any], conversions: list[dict[str, Any]]) -> bool:
    per_line = cpu["cpu_share_per_line"]
    met = per_line < TARGET_CPU_PER_LINE and cpu["dropped"] == 0
    print(f"recording: {cpu['lines']} lines at {RATE} Hz for {cpu['seconds']:.1f} s (PyAudio tap -> WAV)")
    print(
        f"  CPU {cpu['cpu_share_total']:.2%} of one core in all, {per_line:.2%} per recording"
        f" (target < {TARGET_CPU_PER_LINE:.0%}): {'met' if met else 'NOT met'}"
    )
    print(
        f"  {cpu['blocks_per_line_per_s']:.1f} blocks/s per line (50 expected), {cpu['dropped']} dropped;"
        f" feeder process (not counted) {cpu['feeder_cpu_share']:.2%}"
    )
    print("transcoding (24 kbps, one ffmpeg thread at nice 10, verified and fsynced):")
    for row in conversions:
        print(
            f"  {row['format']:<5} {row['audio_s']:.0f} s of audio in {row['wall_s']:.2f} s:"
            f" {row['x_realtime']:.0f}x real time ({row['x_realtime_per_cpu_s']:.0f}x per CPU second),"
            f" {row['wav_mb_per_s']:.1f} MB/s of WAV,"
            f" {row['output_bytes'] / 1024:.0f} KiB ({row['output_bytes'] / row['wav_bytes']:.1%} of the WAV)"
        )
    return met


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description="Recording CPU and transcoding throughput (see the module doc)."
    )
    parser.add_argument("--lines", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--transcode-seconds", type=float, default=180.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ctid-bench-rec-") as tmp:
        directory = Path(tmp)
        (directory / "cpu").mkdir()
        (directory / "transcode").mkdir()
        cpu = recording_cpu(args.lines, args.seconds, directory / "cpu")
        conversions = transcoding(args.transcode_seconds, directory / "transcode")
    met = report(cpu, conversions)
    return {"recording": cpu, "transcoding": conversions, "targets_met": met}


if __name__ == "__main__":
    sys.exit(0 if main()["targets_met"] else 1)
