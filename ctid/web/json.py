"""JSON shapes shared by every API view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ctid.paging import Page


def jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 (UTC), containers recursively; everything else as it is."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [jsonable(v) for v in value]
    return value


def page_json(page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": page.total, "page": page.number, "pages": page.pages}
