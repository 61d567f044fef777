"""A line that fails again and again leaves the campaign with an alert, instead of being dialled on for
ever (a cable pulled, a line the telco cut: every contact would get "no dial tone"). Pure: the line's
results so far are passed in."""

from __future__ import annotations

from collections.abc import Iterable

from ctid.dialer.models import LINE_FAULTS, AttemptResult

FAULTS_IN_A_ROW = 3


def sick(results_newest_first: Iterable[AttemptResult], limit: int = FAULTS_IN_A_ROW) -> bool:
    """Whether the line's newest ``limit`` results are all the line's own faults (one good call in
    between and it is well)."""
    for count, result in enumerate(results_newest_first, start=1):
        if result not in LINE_FAULTS:
            return False
        if count >= limit:
            return True
    return False
