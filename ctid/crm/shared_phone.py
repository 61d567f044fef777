"""A new customer's phone that another customer of the branch already has: saved only once the user says so.

Why ask rather than refuse or let it through: a family shares its home line and a company's staff its
switchboard (the pop then offers each customer with the number), so a shared number is often right; but
as often it is the same customer added a second time, whose calls then pop two cards. The form says who
has the number, links to them, and saves when the user confirms (``confirm_shared_phone``).
Numbers are compared by their E.164 key, so ``138 0013 8000`` and ``+86 13800138000`` are one number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ctid.core.errors import N_, Conflict

MAX_NAMED = 5  # holders named in the message and the answer; a switchboard may have dozens


@dataclass(frozen=True)
class PhoneHolder:
    """A customer who has one of the numbers, with the number as they have it written."""

    customer_id: int
    name: str
    number: str


class PhoneShared(Conflict):
    """409 ``phone_shared`` on ``phones``; ``details`` lists the holders (id, name, number) for the form."""

    code = "phone_shared"

    def __init__(self, holders: Sequence[PhoneHolder]) -> None:
        named = holders[:MAX_NAMED]
        names = ", ".join(dict.fromkeys(h.name for h in named)) + ("…" if len(holders) > MAX_NAMED else "")
        super().__init__(
            N_(
                "%(number)s is already the phone of %(names)s in this branch. If they share it (a family, "
                "a company), confirm to save this customer too."
            ),
            number=named[0].number,
            names=names,
        )
        self.field = "phones"
        self.details: dict[str, Any] = {
            "customers": [{"id": h.customer_id, "name": h.name, "number": h.number} for h in named]
        }
