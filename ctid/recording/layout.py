"""Where a recording's file goes: <recordings dir>/YYYY/MM/DD/<HHMMSS>_<line>_<call id>.<format>.

Dates are the shop's local date, so a supervisor looking on the disk finds a morning's calls under that
morning's folder. Only characters that are safe in a file name on any system are kept of the line name.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo


def recording_path(started_at: datetime, timezone: str, line: str, call_id: str, suffix: str = "wav") -> str:
    """The path relative to the recordings dir (POSIX separators: it is stored in the database)."""
    local = started_at.astimezone(ZoneInfo(timezone))
    name = f"{local:%H%M%S}_{_safe(line)}_{_safe(call_id)}.{suffix}"
    return str(PurePosixPath(f"{local:%Y}", f"{local:%m}", f"{local:%d}", name))


def with_suffix(path: str, suffix: str) -> str:
    return str(PurePosixPath(path).with_suffix(f".{suffix}"))


def _safe(text: str) -> str:
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in text)
    return kept.strip(".")[:40] or "x"
