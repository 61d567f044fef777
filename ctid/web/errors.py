"""Domain errors and HTTP errors become responses here, and only here.

Pages get a friendly page in the user's language; ``/api/v1`` gets ``{"error": {code, message}}``. An
unexpected exception is logged with its traceback and shown as a 500 without details.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any
from urllib.parse import quote

from aiohttp import web, web_request
from sqlalchemy.exc import DBAPIError

from ctid.core.errors import (
    N_,
    Conflict,
    CtidError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from ctid.storage.db import transient
from ctid.web.auth import Handler, is_api
from ctid.web.render import _, json_error, render

log = logging.getLogger(__name__)
_AIOHTTP_REQUEST = web_request.__file__

STATUS: dict[type[CtidError], int] = {
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    ValidationError: 422,
    Throttled: 429,
}

DEFAULT_TITLE = N_("Error")
DATABASE_BUSY = N_("The database cannot be written right now. Nothing was saved: try again in a moment.")
TITLES = {
    400: N_("Bad request"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Invalid input"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("Try again in a moment"),
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CtidError as exc:
        return _domain_error(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http_error(request, exc)
    except Exception as exc:
        if isinstance(exc, DBAPIError) and transient(exc):
            return _database_busy(request, exc)
        if _reading_the_body(exc):
            refused = ValidationError("body", N_("The request body is not text in its character set."))
            return _domain_error(request, refused)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(request, 500, "internal", _(request, "The error has been logged."))


def _database_busy(request: web.Request, exc: DBAPIError) -> web.StreamResponse:
    """Locked past the busy timeout (a backup, an admin's shell) or a full disk: the user may retry."""
    log.warning("%s %s: the database cannot be written now: %s", request.method, request.path, exc.orig)
    response = _page(request, 503, "database_busy", _(request, DATABASE_BUSY))
    response.headers["Retry-After"] = "5"
    return response


def _reading_the_body(exc: BaseException) -> bool:
    """Whether aiohttp raised ``exc`` decoding the request's body (a form or text in bytes its charset
    cannot decode, or a charset nobody knows): the sender's mistake, wherever the body was first read
    (the CSRF check reads a form before any view does), so a 422 and not a 500."""
    if not isinstance(exc, UnicodeDecodeError | LookupError):
        return False
    return any(
        frame.f_code.co_filename == _AIOHTTP_REQUEST for frame, _line in traceback.walk_tb(exc.__traceback__)
    )


def _domain_error(request: web.Request, exc: CtidError) -> web.StreamResponse:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    if status == 401 and not is_api(request):
        # '&' (and '#', '+', '%') encoded, or the page's own query would be cut off the next value
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/?="))
    message = _(request, exc.message, **exc.params)
    details = getattr(exc, "details", None) or {}  # what a form needs beyond the message (PhoneShared's)
    response = _page(request, status, exc.code, message, field=getattr(exc, "field", None), **details)
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(int(exc.retry_after) + 1)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ctid"'
    return response


def _http_error(request: web.Request, exc: web.HTTPException) -> web.StreamResponse:
    code = exc.reason.lower().replace(" ", "_")
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        # "Too large" alone said neither what nor how much
        limit = max(1, request.client_max_size // 2**20)
        message = _(
            request, N_("What was sent is larger than %(count)d MB, the most a request may be."), count=limit
        )
        return _page(request, exc.status, code, message, field="body")
    return _page(request, exc.status, code, _(request, TITLES.get(exc.status, exc.reason)))


def _page(
    request: web.Request, status: int, code: str, message: str, field: str | None = None, **details: Any
) -> web.Response:
    if is_api(request):
        extra = {"field": field} if field else {}
        return json_error(status, code, message, **extra, **details)
    title = _(request, TITLES.get(status, DEFAULT_TITLE))
    try:
        return render(
            request, "error.html", {"status": status, "title": title, "message": message}, status=status
        )
    except Exception:
        log.exception("the error page itself failed")
        return web.Response(status=status, text=f"{status} {title}\n{message}\n")
