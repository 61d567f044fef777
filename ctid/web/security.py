"""Security headers on every response: no framing, no sniffing, scripts and styles from this server only;
and nothing dynamic kept in a cache.

``Cache-Control: no-store`` on everything but the static files: JSON answers and exports carry customers,
numbers and recordings' metadata, and a browser's disk cache or a proxy on the shop's LAN would keep them
after a logout (pages set it themselves; a response that sets its own, as the recordings do, keeps it).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource
from multidict import CIMultiDict

from ctid.web.auth import Handler

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
NO_STORE = "no-store"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _add(request, exc.headers)
        raise
    _add(request, response.headers)
    return response


def _add(request: web.Request, headers: CIMultiDict[str]) -> None:
    headers.update(HEADERS)
    if not isinstance(request.match_info.route.resource, StaticResource):
        headers.setdefault("Cache-Control", NO_STORE)
