"""Start-up time and idle memory of the real daemon, and the wall time of the CLI's verbs.

    .venv/bin/python bench/startup.py [--runs 5] [--no-compileall]

For each run, in a fresh data dir with one simulated line "desk":

- the first start (creating and migrating the database), for information;
- a warm start on that existing database: process start to the first /healthz 200 (target < 1 s), then the
  resident memory after 3 s idle (target < 100 MB);
- while that daemon runs, each CLI verb as a whole process, from exec to exit (``ctid --version``,
  ``check-config``, ``line simulate``, ``user list``, ``user add``; target < 0.2 s) and ``ctid callerid
  decode`` of a 90 s WAV holding caller-ID bursts made by ``ctid.voicecard.dsp.modulator`` (target < 0.4 s).

Figures are medians over the runs, with the max, the CPU seconds the process had used (the daemon: by the
time /healthz answered) and the load average beside: on a shared machine the wall times grow with the
load, the CPU times much less. First ``ctid/`` is compiled to bytecode, as ``quickstart.sh`` does at
install; ``--no-compileall`` measures the tree as it is (under ``PYTHONDONTWRITEBYTECODE`` with no
``__pycache__``, every process compiles the ctid modules it imports: about 0.2 s of a start).

``user add`` hashes a password with argon2 by design (its cost is a security setting, not start-up): it is
printed for information beside ``user list``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ctid.voicecard.dsp.modulator import caller_id_burst, pcm16, silence
from tests.support.daemon import SIM_DESK, Daemon, free_port, write_config

ROOT = Path(__file__).resolve().parents[1]
WAV_SECONDS = 90.0
IDLE_S = 3.0
TARGETS = {"warm start -> /healthz 200": (1.0, "s"), "idle RSS": (100.0, "MB")}
CLI_TARGET_S = 0.2
DECODE_TARGET_S = 0.4


def wav_90s(path: Path) -> Path:
    """90 s of a line at 8 kHz: a caller-ID burst (MDMF number and name) every 15 s, silence between."""
    body = b"\x01\x0812251430" + b"\x02\x0b13912345678" + b"\x07\x09ZHANG SAN"
    head = bytes([0x80, len(body)]) + body
    burst = caller_id_burst(head + bytes([-sum(head) % 256]))
    gap = silence(15.0 - len(burst) / 8000)
    audio = np.concatenate([np.concatenate([gap, burst]) for _ in range(int(WAV_SECONDS // 15))])
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(pcm16(audio).tobytes())
    return path


def bytecode() -> str:
    """Whether the processes find ctid's modules compiled or compile them (what the start spends)."""
    sources = list((ROOT / "ctid").rglob("*.py"))
    cached = sum(Path(importlib.util.cache_from_source(str(path))).exists() for path in sources)
    writes = "not written" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "written"
    return f"{cached} of {len(sources)} ctid modules compiled in __pycache__, new ones {writes}"


@dataclass(frozen=True)
class Figure:
    value: float
    cpu_s: float | None
    load: float


def ctid(*args: str, stdin: str = "") -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m ctid ARGS`` from exec to exit (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ctid", *args], input=stdin, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"ctid {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def verbs(config: Path, wav: Path, run: int) -> dict[str, Callable[[], tuple[float, float]]]:
    conf = ("--config", str(config))
    return {
        "ctid --version": lambda: ctid("--version"),
        "ctid check-config": lambda: ctid("check-config", str(config)),
        "ctid line simulate": lambda: ctid("line", "simulate", "desk", "--number", "13912345678", *conf),
        "ctid user list": lambda: ctid("user", "list", *conf),
        "ctid user add (argon2)": lambda: ctid(
            "user", "add", f"bench{run}", "--role", "operator", *conf, stdin="a bench's passphrase\n"
        ),
        f"ctid callerid decode ({WAV_SECONDS:.0f} s WAV)": lambda: ctid("callerid", "decode", str(wav)),
    }


def start(config: Path) -> tuple[Daemon, float, float]:
    """The daemon, the wall seconds until /healthz answered 200 and the CPU seconds it had used by then."""
    port = int(config.read_text().split("port = ")[1].split()[0])
    daemon = Daemon(config, port)
    started = time.monotonic()
    daemon.start()
    daemon.wait_healthy(timeout=30)
    seconds = time.monotonic() - started
    used = psutil.Process(daemon.process.pid).cpu_times()
    return daemon, seconds, used.user + used.system


def one_run(run: int, figures: dict[str, list[Figure]]) -> None:
    def note(label: str, value: float, cpu_s: float | None = None) -> None:
        figures.setdefault(label, []).append(Figure(value, cpu_s, os.getloadavg()[0]))

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        config = write_config(directory, free_port(), SIM_DESK)
        wav = wav_90s(directory / "line.wav")
        daemon, seconds, cpu_s = start(config)  # creates and migrates the database
        daemon.stop()
        note("first start (new database)", seconds, cpu_s)
        daemon, seconds, cpu_s = start(config)
        try:
            note("warm start -> /healthz 200", seconds, cpu_s)
            time.sleep(IDLE_S)
            note("idle RSS", psutil.Process(daemon.process.pid).memory_info().rss / 1024 / 1024)
            for label, measure in verbs(config, wav, run).items():
                note(label, *measure())
        finally:
            daemon.stop()


def report(figures: dict[str, list[Figure]]) -> bool:
    met = True
    for label, runs in figures.items():
        values = [run.value for run in runs]
        load = statistics.median(run.load for run in runs)
        median = statistics.median(values)
        cpus = [run.cpu_s for run in runs if run.cpu_s is not None]
        cpu = f"CPU {statistics.median(cpus):5.2f} s" if cpus else " " * 12
        target, unit = TARGETS.get(label, (None, "s"))
        if label.startswith("ctid") and "argon2" not in label:
            target = DECODE_TARGET_S if "decode" in label else CLI_TARGET_S
        verdict = ""
        if target is not None:
            ok = median < target
            met &= ok
            verdict = f"  target < {target:g} {unit}: {'met' if ok else 'NOT met'}"
        print(
            f"{label:<34} median {median:6.2f} {unit:<2} max {max(values):6.2f} {unit:<2} {cpu}"
            f" (load avg {load:5.2f}){verdict}"
        )
    return met


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-compileall", action="store_true", help="do not compile ctid/ to bytecode first")
    args = parser.parse_args()
    if not args.no_compileall:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "ctid")], check=True)
    print(f"bytecode: {bytecode()}; {os.cpu_count()} cores")
    figures: dict[str, list[Figure]] = {}
    for run in range(args.runs):
        one_run(run, figures)
    met = report(figures)
    print(f"targets: {'all met' if met else 'NOT all met'} (medians of {args.runs} runs)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
