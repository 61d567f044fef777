"""Per-operator figures, pure: from the calls of a period (who handled each, whom each missed call counts
against, when it was returned) to each operator's answered, missed, returned, ring and talk time, by day
or by line. The board's "today" and the statistics page's periods are the same function.

Definitions (docs/api.md repeats them):

- **calls**: calls the operator handled (inbound answered, outbound dialled: ctid.calls.attribution);
  **answered** the inbound ones, **outbound** the dialled ones.
- **missed**: missed inbound calls counted against the operator (ready on the line while it rang).
- **returned**: of those, the ones whose number was answered or connected later (by anyone);
  **median time to return**: from the missed call's end to the start of that first later call.
- **ring time**: the mean time from the first ring to the answer of the operator's answered calls.
- **talk time**: the sum of the talk time of the calls the operator handled.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CallFacts:
    """What the figures need of one call."""

    id: str
    line: str
    direction: str
    outcome: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    talk_s: float | None
    handled_by: int | None
    missed_by: tuple[int, ...] = ()
    returned_at: datetime | None = None  # the first later answered or connected call with its number


@dataclass
class Figures:
    calls: int = 0
    answered: int = 0
    outbound: int = 0
    missed: int = 0
    returned: int = 0
    talk_s: float = 0.0
    ring_times: list[float] = field(default_factory=list)
    return_times: list[float] = field(default_factory=list)

    @property
    def ring_s(self) -> float | None:
        """Mean seconds from the first ring to the answer."""
        return statistics.fmean(self.ring_times) if self.ring_times else None

    @property
    def median_return_s(self) -> float | None:
        return statistics.median(self.return_times) if self.return_times else None


Key = Callable[[CallFacts], Hashable]


def by_day(tz: ZoneInfo) -> Callable[[CallFacts], date]:
    """The call's day in the site's time zone."""
    return lambda call: call.started_at.astimezone(tz).date()


def by_line(call: CallFacts) -> str:
    return call.line


def overall(_call: CallFacts) -> str:
    return ""


def figures(calls: Iterable[CallFacts], key: Key = overall) -> dict[tuple[int, Hashable], Figures]:
    """Each (operator, key)'s figures; only pairs with something to count appear."""
    found: dict[tuple[int, Hashable], Figures] = {}
    for call in calls:
        group = key(call)
        if call.handled_by is not None:
            mine = found.setdefault((call.handled_by, group), Figures())
            mine.calls += 1
            mine.talk_s += call.talk_s or 0.0
            if call.direction == "outbound":
                mine.outbound += 1
            elif call.answered_at is not None:
                mine.answered += 1
                mine.ring_times.append(max(0.0, (call.answered_at - call.started_at).total_seconds()))
        for user_id in call.missed_by:
            mine = found.setdefault((user_id, group), Figures())
            mine.missed += 1
            if call.returned_at is not None:
                mine.returned += 1
                since = call.ended_at or call.started_at
                mine.return_times.append(max(0.0, (call.returned_at - since).total_seconds()))
    return found
