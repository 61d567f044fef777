"""CSRF protection for every state-changing request made with a cookie.

Logged-in forms carry the session's token; the login form (no session yet) uses a double-submit cookie.
Requests authenticated with a Bearer token are exempt: a browser cannot be tricked into sending one.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Final

from aiohttp import web

from ctid.core.errors import N_, PermissionDenied
from ctid.web.auth import Handler, identity

FIELD: Final = "csrf_token"
HEADER: Final = "X-CSRF-Token"
ANONYMOUS_COOKIE: Final = "ctid_csrf"
_FRESH_TOKEN = web.RequestKey("ctid.fresh_csrf", str)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")  # secrets.token_urlsafe(32) is 43 of these


class CsrfRefused(PermissionDenied):
    code = "csrf"


def token_for(request: web.Request) -> str:
    """The token to embed in a form on this page."""
    who = identity(request)
    if who is not None and who.session is not None:
        return who.session.csrf_token
    return request.get(_FRESH_TOKEN) or _cookie_token(request) or _new_anonymous(request)


def _cookie_token(request: web.Request) -> str:
    """The anonymous cookie's token when it is one this site could have issued; anything else (bytes that
    are not UTF-8 arrive as surrogates, which no page or digest can encode: a 500) is no token."""
    value = request.cookies.get(ANONYMOUS_COOKIE, "")
    return value if _TOKEN_SHAPE.fullmatch(value) else ""


def _new_anonymous(request: web.Request) -> str:
    token = secrets.token_urlsafe(32)
    request[_FRESH_TOKEN] = token
    return token


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in SAFE_METHODS:
        await _check(request)
    response = await handler(request)
    if fresh := request.get(_FRESH_TOKEN):
        response.set_cookie(ANONYMOUS_COOKIE, fresh, httponly=True, samesite="Strict", path="/")
    return response


async def _check(request: web.Request) -> None:
    who = identity(request)
    if who is not None and who.via_token:
        return
    expected = who.session.csrf_token if who and who.session else _cookie_token(request)
    sent = request.headers.get(HEADER, "")
    if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get(FIELD, "")
        sent = value if isinstance(value, str) else ""
    sent_bytes = sent.encode("utf-8", "surrogatepass")  # a header's bytes that are not UTF-8: no match
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent_bytes):
        raise CsrfRefused(
            N_(
                "This form has expired or did not come from this site (missing or wrong CSRF token). "
                "Reload the page and try again."
            )
        )
