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
