"""The outbox's decisions, pure (the time is passed in): the sending hours, when a failed try is tried
again, how a sender's rate spaces its messages, and which replies opt a number out.

Tested directly on fixed clocks (across midnight, at the very minute the quiet hours start and end)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ctid.messaging.models import Purpose

OPT_OUT_WORDS = frozenset({"td", "t", "r", "退订"})
"""Replies that stop SMS to the number (trimmed, any case; full-width letters count: a Chinese phone's
keyboard may send ＴＤ)."""


@dataclass(frozen=True)
class QuietHours:
    """No marketing SMS from ``start`` to ``end`` (shop time; ``start`` after ``end`` spans midnight, equal
    means never quiet)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def quiet_at(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The first moment (aware, UTC-comparable) at or after ``now`` outside the quiet hours."""
        local = now.astimezone(zone)
        if not self.quiet_at(local.time()):
            return now
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, zone)


def may_send(purpose: Purpose, now: datetime, zone: ZoneInfo, quiet: QuietHours) -> bool:
    """A service message goes at any hour; marketing only outside the quiet hours."""
    return purpose is Purpose.SERVICE or not quiet.quiet_at(now.astimezone(zone).time())


def retry_delay(attempts: int, first_s: float, max_s: float) -> timedelta:
    """How long after its ``attempts``-th failed try (1, 2, ...) a retryable failure is tried again:
    doubling from ``first_s``, at most ``max_s``."""
    return timedelta(seconds=min(first_s * 2 ** max(attempts - 1, 0), max_s))


def gives_up(attempts: int, max_attempts: int) -> bool:
    """After this many tries a retryable failure is final (failed, and reported)."""
    return attempts >= max_attempts


def spacing(rate_per_minute: float) -> float:
    """Seconds between two messages of one sender at its rate (0: as fast as it takes them)."""
    return 60.0 / rate_per_minute if rate_per_minute > 0 else 0.0


def is_opt_out(text: str) -> bool:
    """A reply that asks for no more SMS: "TD", "T", "R" or "退订", trimmed, in any case or width."""
    word = unicodedata.normalize("NFKC", text).strip().strip("。.!！").strip().casefold()
    return word in OPT_OUT_WORDS
