"""The wrap-up results as the call log and the recordings list show them: their filter and their words."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ctid.web.keys import SERVICES


async def wrap_up_context(request: web.Request) -> dict[str, Any]:
    """The results a list filters by and names its calls' results with (a retired one too)."""
    codes = await request.app[SERVICES].wrap_up.list()
    return {"wrap_up_codes": codes, "result_labels": {c.code: c.label for c in codes}}
