"""A server-rendered form's error, as the page shows it: in the user's language, naming the field by the
label the user sees beside it, and saying which field to mark.

``ctid.web.forms`` names a field by its key (``username``, ``code``), which suits the API; on a page a
Chinese user would read "username 为必填项" next to a box labelled 用户名. The keys of the account and admin
forms map to their labels here; a key without a label keeps the message as raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ctid.core.errors import N_, Conflict, ValidationError
from ctid.web.render import _

FIELD_LABELS: Mapping[str, str] = {
    # users
    "username": N_("User name"),
    "display_name": N_("Display name"),
    "role": N_("Role"),
    "branch_id": N_("Branch"),
    "password": N_("Initial password"),
    # passwords
    "old_password": N_("Current password"),
    "new_password": N_("New password"),
    "confirm_password": N_("New password again"),
    # branches
    "code": N_("Code"),
    "name": N_("Name"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    # recordings
    "note": N_("Note"),
    "tags": N_("Tags"),
    # announcements
    "title": N_("Title"),
    "body": N_("Text"),
    "expires_on": N_("Show until"),
}


def form_error(
    request: web.Request, error: ValidationError | Conflict, conflict_field: str | None = None
) -> dict[str, Any]:
    """``error`` (the message) and ``field`` (the input to mark) for a form's template.

    A conflict (a code or user name already taken) names no field of its own: the view says which one
    it is about.
    """
    field = error.field if isinstance(error, ValidationError) else conflict_field
    params = dict(error.params)
    if field is not None and field in FIELD_LABELS and params.get("what") == field:
        params["what"] = _(request, FIELD_LABELS[field])
    return {"error": _(request, error.message, **params), "field": field}
