"""File facts every stage of a recording needs: size and SHA-256 (blocking: run in a thread)."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def digest(path: Path) -> tuple[int, str]:
    """The file's size and SHA-256 hex digest, read in 1 MB chunks."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def remove(path: Path) -> None:
    """Delete a recording's file and its cached waveform, if they are there."""
    path.unlink(missing_ok=True)
    path.with_suffix(".peaks.json").unlink(missing_ok=True)
