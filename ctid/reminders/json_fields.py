"""Reading the reminders' settings and rule tables from JSON that an admin edits: each reader checks one
field and refuses it with a ValidationError naming it (``lead_days``, ``holidays[2].month``), so that a
form or an API answers 422 on the right field and a stored row that went bad says where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from ctid.core.errors import N_, ValidationError

E = TypeVar("E", bound=StrEnum)

NOT_AN_OBJECT = N_("%(field)s must be an object of named settings.")
NOT_A_SETTING = N_("%(field)s is not a setting here.")


def an_object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise ValidationError(name, NOT_AN_OBJECT, field=name)
    return value


def only_known(data: Mapping[str, Any], known: Sequence[str], prefix: str = "") -> None:
    """A key nobody reads is a typo (``lead_day``) that would silently keep the default."""
    for key in sorted(data):
        if key not in known:
            raise ValidationError(prefix + key, NOT_A_SETTING, field=prefix + key)


def a_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(name, N_("%(field)s must be true or false."), field=name)
    return value


def an_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            name,
            N_("%(field)s must be a whole number from %(low)d to %(high)d."),
            field=name,
            low=low,
            high=high,
        )
    return value


def an_optional_int(value: Any, name: str, low: int, high: int) -> int | None:
    return None if value is None else an_int(value, name, low, high)


def a_choice(value: Any, name: str, kind: type[E]) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValidationError(
            name, N_("%(field)s must be one of: %(choices)s."), field=name, choices=choices
        ) from None


def a_text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationError(
            name, N_("%(field)s must be a text of 1 to %(count)d characters."), field=name, count=limit
        )
    return value.strip()


def a_list(value: Any, name: str, limit: int) -> Sequence[Any]:
    if not isinstance(value, list | tuple) or len(value) > limit:
        raise ValidationError(
            name, N_("%(field)s must be a list of at most %(count)d."), field=name, count=limit
        )
    return value


def days_list(value: Any, name: str, high: int, limit: int) -> tuple[int, ...]:
    """Distinct day counts, at least one, largest first (the earliest contact first)."""
    items = a_list(value, name, limit)
    if not items:
        raise ValidationError(name, N_("%(field)s needs at least one day."), field=name)
    days = [an_int(item, f"{name}[{i}]", 0, high) for i, item in enumerate(items)]
    if len(set(days)) != len(days):
        raise ValidationError(name, N_("%(field)s lists a day twice."), field=name)
    return tuple(sorted(days, reverse=True))
