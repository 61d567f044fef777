"""What the statistics give: a chart's labels and series of counts (frozen dataclasses, no rows)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ctid.stats.periods import Period
from ctid.stats.svg import Series


class ChartName(StrEnum):
    NEW_CUSTOMERS = "new-customers"
    LOST_CUSTOMERS = "lost-customers"
    FOLLOW_UPS = "follow-ups"
    COMPLAINTS = "complaints"
    PROSPECT_INDUSTRIES = "prospect-industries"
    PROSPECT_FOCUS = "prospect-focus"
    CALLS_BY_HOUR = "calls-by-hour"


@dataclass(frozen=True)
class Chart:
    name: ChartName
    title: str  # a message id: the page translates it, as it does the series' names
    kind: str  # "bar" or "line"
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    period: Period
    translated: frozenset[str] = frozenset()  # labels that are message ids (statuses, "(none)")
