"""Logging in and out, and choosing the language."""

from __future__ import annotations

import unicodedata

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import NotAuthenticated, Throttled
from ctid.web import forms
from ctid.web.auth import PUBLIC, SESSION_COOKIE, client_address, current, identity, requires
from ctid.web.feature import Feature
from ctid.web.i18n import LANGUAGE_NAMES
from ctid.web.keys import SERVICES
from ctid.web.render import LANGUAGE_COOKIE, _, render

routes = web.RouteTableDef()
FEATURE = Feature("auth", routes)


def safe_next(value: str) -> str:
    """Only same-site paths: an open redirect after login is a phishing tool.

    Any control character is refused too, not just a newline: browsers delete tabs and newlines from a
    Location, so ``/<TAB>/evil.example`` would arrive as ``//evil.example``, another site.
    """
    if any(unicodedata.category(c) == "Cc" for c in value):
        return "/"
    if value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


@routes.get("/login")
@requires(PUBLIC)
async def login_form(request: web.Request) -> web.Response:
    if identity(request) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next", "/")))
    return render(request, "login.html", {"next": safe_next(request.query.get("next", "/"))})


@routes.post("/login")
@requires(PUBLIC)
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    username = forms.text(form, "username", 64)
    next_path = safe_next(forms.text(form, "next", 500))
    accounts = request.app[SERVICES].accounts
    try:
        secret, session, _user = await accounts.sessions.login(
            username, forms.secret(form, "password"), client_address(request)
        )
    except (NotAuthenticated, Throttled) as exc:
        status = 429 if isinstance(exc, Throttled) else 401
        message = _(request, exc.message, **exc.params)
        page = render(
            request, "login.html", {"next": next_path, "error": message, "username": username}, status
        )
        if isinstance(exc, Throttled):
            # as the error middleware does for every other 429: tells scripts and proxies when to retry
            page.headers["Retry-After"] = str(int(exc.retry_after) + 1)
        return page
    old = identity(request)
    if old is not None and old.session_secret:
        await accounts.sessions.logout(old.session_secret, old.user, client_address(request))
    response = web.HTTPSeeOther(next_path)
    config = request.app[SERVICES].config
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=config.web.secure_cookies,
        path="/",
    )
    raise response


@routes.post("/logout")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def logout(request: web.Request) -> web.Response:
    who = current(request)
    if who.session_secret:
        await request.app[SERVICES].accounts.sessions.logout(
            who.session_secret, who.user, client_address(request)
        )
    response = web.HTTPSeeOther("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.post("/language")
@requires(PUBLIC)
async def language(request: web.Request) -> web.Response:
    form = await request.post()
    locale = forms.text(form, "locale", 8)
    if locale not in LANGUAGE_NAMES:
        locale = ""
    target = safe_next(forms.text(form, "next", 500))  # read before storing: a refused post stores nothing
    if (who := identity(request)) is not None:
        await request.app[SERVICES].accounts.users.set_locale(who.user, locale)
    response = web.HTTPSeeOther(target)
    response.set_cookie(LANGUAGE_COOKIE, locale, max_age=365 * 86400, samesite="Lax", path="/")
    raise response
