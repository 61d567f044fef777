"""Parsing of HTTP input (forms, query strings, JSON bodies) into typed values.

Pure functions: every one either returns a clean value or raises ValidationError naming the field and
what was wrong, so a bad request is a clear 422 and never a 500. Fuzzed by tests/web/test_forms.py.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from ctid.audit.models import AuditFilter
from ctid.calls.models import CallFilter
from ctid.calls.wrap_up import MAX_CODE, is_code
from ctid.core.errors import N_, ValidationError
from ctid.core.paging import MAX_PER_PAGE, PageRequest

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
Input = Mapping[str, Any]

MAX_TEXT = 1000
MAX_MONEY = Decimal("100000000")  # yuan: no repair order or price comes near it
_FEN = Decimal("0.01")
# control, format, surrogate, private-use and unassigned characters, and line/paragraph separators
_NOT_IN_A_LINE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
MAX_ID = 2**31 - 1
"""The largest record id: PostgreSQL's ``integer`` ids end here (SQLite's at 2**63). A larger one is
refused by name before it reaches a driver that cannot bind it (asyncpg: a 500)."""


def text(data: Input, name: str, max_length: int = 200, required: bool = False) -> str:
    """A single-line text value, stripped, without control characters."""
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValidationError(name, N_("%(what)s must be text."), what=name)
    value = "".join(c for c in value if c == " " or unicodedata.category(c) not in _NOT_IN_A_LINE).strip()
    if required and not value:
        raise ValidationError(name, N_("%(what)s is required."), what=name)
    if len(value) > max_length:
        raise ValidationError(
            name, N_("%(what)s is longer than %(max)d characters."), what=name, max=max_length
        )
    return value


def known(data: Input, names: Collection[str]) -> None:
    """Refuse a field not in ``names``: a typo silently ignored (``"notes"`` for ``"note"``, ``"tag"`` for
    ``"tags"``) is a change the sender believes was saved, or a value cleared that they meant to set."""
    unknown = sorted(set(data) - set(names))
    if unknown:
        # named as sent when it looks like a field name; anything else is not echoed back
        name = unknown[0] if unknown[0].isidentifier() and len(unknown[0]) <= 40 else "body"
        raise ValidationError(name, N_("%(what)s cannot be changed here."), what=name)


def header_text(value: str, max_length: int) -> str:
    """A request header's text to store (a browser's User-Agent in an access log): a header is whatever
    the sender wrote, so it is cut to fit rather than refused, and what is not a character (bytes that were
    not UTF-8 reach the app as surrogates, which no database can encode) or not printable is dropped."""
    kept = "".join(c for c in value if c == " " or unicodedata.category(c) not in _NOT_IN_A_LINE)
    return kept.strip()[:max_length]


def secret(data: Input, name: str) -> str:
    """A password as typed (no stripping: spaces may be part of it)."""
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > 1024:
        raise ValidationError(name, N_("%(what)s is not valid."), what=name)
    return value


def integer(data: Input, name: str, low: int, high: int, default: int | None = None) -> int:
    raw = data.get(name, "")
    if raw in ("", None) and default is not None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError(name, N_("%(what)s must be a whole number."), what=name)
    try:
        value = int(raw.strip()) if isinstance(raw, str) else raw
    except ValueError:
        raise ValidationError(name, N_("%(what)s must be a whole number."), what=name) from None
    if not low <= value <= high:
        raise ValidationError(
            name, N_("%(what)s must be between %(low)d and %(high)d."), what=name, low=low, high=high
        )
    return value


def optional_integer(data: Input, name: str, low: int, high: int) -> int | None:
    return None if data.get(name, "") in ("", None) else integer(data, name, low, high)


def choice(data: Input, name: str, enum: type[E], default: E | None = None) -> E:
    raw = data.get(name, "")
    if raw in ("", None) and default is not None:
        return default
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ValidationError(
            name, N_("%(what)s must be one of: %(allowed)s."), what=name, allowed=allowed
        ) from None


def optional_choice(data: Input, name: str, enum: type[E]) -> E | None:
    return None if data.get(name, "") in ("", None) else choice(data, name, enum)


def boolean(data: Input, name: str) -> bool:
    """A checkbox: present and one of the usual true spellings."""
    value = data.get(name, "")
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("1", "on", "true", "yes")


def flag(data: Input, name: str, default: bool = False) -> bool:
    """A yes / no of a JSON body: true or false (or their usual spellings as text), ``default`` when absent
    or null. Unlike a checkbox, anything else is refused: ``"correction": "no way"`` taken as false (or a
    list taken as true) would be a choice the sender never made."""
    value = optional_boolean(data, name)
    return default if value is None else value


def path_id(match_info: Input, name: str = "id") -> int:
    """A record's id from the URL: the route's pattern lets only digits through, but any number of them,
    and one past the ids' type is an error in the database driver (a 500), not a missing record."""
    return integer(match_info, name, 1, MAX_ID)


def page_request(data: Input, default_per_page: int = 50) -> PageRequest:
    page = integer(data, "page", 1, 1_000_000, default=1)
    per_page = integer(data, "per_page", 1, MAX_PER_PAGE, default=default_per_page)
    return PageRequest(page, per_page)


def day(data: Input, name: str) -> date | None:
    """A date between FIRST_DAY and LAST_DAY: the extremes Python accepts break the arithmetic after it
    (9999-12-31 + 1 day overflows in day_range; 0001-01-01 in a zone east of UTC cannot become UTC)."""
    raw = data.get(name, "")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    # the text as sent, not cleaned: "\x00" or "\u202e" is a wrong date, not a blank one that clears it
    written = raw.strip() if isinstance(raw, str) else ""
    try:
        value: date | None = date.fromisoformat(written) if len(written) == 10 else None
    except ValueError:
        value = None
    if value is None or not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(name, N_("%(what)s must be a date like 2026-03-22."), what=name)
    return value


