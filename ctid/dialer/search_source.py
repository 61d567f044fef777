"""A campaign's contacts from a customer search: the customer list's filters (``/crm/customers``,
``GET /api/v1/customers``) as the campaign's ``source.search`` keeps them, read into the list's own
``CustomerFilter``, so a campaign calls exactly the customers the list shows for the same filters.

The keys are the list's query names (``level``, ``tag``, ``due`` with ``within``, ...), so a supervisor can
carry a search over from the list as it is; a value may be a text as a query string gives it or a number as
JSON does, and an empty one is no filter. The branch is never the search's: it is the campaign's. A bad
value is a ValidationError naming it (``source.search.within``). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from ctid.core.errors import N_, ValidationError
from ctid.crm.due_dates import MAX_WITHIN_DAYS, VEHICLE_HORIZON_DAYS
from ctid.crm.models import CustomerKind, ReminderKind
from ctid.crm.record_models import CustomerFilter
from ctid.reminders import json_fields as read

PREFIX = "source.search."
TEXTS = {"level": 16, "source": 32, "tag": 40}  # each text filter's longest value, as the list's
KEYS = (*TEXTS, "assigned_user", "kind", "due", "within", "visited_after", "visited_before")
MAX_ID = 2**31 - 1
E = TypeVar("E", bound=StrEnum)


def customer_filter(search: Mapping[str, Any], branch_id: int | None = None) -> CustomerFilter:
    """The list's filter for these values, in ``branch_id``."""
    read.only_known(search, KEYS, PREFIX)
    given = {key: value for key, value in search.items() if value not in (None, "")}
    texts = {key: _text(given.get(key, ""), key, limit) for key, limit in TEXTS.items()}
    return CustomerFilter(
        branch_id=branch_id,
        level=texts["level"],
        source=texts["source"],
        tag=texts["tag"],
        assigned_user_id=_number(given["assigned_user"], "assigned_user", 1, MAX_ID)
        if "assigned_user" in given
        else None,
        kind=_choice(given["kind"], "kind", CustomerKind) if "kind" in given else None,
        due=_choice(given["due"], "due", ReminderKind) if "due" in given else None,
        due_within=_number(given.get("within", VEHICLE_HORIZON_DAYS), "within", 0, MAX_WITHIN_DAYS),
        visited_after=_day(given.get("visited_after"), "visited_after"),
        visited_before=_day(given.get("visited_before"), "visited_before"),
    )


def _text(value: Any, key: str, limit: int) -> str:
    return "" if value == "" else read.a_text(value, PREFIX + key, limit)


def _number(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 12:
        value = int(value)
    return read.an_int(value, PREFIX + key, low, high)


def _choice(value: Any, key: str, kind: type[E]) -> E:
    return read.a_choice(value, PREFIX + key, kind)


def _day(value: Any, key: str) -> date | None:
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    name = PREFIX + key
    raise ValidationError(name, N_("%(field)s must be a date as YYYY-MM-DD."), field=name)
