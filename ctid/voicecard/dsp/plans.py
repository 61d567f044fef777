"""The FSK tone plans of caller ID (TELEPHONY.md): which tone is a 1 (mark) and which a 0 (space)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

PlanName = Literal["bell202", "v23"]
PlanChoice = Literal["bell202", "v23", "auto"]

BAUD: Final = 1200.0
"""Both plans send caller ID at 1200 baud."""


@dataclass(frozen=True)
class TonePlan:
    name: PlanName
    mark_hz: float
    space_hz: float


BELL202: Final = TonePlan("bell202", 1200.0, 2200.0)
V23: Final = TonePlan("v23", 1300.0, 2100.0)
PLANS: Final[dict[str, TonePlan]] = {"bell202": BELL202, "v23": V23}


def plans_for(choice: str) -> tuple[TonePlan, ...]:
    """The plans to listen with: one, or both for ``auto`` (an exchange's plan is rarely documented)."""
    if choice == "auto":
        return (BELL202, V23)
    if choice not in PLANS:
        raise ValueError(f"unknown tone plan {choice!r} (bell202, v23 or auto)")
    return (PLANS[choice],)
