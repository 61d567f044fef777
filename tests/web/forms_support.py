"""What the form tests share: the values a form, a query string or a JSON body can hold, and a parser's
outcome (its value, or None when it refused naming a field)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ctid.core.errors import ValidationError

FORMS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# What a form, a query string or a JSON body can hold: text (including controls and odd Unicode), numbers,
# booleans, null, lists and objects.
scalars = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\s*-?\d{1,12}\s*", fullmatch=True),
    st.dates().map(date.isoformat),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)


def no_control_characters(value: str) -> bool:
    """No control or format characters, and nothing that breaks a line (U+2028, U+2029)."""
    return all(
        unicodedata.category(c)[0] != "C" and unicodedata.category(c) not in ("Zl", "Zp") for c in value
    )


def outcome(parse: Callable[[], Any]) -> Any:
    """The parser's result, or None when it refused with a ValidationError naming a field."""
    try:
        return parse()
    except ValidationError as exc:
        assert isinstance(exc.field, str) and exc.field
        str(exc)  # the message template fills with its parameters
        return None
