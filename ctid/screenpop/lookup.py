"""The pop's one read: who is calling, their card and their recent calls, in one trip to a reader thread.

Why one function across two packages' stores: every trip between the event loop and a reader thread costs
the pop a thread wake-up and a callback, and two reads in two threads at once only take turns on the GIL.
So the match, the card and the recent calls are read one after the other on one connection. The SQL stays
in the stores (ctid.crm.store, ctid.calls.store); this only puts their reads together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from ctid.calls import store as calls
from ctid.calls.models import Call
from ctid.crm import service as crm
from ctid.crm.models import CustomerCard, CustomerSummary

RECENT_CALLS = 5


@dataclass(frozen=True)
class PopRead:
    found: list[CustomerSummary]
    """Every customer with the number (several for a switchboard or a family)."""
    card: CustomerCard | None
    """The card when exactly one customer has the number."""
    recent_calls: list[Call]
    """That customer's last calls with this number on the branch's lines, this call left out."""


def read_pop(
    conn: Connection, e164: str, today: date, call_id: str, branch_id: int, lines: Sequence[str]
) -> PopRead:
    """Who is calling on a line of ``branch_id`` (whose lines are ``lines``): that branch's customers
    with the number, and their calls on its lines; another branch's customers and calls are not shown."""
    found, card = crm.identify(conn, e164, today, branch_id)
    recent = calls.recent_with(conn, [e164], RECENT_CALLS, call_id, lines) if card is not None else []
    return PopRead(found, card, recent)
