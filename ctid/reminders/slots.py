"""The workshop's day as appointments see it: the time slots each advisor (服务顾问) takes cars in, and how
many cars a slot takes. Pure (no I/O, no clock): the appointments service and the day view ask it.

The plan comes from ``[appointments]`` in the config (08:30-17:30 in 30-minute slots, two cars a slot per
advisor by default). A slot is named by its start, "HH:MM" in the site's time, which sorts as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DEFAULT_START = "08:30"
DEFAULT_END = "17:30"
DEFAULT_MINUTES = 30
DEFAULT_CARS = 2


def minutes_of(hhmm: str) -> int:
    """``"08:30"`` -> 510. The caller has checked the form (config check, form parser)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class SlotPlan:
    start: str = DEFAULT_START
    end: str = DEFAULT_END
    minutes: int = DEFAULT_MINUTES
    cars: int = DEFAULT_CARS  # per slot and advisor

    def __post_init__(self) -> None:
        if self.minutes < 5 or self.cars < 1 or minutes_of(self.end) - minutes_of(self.start) < self.minutes:
            raise ValueError("a slot plan needs at least one slot of 5 minutes or more, and a car a slot")

    @property
    def slots(self) -> tuple[str, ...]:
        """Every slot's start: a slot ends by the day's end (17:30 closes the last 17:00-17:30 slot)."""
        first, last = minutes_of(self.start), minutes_of(self.end) - self.minutes
        return tuple(hhmm(m) for m in range(first, last + 1, self.minutes))

    def slot_end(self, slot: str) -> str:
        return hhmm(minutes_of(slot) + self.minutes)

    def free(self, taken: int) -> int:
        """Cars a slot of one advisor still takes when ``taken`` are booked in it (never below 0)."""
        return max(0, self.cars - taken)


def slot_of(plan: SlotPlan, hhmm_text: str) -> str | None:
    """The plan's slot that starts at ``hhmm_text``, or None (09:10 in a plan of half hours is no slot)."""
    return hhmm_text if hhmm_text in plan.slots else None


@dataclass(frozen=True)
class Cell:
    """One advisor's slot on a day: what is booked in it and how many more cars it takes."""

    slot: str
    advisor_id: int
    booked: tuple[int, ...]  # appointment ids, in booking order
    free: int


def day_grid(
    plan: SlotPlan, advisors: Iterable[int], taken: Mapping[tuple[int, str], list[int]]
) -> dict[int, list[Cell]]:
    """Each advisor's slots of a day, from the appointments taking a slot (``(advisor, slot) -> ids``).
    An appointment in a slot the plan no longer has (the hours were changed) is kept, in its own row."""
    grid: dict[int, list[Cell]] = {}
    for advisor in advisors:
        extra = sorted(s for (a, s) in taken if a == advisor and s not in plan.slots)
        starts = sorted({*plan.slots, *extra})
        grid[advisor] = [
            Cell(s, advisor, tuple(taken.get((advisor, s), ())), plan.free(len(taken.get((advisor, s), ()))))
            for s in starts
        ]
    return grid
