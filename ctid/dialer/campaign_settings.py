"""A campaign's settings as an admin or supervisor gives them (the editor's form, the API's JSON) and as
``campaigns.settings`` stores them: the lines, the operators, the calling hours, the attempts and their
retry delays, where its contacts come from, and the broadcast's prompt.

``settings_from_json`` refuses a bad value with a ValidationError naming it (``hours.windows[1]``,
``retry_minutes.busy``), so the page and the API answer 422 on the right field and a stored row that went
bad says where; a key nobody reads is refused too (a typo would silently keep a default). Pure.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.dialer.hours import CallingHours
from ctid.dialer.models import AttemptResult
from ctid.dialer.retry import DEFAULT_DELAYS, RetryRules
from ctid.dialer.search_source import customer_filter
from ctid.reminders import json_fields as read
from ctid.reminders.models import ReminderType

MAX_LINES = 64
MAX_OPERATORS = 200
MAX_WINDOWS = 6
MAX_DAYS_OFF = 366
MAX_ATTEMPTS = 20
MAX_RETRY_MINUTES = 14 * 24 * 60
MAX_WINDOW_DAYS = 366
MAX_PROMPT = 500
MAX_ID = 2**31 - 1
_CLOCK = re.compile(r"(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)")
RETRYABLE = tuple(result for result in AttemptResult if result in DEFAULT_DELAYS)


class SourceKind(StrEnum):
    REMINDERS = "reminders"  # the open items of the queue: types, a window of contact days, an assignee
    SEARCH = "search"  # the customers of a customer-list search (the list's filters)


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    types: tuple[ReminderType, ...] = ()
    from_day: date | None = None
    to_day: date | None = None
    assignee: str = ""  # "", "none" (the pool) or a user id as text, as the worklist's filter
    search: Mapping[str, Any] = field(default_factory=dict)  # the customer list's filters, as sent


@dataclass(frozen=True)
class Prompt:
    """What a broadcast plays when answered: an uploaded WAV (by its stored name) or a text spoken by
    espeak-ng in Mandarin."""

    wav: str = ""
    text: str = ""


@dataclass(frozen=True)
class CampaignSettings:
    lines: tuple[str, ...]
    source: Source
    operators: tuple[int, ...] = ()
    hours: CallingHours = field(default_factory=CallingHours)
    retry: RetryRules = field(default_factory=RetryRules)
    contacted_window_days: int = 0  # skip a customer spoken to this recently (0: no such check)
    prompt: Prompt = field(default_factory=Prompt)


KEYS = (
    "lines",
    "source",
    "operators",
    "hours",
    "max_attempts",
    "retry_minutes",
    "contacted_window_days",
    "prompt",
)


def settings_to_json(settings: CampaignSettings) -> dict[str, Any]:
    hours = settings.hours
    source = settings.source
    return {
        "lines": list(settings.lines),
        "source": {
            "kind": source.kind.value,
            "types": [t.value for t in source.types],
            "from": None if source.from_day is None else source.from_day.isoformat(),
            "to": None if source.to_day is None else source.to_day.isoformat(),
            "assignee": source.assignee,
            "search": dict(source.search),
        },
        "operators": list(settings.operators),
        "hours": {
            "weekdays": sorted(hours.weekdays),
            "windows": [[_clock(start), _clock(end)] for start, end in hours.windows],
            "statutory": hours.statutory,
            "days_off": sorted(day.isoformat() for day in hours.days_off),
        },
        "max_attempts": settings.retry.max_attempts,
        "retry_minutes": {
            result.value: int(delay.total_seconds() // 60) for result, delay in settings.retry.delays.items()
        },
        "contacted_window_days": settings.contacted_window_days,
        "prompt": {"wav": settings.prompt.wav, "text": settings.prompt.text},
    }


def settings_from_json(data: Any) -> CampaignSettings:
    data = read.an_object(data, "settings")
    read.only_known(data, KEYS)
    if "lines" not in data or "source" not in data:
        missing = "lines" if "lines" not in data else "source"
        raise ValidationError(missing, N_("%(field)s is required."), field=missing)
    lines = _names(data["lines"])
    operators = tuple(
        read.an_int(v, f"operators[{i}]", 1, MAX_ID)
        for i, v in enumerate(read.a_list(data.get("operators", []), "operators", MAX_OPERATORS))
    )
    return CampaignSettings(
        lines=lines,
        source=_source(data["source"]),
        operators=tuple(dict.fromkeys(operators)),
        hours=_hours(data.get("hours", {})),
        retry=RetryRules(
            read.an_int(data.get("max_attempts", RetryRules().max_attempts), "max_attempts", 1, MAX_ATTEMPTS),
            _delays(data.get("retry_minutes", {})),
        ),
        contacted_window_days=read.an_int(
            data.get("contacted_window_days", 0), "contacted_window_days", 0, 365
        ),
        prompt=_prompt(data.get("prompt", {})),
    )


def _names(value: Any) -> tuple[str, ...]:
    items = read.a_list(value, "lines", MAX_LINES)
    if not items:
        raise ValidationError("lines", N_("%(field)s needs at least one line."), field="lines")
    names = tuple(read.a_text(item, f"lines[{i}]", 40) for i, item in enumerate(items))
    if len(set(names)) != len(names):
        raise ValidationError("lines", N_("%(field)s lists a line twice."), field="lines")
    return names


def _source(value: Any) -> Source:
    data = read.an_object(value, "source")
    read.only_known(data, ("kind", "types", "from", "to", "assignee", "search"), "source.")
    kind = read.a_choice(data.get("kind"), "source.kind", SourceKind)
    if kind == SourceKind.SEARCH:
        search = read.an_object(data.get("search", {}), "source.search")
        customer_filter(search)  # refused now, by the field's name, not when the contacts are read
        kept = {key: value for key, value in search.items() if value not in (None, "")}
        return Source(kind, search=MappingProxyType(kept))
    types = tuple(
        read.a_choice(item, f"source.types[{i}]", ReminderType)
        for i, item in enumerate(read.a_list(data.get("types", []), "source.types", len(ReminderType)))
    )
    first, last = _day(data.get("from"), "source.from"), _day(data.get("to"), "source.to")
    if (
        first is not None
        and last is not None
        and not first <= last <= first + timedelta(days=MAX_WINDOW_DAYS)
    ):
        raise ValidationError(
            "source.to", N_("%(field)s must be on or after the first day, within a year."), field="source.to"
        )
    assignee = data.get("assignee", "")
    if not isinstance(assignee, str) or not (assignee in ("", "none", "me") or assignee.isdigit()):
        raise ValidationError(
            "source.assignee",
            N_("%(field)s must be empty, none, me or a user's id."),
            field="source.assignee",
        )
    return Source(kind, tuple(dict.fromkeys(types)), first, last, assignee)


def _hours(value: Any) -> CallingHours:
    data = read.an_object(value, "hours")
    read.only_known(data, ("weekdays", "windows", "statutory", "days_off"), "hours.")
    base = CallingHours()
    weekdays = base.weekdays
    if "weekdays" in data:
        items = read.a_list(data["weekdays"], "hours.weekdays", 7)
        weekdays = frozenset(read.an_int(v, f"hours.weekdays[{i}]", 0, 6) for i, v in enumerate(items))
    windows = base.windows
    if "windows" in data:
        windows = _windows(data["windows"])
    days_off = frozenset(
        _required_day(v, f"hours.days_off[{i}]")
        for i, v in enumerate(read.a_list(data.get("days_off", []), "hours.days_off", MAX_DAYS_OFF))
    )
    statutory = read.a_bool(data.get("statutory", True), "hours.statutory")
    return CallingHours(weekdays, windows, statutory, days_off)


def _windows(value: Any) -> tuple[tuple[time, time], ...]:
    items = read.a_list(value, "hours.windows", MAX_WINDOWS)
    if not items:
        raise ValidationError(
            "hours.windows", N_("%(field)s needs at least one window."), field="hours.windows"
        )
    found = []
    for i, item in enumerate(items):
        name = f"hours.windows[{i}]"
        pair = read.a_list(item, name, 2)
        if len(pair) != 2:
            raise ValidationError(
                name, N_("%(field)s must be a start and an end (09:00, 12:00)."), field=name
            )
        start, end = _time(pair[0], name), _time(pair[1], name)
        if not start < end:
            raise ValidationError(name, N_("%(field)s must end after it starts."), field=name)
        found.append((start, end))
    ordered = sorted(found)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start < end:
            raise ValidationError("hours.windows", N_("%(field)s overlap."), field="hours.windows")
    return tuple(ordered)


def _delays(value: Any) -> Mapping[AttemptResult, timedelta]:
    data = read.an_object(value, "retry_minutes")
    read.only_known(data, [r.value for r in RETRYABLE], "retry_minutes.")
    delays = dict(DEFAULT_DELAYS)
    for key in sorted(data):
        minutes = read.an_int(data[key], f"retry_minutes.{key}", 1, MAX_RETRY_MINUTES)
        delays[AttemptResult(key)] = timedelta(minutes=minutes)
    return MappingProxyType(delays)


def _prompt(value: Any) -> Prompt:
    data = read.an_object(value, "prompt")
    read.only_known(data, ("wav", "text"), "prompt.")
    wav, text = data.get("wav", ""), data.get("text", "")
    for name, given in (("prompt.wav", wav), ("prompt.text", text)):
        if not isinstance(given, str) or len(given) > MAX_PROMPT:
            raise ValidationError(
                name,
                N_("%(field)s must be a text of at most %(count)d characters."),
                field=name,
                count=MAX_PROMPT,
            )
    return Prompt(wav.strip(), text.strip())


def _time(value: Any, name: str) -> time:
    found = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise ValidationError(name, N_("%(field)s must be times as HH:MM."), field=name)
    return time(int(found["hour"]), int(found["minute"]))


def _day(value: Any, name: str) -> date | None:
    return None if value is None else _required_day(value, name)


def _required_day(value: Any, name: str) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationError(name, N_("%(field)s must be a date as YYYY-MM-DD."), field=name)


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")
