"""Parsing the wrap-up results' API bodies and pages (ctid.web.forms' parsers): a new result, a change to
one, and the result given to a call. Pure: clean values or a ValidationError naming the field. Fuzzed by
tests/web/test_wrap_up_forms.py and tests/web/test_fuzz_api.py."""

from __future__ import annotations

from typing import Any

from ctid.calls.wrap_up import MAX_LABEL
from ctid.core.errors import N_, ValidationError
from ctid.web import forms
from ctid.web.forms import Input

MAX_POSITION = 1_000_000
NEW = ("code", "label", "position", "active")
CHANGES = ("label", "position", "active")


def new_code(data: Input) -> dict[str, Any]:
    """``{"code", "label", "position"?, "active"?}``: code and label are required."""
    forms.known(data, NEW)
    code = forms.wrap_up_code(data, "code")
    if not code:
        raise ValidationError("code", N_("%(what)s is required."), what="code")
    parsed: dict[str, Any] = {"code": code, "label": forms.text(data, "label", MAX_LABEL, required=True)}
    if "position" in data:
        parsed["position"] = forms.integer(data, "position", 0, MAX_POSITION)
    if data.get("active") is not None:
        parsed["active"] = _yes_or_no(data, "active")
    return parsed


def code_changes(data: Input) -> dict[str, Any]:
    """Only the fields sent: ``label`` (a rename), ``position``, ``active`` (false: retired). The code
    itself never changes (calls keep it)."""
    forms.known(data, CHANGES)
    parsed: dict[str, Any] = {}
    if "label" in data:
        parsed["label"] = forms.text(data, "label", MAX_LABEL, required=True)
    if "position" in data:
        parsed["position"] = forms.integer(data, "position", 0, MAX_POSITION)
    if "active" in data:
        parsed["active"] = _yes_or_no(data, "active")
    return parsed


def call_result(data: Input) -> str | None:
    """``{"result": "enquiry"}``; null or "" takes the result back. The field must be sent: a body without
    it would clear a result nobody meant to clear."""
    forms.known(data, ("result",))
    if "result" not in data:
        raise ValidationError("result", N_("%(what)s is required."), what="result")
    if data["result"] is None:
        return None
    return forms.wrap_up_code(data) or None


def _yes_or_no(data: Input, name: str) -> bool:
    value = forms.optional_boolean(data, name)
    if value is None:
        raise ValidationError(name, N_("%(what)s must be true or false."), what=name)
    return value
