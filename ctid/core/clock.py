"""The time: ``utcnow`` and the clock type every service takes.

Why a module of its own: everything that stamps a row or judges "now" (the lines, the call log, the CRM, the
recorder) needs the time, and the voice card, which knows nothing of the database, took it from the storage
module and with it SQLAlchemy. Why injectable: the app builds every service with one ``Clock`` (the daemon's
is ``utcnow``) so tests pass theirs instead of patching module attributes. Times are aware and in UTC; the
site's time zone applies only when a day or an hour is shown or judged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeAlias

Clock: TypeAlias = Callable[[], datetime]
"""Wall-clock time, aware and in UTC (the daemon's: ``utcnow``)."""


def utcnow() -> datetime:
    return datetime.now(UTC)
