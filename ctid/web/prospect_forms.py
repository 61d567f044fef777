"""Parsing the prospects', base data's and announcements' JSON bodies and query strings (ctid.web.forms'
parsers; a field the table does not know is refused, as in ctid.web.crm_forms)."""

from __future__ import annotations

from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.crm.prospect_models import OptionKind, ProspectFilter, ProspectStatus
from ctid.crm.prospects import NewVisit
from ctid.home.service import NewAnnouncement
from ctid.web import forms
from ctid.web.crm_forms import Parser, fields
from ctid.web.forms import Input

ID = (1, forms.MAX_ID)


def _text(limit: int) -> Parser:
    return lambda data, name: forms.text(data, name, limit)


def _optional_id(data: Input, name: str) -> int | None:
    return forms.nullable(data, name, lambda d, n: forms.integer(d, n, *ID))


def _focus_points(data: Input, name: str) -> list[str]:
    return forms.text_list(data, name, max_items=20, max_length=64)


PROSPECT: dict[str, Parser] = {
    "name": _text(100),
    "phone": _text(40),
    "level": _text(64),
    "source": _text(64),
    "industry": _text(64),
    "desired_model": _text(64),
    "competitor_model": _text(64),
    "focus_points": _focus_points,
    "assigned_user_id": _optional_id,
    "notes": lambda data, name: forms.multiline(data, name, 2000),
}


def prospect_changes(data: Input) -> dict[str, Any]:
    return fields(data, PROSPECT)


def new_prospect(data: Input) -> tuple[dict[str, Any], int | None]:
    """The prospect's fields and the branch asked for (admins), or None."""
    parsed = fields(data, {**PROSPECT, "branch_id": _optional_id})
    return parsed, parsed.pop("branch_id", None)


def prospect_filter(data: Input) -> ProspectFilter:
    return ProspectFilter(
        branch_id=forms.optional_integer(data, "branch", *ID),
        status=forms.optional_choice(data, "status", ProspectStatus),
        assigned_user_id=forms.optional_integer(data, "assigned", *ID),
        source=forms.text(data, "source", 64),
        industry=forms.text(data, "industry", 64),
        page=forms.page_request(data),
    )


def new_visit(data: Input) -> NewVisit:
    parsed = fields(
        data,
        {
            "channel": _text(16),
            "content": lambda d, n: forms.multiline(d, n, 2000),
            "next_on": lambda d, n: forms.nullable(d, n, forms.day),
        },
    )
    return NewVisit(**parsed)


def won(data: Input) -> int | None:
    return fields(data, {"customer_id": _optional_id}).get("customer_id")


def lost_reason(data: Input) -> str:
    reason = fields(data, {"lost_reason": _text(64)}).get("lost_reason", "")
    if not reason:
        raise ValidationError("lost_reason", N_("Say why the prospect was lost."))
    return str(reason)


def option_kind(data: Input) -> OptionKind | None:
    return forms.optional_choice(data, "kind", OptionKind)


OPTION: dict[str, Parser] = {
    "value": lambda data, name: forms.text(data, name, 64, required=True),
    "position": lambda data, name: forms.integer(data, name, 0, 1_000_000),
    "active": lambda data, name: forms.optional_boolean(data, name),
}


def new_option(data: Input) -> dict[str, Any]:
    parsed = fields(data, {**OPTION, "kind": lambda d, n: forms.choice(d, n, OptionKind)})
    if "kind" not in parsed:
        raise ValidationError("kind", N_("%(what)s is required."), what="kind")
    if "value" not in parsed:
        raise ValidationError("value", N_("%(what)s is required."), what="value")
    if parsed.get("active") is None:
        parsed.pop("active", None)
    return parsed


def option_changes(data: Input) -> dict[str, Any]:
    parsed = fields(data, OPTION)
    if "active" in parsed and parsed["active"] is None:
        raise ValidationError("active", N_("%(what)s must be true or false."), what="active")
    return parsed


ANNOUNCEMENT_FIELDS = ("title", "body", "branch_id", "expires_on")


def new_announcement(data: Input) -> NewAnnouncement:
    """From JSON or the start page's form (where an empty branch means every branch)."""
    return NewAnnouncement(
        title=forms.text(data, "title", 100, required=True),
        body=forms.multiline(data, "body", 2000),
        branch_id=forms.nullable(data, "branch_id", lambda d, n: forms.integer(d, n, *ID)),
        expires_on=forms.day(data, "expires_on"),
    )
