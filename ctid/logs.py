"""Logging to stderr and to a rotating file in the data dir.

Phone numbers are personal data and must not fill log files: ``PhoneMaskFilter`` masks the middle of any
long digit run in every record (13912345678 -> 139*****678) before it reaches a handler.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

from ctid.config import LogConfig

_LONG_DIGITS = re.compile(r"(?<!\d)(\+?\d{3})(\d+)(\d{3})(?!\d)")
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def mask_numbers(text: str) -> str:
    return _LONG_DIGITS.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


class PhoneMaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup(config: LogConfig, data_dir: Path | None) -> Path | None:
    """Configure the root logger; returns the log file path (None when there is no data dir)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(config.level)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    path = None
    if data_dir is not None:
        path = data_dir / "logs" / "ctid.log"
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
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(PhoneMaskFilter())
        root.addHandler(handler)
    for noisy in ("aiohttp.access", "sqlalchemy.engine", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
