"""Logging to stderr and to a rotating file in the data dir.

Phone numbers are personal data and must not fill log files: ``PhoneMaskFilter`` masks the middle of any
number of seven digits or more in every record, its traceback included, before it reaches a handler
(13912345678 -> 139*****678; written in groups as people type them, 020-8888-1234 -> 020-****-*234).
Dates (2026-12-02) are not numbers to mask, nor are file names: a path (a word with a ``/`` in it, up to a
``?`` where a query begins) or a name with an extension keeps its digits, so the log still says which file
(``backups/ctid-20261207-140501.sqlite3``, ``140501_desk_1234567.opus``).
"""

from __future__ import annotations

import bisect
import logging
import logging.handlers
import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ctid.core.config import LogConfig

# A run of digits, single spaces or dashes between them, not inside a word of ASCII letters and digits
# (Chinese text around a number is no word boundary to a phone number); a date first, to leave it alone.
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:(?P<date>\d{4}-\d{2}-\d{2})|(?P<run>\+?\d(?:[ -]?\d)+))(?![0-9A-Za-z])"
)
# The part of a word before any "?" (what follows is a query, whose values may well be numbers), and in it
# what makes it a file's name: a slash, or an extension at its end (before closing punctuation).
_WORD_PATH = re.compile(r"(?<!\S)[^\s?]+")
_FILE_NAME = re.compile(r"/|\.[A-Za-z][A-Za-z0-9]{0,7}[,.;:!)\]}'\">]*\Z")
_SHOWN = 3  # digits left at each end: enough to tell numbers apart in a log, too few to call anyone
_MASKED_FROM = 7  # shorter runs are counts, sizes and ids, not phone numbers
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def _mask_run(run: str) -> str:
    digits = sum(c.isdigit() for c in run)
    if digits < _MASKED_FROM:
        return run
    out, seen = [], 0
    for c in run:
        if c.isdigit():
            seen += 1
            out.append(c if seen <= _SHOWN or seen > digits - _SHOWN else "*")
        else:
            out.append(c)
    return "".join(out)


def mask_numbers(text: str) -> str:
    files: list[tuple[int, int]] | None = None  # spans of the words that name files, found once if needed

    def file_end(at: int) -> int | None:
        """Where the file name holding ``at`` ends, or None when ``at`` is in no file name."""
        nonlocal files
        if files is None:
            files = [m.span() for m in _WORD_PATH.finditer(text) if _FILE_NAME.search(m.group())]
        index = bisect.bisect_right(files, (at, len(text))) - 1
        return files[index][1] if index >= 0 and files[index][0] <= at < files[index][1] else None

    def masked(start: int, stop: int) -> str:
        out, last = [], start
        for match in _NUMBER.finditer(text, start, stop):
            out += [text[last : match.start()], replace(match)]
            last = match.end()
        return "".join([*out, text[last:stop]])

    def replace(match: re.Match[str]) -> str:
        run = match.group("run")
        if run is None:
            return match.group(0)
        end = file_end(match.start())
        if end is None:
            return _mask_run(run)
        # A run that starts in a file's name keeps that part; what it spans past the name ("/0 139...",
        # a ratio before a number) is a run of its own.
        end = min(end, match.end())
        return text[match.start() : end] + masked(end, match.end())

    return masked(0, len(text))


class PhoneMaskFilter(logging.Filter):
    """Masks the message and the traceback: an exception's text often carries the number that failed."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        return True


def log_file(data_dir: Path) -> Path:
    """Where the rotating log lives in a data dir (the System page reads its latest problems there)."""
    return data_dir / "logs" / "ctid.log"


class SiteTimeFormatter(logging.Formatter):
    """Times in the shop's zone (``[site] timezone``), as every page shows them: the System page shows the
    log's lines as written, and a line in the box's zone (UTC on most servers) was hours off the calls."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__(FORMAT)
        self._zone = zone

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, self._zone)
        return f"{moment:%Y-%m-%d %H:%M:%S},{int(record.msecs):03d}"


def setup(config: LogConfig, data_dir: Path | None, timezone: str = "UTC") -> Path | None:
    """Configure the root logger, its times in ``timezone`` (the site's); returns the log file path (None
    when there is no data dir)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(config.level)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    path = None
    if data_dir is not None:
        path = log_file(data_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path,
                maxBytes=config.file_max_mb * 1024 * 1024,
                backupCount=config.file_backups,
                encoding="utf-8",
            )
        )
    for handler in handlers:
        handler.setFormatter(SiteTimeFormatter(ZoneInfo(timezone)))
        handler.addFilter(PhoneMaskFilter())
        root.addHandler(handler)
    for noisy in ("aiohttp.access", "sqlalchemy.engine", "alembic.runtime.migration", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
