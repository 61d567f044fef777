"""Start-up time and idle memory of the real daemon.

    .venv/bin/python bench/startup.py [--runs 5]

Prints, for a fresh data dir each run: process start to the first /healthz 200 (target < 2 s), and the
resident memory after 3 s idle (target < 100 MB). The first run includes creating and migrating the
database; later runs in the same data dir are warm starts, reported separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.daemon import Daemon, free_port, write_config


def measure(directory: Path) -> tuple[float, float]:
    port = free_port()
    daemon = Daemon(write_config(directory, port), port)
    started = time.monotonic()
    daemon.start()
    try:
        daemon.wait_healthy(timeout=30)
        ready = time.monotonic() - started
        time.sleep(3)
        rss_mb = psutil.Process(daemon.process.pid).memory_info().rss / 1024 / 1024
    finally:
        daemon.stop()
    return ready, rss_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold, warm, rss = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, mb = measure(Path(tmp))
            cold.append(seconds)
            rss.append(mb)
            seconds, mb = measure(Path(tmp))
            warm.append(seconds)
            rss.append(mb)
    for label, runs in (("new database", cold), ("existing database", warm)):
        median = statistics.median(runs)
        print(f"start -> /healthz 200, {label}: median {median:.2f} s, max {max(runs):.2f} s")
    print(f"idle RSS: median {statistics.median(rss):.1f} MB, max {max(rss):.1f} MB")
    verdict = max(cold + warm) < 2.0 and max(rss) < 100
    print(f"targets (< 2 s, < 100 MB): {'met' if verdict else 'NOT met'}")


if __name__ == "__main__":
    main()
