"""Events about calls that come from above the line layer (the CRM match)."""

from __future__ import annotations

from dataclasses import dataclass

from ctid.voicecard.events import CallEvent


@dataclass(frozen=True, kw_only=True)
class CallMatched(CallEvent):
    """The caller's number matched customers: ``customer_id`` when exactly one, all of them in ``candidates``.

    A bus event rather than a direct write, so the call log records it in order after the call's row exists.
    """

    customer_id: int | None
    candidates: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class CallHandled(CallEvent):
    """Who handled the call (ctid.calls.attribution): ``user_id`` and ``how`` when known; for a missed
    call, ``missed_by``, the operators it counts against. The call log writes it in order with the call's
    other stages; the pops tell the board."""

    direction: str
    user_id: int | None
    label: str = ""
    how: str = ""
    missed_by: tuple[int, ...] = ()