def day_range(data: Input, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """``from`` and ``to`` dates (both inclusive, in the site time zone) as a UTC half-open range."""
    first, last = day(data, "from"), day(data, "to")
    if first and last and last < first:
        raise ValidationError("to", N_("The end date is before the start date."))
    since = datetime.combine(first, time(), tz) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), tz) if last else None
    return since, until


def call_filter(data: Input, tz: ZoneInfo) -> CallFilter:
    since, until = day_range(data, tz)
    number = text(data, "number", 40)
    if number and not any(c.isdigit() for c in number):
        raise ValidationError("number", N_("%(what)s must contain digits."), what="number")
    direction = text(data, "direction", 8)
    if direction not in ("", "inbound", "outbound"):
        raise ValidationError(
            "direction",
            N_("%(what)s must be one of: %(allowed)s."),
            what="direction",
            allowed="inbound, outbound",
        )
    return CallFilter(
        line=text(data, "line", 40),
        direction=direction,
        outcome=text(data, "outcome", 16),
        result=wrap_up_code(data),
        number=number,
        since=since,
        until=until,
        branch_id=optional_integer(data, "branch", 1, MAX_ID),
        customer_id=optional_integer(data, "customer", 1, MAX_ID),
        page=page_request(data),
    )


def wrap_up_code(data: Input, name: str = "result") -> str:
    """A wrap-up result's code (``enquiry``), or "" when absent: lowercase ASCII letters, digits, ``_`` and
    ``-``. Whether the list has it is the service's to say."""
    value = text(data, name, MAX_CODE)
    if value and not is_code(value):
        raise ValidationError(
            name, N_("%(what)s must be a code of lowercase letters, digits, _ and -."), what=name
        )
    return value


def audit_filter(data: Input, tz: ZoneInfo) -> AuditFilter:
    since, until = day_range(data, tz)
    return AuditFilter(
        actor=text(data, "actor", 64),
        action=text(data, "action", 64),
        entity_type=text(data, "entity_type", 32),
        entity_id=text(data, "entity_id", 64),
        since=since,
        until=until,
        page=page_request(data),
    )


def text_list(data: Input, name: str, max_items: int = 20, max_length: int = 40) -> list[str]:
    """A JSON list of single-line texts (phone numbers, line names); blanks dropped."""
    value = data.get(name, [])
    if not isinstance(value, list) or len(value) > max_items:
        raise ValidationError(
            name, N_("%(what)s must be a list of at most %(max)d texts."), what=name, max=max_items
        )
    cleaned = (text({name: item}, name, max_length) for item in value)
    return [item for item in cleaned if item]


def multiline(data: Input, name: str, max_length: int = 2000) -> str:
    """Free text over several lines (a note): line breaks and tabs kept, other control characters not."""
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValidationError(name, N_("%(what)s must be text."), what=name)
    value = "".join(c for c in value if c in "\n\t" or unicodedata.category(c) not in _NOT_IN_A_LINE)
    value = value.replace("\r\n", "\n").strip()
    if len(value) > max_length:
        raise ValidationError(
            name, N_("%(what)s is longer than %(max)d characters."), what=name, max=max_length
        )
    return value


def call_id(data: Input, name: str = "call_id") -> str | None:
    """A call id as the websocket messages give it (hex), or None."""
    value = text(data, name, 32)
    if value and not all(c in "0123456789abcdefABCDEF-" for c in value):
        raise ValidationError(name, N_("%(what)s is not valid."), what=name)
    return value or None


def nullable(data: Input, name: str, parse: Callable[[Input, str], T]) -> T | None:
    """``parse`` the value, or None when it is JSON null or blank (a PATCH that clears a field)."""
    return None if data.get(name) in (None, "") else parse(data, name)


def optional_boolean(data: Input, name: str) -> bool | None:
    """A filter's yes / no / either: true or false (JSON or text), None when absent."""
    value = data.get(name, "")
    if value in ("", None):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "0", "false", "no"):
        return value.strip().lower() in ("1", "true", "yes")
    raise ValidationError(name, N_("%(what)s must be true or false."), what=name)


def money(data: Input, name: str) -> Decimal:
    """An amount in yuan, 0 or more, to the fen: a JSON number or text like "480.50" (text is exact;
    a float is read as it prints, so 0.1 is 0.10, never 0.1000000000000000055)."""
    raw = data.get(name, "")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValidationError(name, N_("%(what)s must be an amount like 480.50."), what=name)
    written = str(raw).strip()
    if (isinstance(raw, float) and not math.isfinite(raw)) or len(written) > 40:
        raise ValidationError(name, N_("%(what)s must be an amount like 480.50."), what=name)
    try:
        value = Decimal(written)
    except InvalidOperation:
        raise ValidationError(name, N_("%(what)s must be an amount like 480.50."), what=name) from None
    if not value.is_finite() or not Decimal(0) <= value <= MAX_MONEY:
        raise ValidationError(
            name, N_("%(what)s must be between 0 and %(max)s."), what=name, max=str(MAX_MONEY)
        )
    return value.quantize(_FEN, rounding=ROUND_HALF_UP)


def object_list(data: Input, name: str, max_items: int = 100) -> list[Input]:
    """A JSON list of objects (a repair order's items, opt-outs)."""
    value = data.get(name, [])
    if (
        not isinstance(value, list)
        or len(value) > max_items
        or not all(isinstance(item, Mapping) for item in value)
    ):
        raise ValidationError(
            name, N_("%(what)s must be a list of at most %(max)d objects."), what=name, max=max_items
        )
    return value
