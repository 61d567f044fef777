"""JSON shapes shared by every API view."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from aiohttp import web

from ctid.core.errors import N_, ValidationError
from ctid.core.paging import Page
from ctid.web import forms

MAX_BODY = 64 * 1024


def jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 (UTC), dates as YYYY-MM-DD, money (Decimal yuan) as text so no float rounds
    it on the way, paths as text, containers recursively; everything else as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | PurePath):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [jsonable(v) for v in value]
    return value


def page_json(page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": page.total, "page": page.number, "pages": page.pages}


def _too_large() -> ValidationError:
    return ValidationError(
        "body", N_("The request body is larger than %(count)d KB."), count=MAX_BODY // 1024
    )


class TooDeep(ValueError):
    """JSON nested deeper than the decoder can follow."""


def decode(text: str) -> Any:
    """``json.loads`` for text from outside: a ValueError for anything that is not JSON, JSON nested past
    the interpreter's recursion limit included (json.loads raises a RecursionError, which is no
    ValueError and would be a 500)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise TooDeep("nested too deeply") from None


async def read_object(request: web.Request, known: Collection[str] | None = None) -> dict[str, Any]:
    """The request's JSON object body; a ValidationError (422) naming ``body`` for anything else: too large
    (a chunked body has no Content-Length to check first), not text in its charset, not JSON, nested past
    what the decoder can follow (a RecursionError otherwise), or not an object; and with ``known``, a field
    not among them, by name."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise _too_large()
    raw = await request.read()
    if len(raw) > MAX_BODY:
        raise _too_large()
    try:
        data = decode(raw.decode(request.charset or "utf-8"))
    except TooDeep:
        raise ValidationError("body", N_("The request body is nested too deeply.")) from None
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError; LookupError: unknown charset
        raise ValidationError("body", N_("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ValidationError("body", N_("The request body must be a JSON object."))
    if known is not None:
        forms.known(data, known)
    return data
