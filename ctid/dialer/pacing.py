"""How many calls a campaign starts now, and on which lines. Pure: the lines' and operators' states are
passed in.

- **preview**: none by itself; an operator dials the card they see.
- **progressive**: one call for each ready operator who has none ringing out for them yet, as many as there
  are free campaign lines: never a call without an operator to take it (no abandoned calls, the thing that
  makes predictive dialers hated and, in places, unlawful).
- **broadcast**: a call on each free campaign line (nobody needs to be ready).

A line is free when it is idle: a line ringing or in a call is not, so an inbound call always wins the line
and a campaign yields it (``Line`` states from ``ctid.voicecard``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ctid.dialer.models import CampaignMode


@dataclass(frozen=True)
class LineView:
    name: str
    idle: bool  # no call, not ringing, not being dialled by anyone
    healthy: bool = True  # not taken out of the campaign by ``line_health``


def free_lines(lines: Sequence[LineView]) -> list[str]:
    """The campaign lines a call may start on now, in the campaign's order."""
    return [line.name for line in lines if line.idle and line.healthy]


def calls_to_start(mode: CampaignMode, free: int, ready_operators: int, ringing_for_operators: int) -> int:
    """How many calls to start now (``ringing_for_operators``: progressive calls ringing out for an
    operator who has not got them yet)."""
    if mode == CampaignMode.PREVIEW or free < 1:
        return 0
    if mode == CampaignMode.BROADCAST:
        return free
    return max(0, min(free, ready_operators - ringing_for_operators))
