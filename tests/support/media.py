"""What the recording and resilience tests share: ffprobe's view of a file, and a small disk to fill up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def ffprobe(path: Path) -> dict[str, float | int | str]:
    """ffprobe's view of the file's one audio stream; fails the test if ffprobe cannot read it."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels,duration",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert not result.stderr, result.stderr
    return dict(json.loads(result.stdout)["streams"][0])


def seconds(path: Path) -> float:
    """How long ffprobe says the file plays."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return float(result.stdout)


def on_small_disk(disk: Path, size: str, child: str, *args: Path) -> Any:
    """Run the Python source ``child`` with ``disk`` a tmpfs of ``size`` (a private mount namespace: no root
    needed); returns what it printed as JSON."""
    disk.mkdir(exist_ok=True)
    command = " ".join([sys.executable, "-c", f"'{child}'", *(str(a) for a in args)])
    script = f"mount -t tmpfs -o size={size} tmpfs {disk} && exec {command}"
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
