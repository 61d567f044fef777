"""Parsing the recordings pages' and API's query strings and bodies (ctid.web.forms' parsers).

Pure: a clean filter or a ValidationError naming the field. Who may see what (an operator only their own
calls, everyone but admins only their branch) is the service's to enforce: the ``branch`` asked for here
and an operator's ``operator`` parameter narrow nothing the service would not already. Fuzzed by
tests/web/test_recordings_forms.py.
"""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo

from ctid.calls.service import MAX_NOTE
from ctid.core.errors import N_, ValidationError
from ctid.recording.models import AccessFilter, RecordingFilter
from ctid.recording.service import MAX_TAG, MAX_TAGS
from ctid.web import forms
from ctid.web.forms import Input

ID = (1, forms.MAX_ID)
MAX_DURATION_S = 24 * 3600 * 7  # a week: no call is longer, and the number stays a number
DIRECTIONS = ("inbound", "outbound")
ACTIONS = ("play", "download", "delete")
NUMBER_MATCHES: tuple[Literal["begins", "contains"], ...] = ("contains", "begins")
_TAG_SEPARATORS = re.compile(r"[,，、;；]+")


def _one_of(data: Input, name: str, allowed: tuple[str, ...]) -> str:
    value = forms.text(data, name, 16)
    if value and value not in allowed:
        raise ValidationError(
            name, N_("%(what)s must be one of: %(allowed)s."), what=name, allowed=", ".join(allowed)
        )
    return value


def _number(data: Input) -> str:
    number = forms.text(data, "number", 40)
    if number and not any(c.isdigit() for c in number):
        raise ValidationError("number", N_("%(what)s must contain digits."), what="number")
    return number


def _durations(data: Input) -> tuple[float | None, float | None]:
    low = forms.optional_integer(data, "min_duration", 0, MAX_DURATION_S)
    high = forms.optional_integer(data, "max_duration", 0, MAX_DURATION_S)
    if low is not None and high is not None and high < low:
        raise ValidationError("max_duration", N_("The longest duration is shorter than the shortest."))
    return (None if low is None else float(low)), (None if high is None else float(high))


def recording_filter(data: Input, tz: ZoneInfo) -> RecordingFilter:
    """``from``/``to`` (dates, inclusive), ``line``, ``operator`` (user id), ``number`` with ``match``
    (contains / begins), ``customer`` (id), ``direction``, ``min_duration``/``max_duration`` (seconds),
    ``notes`` (true / false), ``tag``, ``result`` (the call's wrap-up code), ``page``/``per_page``."""
    since, until = forms.day_range(data, tz)
    low, high = _durations(data)
    match = _one_of(data, "match", NUMBER_MATCHES) or "contains"
    return RecordingFilter(
        since=since,
        until=until,
        line=forms.text(data, "line", 40),
        operator_id=forms.optional_integer(data, "operator", *ID),
        number=_number(data),
        number_match="begins" if match == "begins" else "contains",
        customer_id=forms.optional_integer(data, "customer", *ID),
        direction=_one_of(data, "direction", DIRECTIONS),
        min_duration_s=low,
        max_duration_s=high,
        has_notes=forms.optional_boolean(data, "notes"),
        tag=tag(data, "tag", required=False),
        result=forms.wrap_up_code(data),
        branch_id=forms.optional_integer(data, "branch", *ID),
        page=forms.page_request(data),
    )


def access_filter(data: Input, tz: ZoneInfo) -> AccessFilter:
    """``recording`` (id), ``user`` (user name), ``action`` (play / download / delete), ``from``/``to``."""
    since, until = forms.day_range(data, tz)
    return AccessFilter(
        recording_id=forms.optional_integer(data, "recording", *ID),
        user_name=forms.text(data, "user", 80),
        action=_one_of(data, "action", ACTIONS),
        since=since,
        until=until,
        branch_id=forms.optional_integer(data, "branch", *ID),
        page=forms.page_request(data),
    )


def tag(data: Input, name: str, required: bool = True) -> str:
    """One tag: a word or phrase without separators (the store keeps tags comma-joined)."""
    value = forms.text(data, name, MAX_TAG)
    if _TAG_SEPARATORS.search(value):
        raise ValidationError(name, N_("A tag cannot contain commas."))
    if required and not value:
        raise ValidationError(name, N_("%(what)s is required."), what=name)
    return value


def tags(data: Input, name: str = "tags") -> list[str]:
    """Tags as a JSON list, or as one text separated by commas or 、 (the page's field); blanks and
    repeats dropped, order kept. The service lower-cases them and checks how many."""
    raw = data.get(name, "")
    if isinstance(raw, str):
        items: list[object] = [part for part in _TAG_SEPARATORS.split(raw) if part]
    elif isinstance(raw, list):
        items = list(raw)
    else:
        raise ValidationError(name, N_("%(what)s must be a list of tags."), what=name)
    found: list[str] = []
    for item in items[: MAX_TAGS * 10]:
        value = tag({name: item}, name, required=False)
        if value and value not in found:
            found.append(value)
    if len(found) > MAX_TAGS or len(items) > MAX_TAGS * 10:
        raise ValidationError(name, N_("At most %(count)d tags."), count=MAX_TAGS)
    return found


def note(data: Input) -> str:
    return forms.multiline(data, "note", MAX_NOTE)
