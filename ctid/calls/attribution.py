"""Which operator handled a call: the rule, pure (docs/architecture.md, "Which operator handled a call").

ctid hears the analogue line go off-hook, not which desk's handset lifted it, so the operator is inferred,
most certain first: an outbound call is the dialling operator's; an inbound call answered is the one who
pressed "take" on its pop, else the only operator ready on the line when it was answered, else (several
or none ready) the one who writes its note. A missed call counts against every operator who was ready on
the line while it rang.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

DIALLED = "dialled"
TOOK = "took"
ONLY_READY = "only ready"
NOTE = "note"


@dataclass(frozen=True)
class Handler:
    user_id: int | None
    how: str  # DIALLED, TOOK, ONLY_READY, NOTE; "" when nobody (yet)


NOBODY = Handler(None, "")


def answered_by(took: int | None, ready: Collection[int]) -> Handler:
    """The operator of an inbound call at its answer: the one who took it, else the only one ready."""
    if took is not None:
        return Handler(took, TOOK)
    if len(ready) == 1:
        return Handler(next(iter(ready)), ONLY_READY)
    return NOBODY


def outranks(new: Handler, old: Handler) -> bool:
    """Whether ``new`` replaces ``old`` on a call: a take beats the guess from who was ready, a note only
    names a call that had nobody, and the dialler is never replaced."""
    rank = {"": 0, NOTE: 1, ONLY_READY: 2, TOOK: 3, DIALLED: 4}
    return new.user_id is not None and rank[new.how] > rank[old.how]


def missed_against(outcome: str, direction: str, ready_while_ringing: Collection[int]) -> frozenset[int]:
    """A missed inbound call counts against the operators who were ready on its line while it rang."""
    if direction != "inbound" or outcome != "missed":
        return frozenset()
    return frozenset(ready_while_ringing)
