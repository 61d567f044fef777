"""Rendering pages and JSON: one place that knows what every template gets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from ctid.accounts.permissions import Permission, allows
from ctid.web.auth import identity
from ctid.web.csrf import token_for
from ctid.web.feature import NavEntry, menu_for
from ctid.web.i18n import LANGUAGE_NAMES, Translator, negotiate
from ctid.web.keys import CATALOGS, LOCALE, NAV, SERVICES

LANGUAGE_COOKIE = "ctid_lang"


def translator(request: web.Request) -> Translator:
    """The request's language: the user's setting, the language cookie, Accept-Language, the site default."""
    if LOCALE in request:
        return request[LOCALE]
    who = identity(request)
    config = request.app[SERVICES].config
    locale = (who.user.locale if who else None) or request.cookies.get(LANGUAGE_COOKIE, "")
    if locale not in LANGUAGE_NAMES:
        locale = negotiate(request.headers.get("Accept-Language", ""), config.site.default_locale)
    result = Translator(locale, request.app[CATALOGS].get(locale))
    request[LOCALE] = result
    return result


def _(request: web.Request, message: str, **params: Any) -> str:
    return translator(request).gettext(message, **params)


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> web.Response:
    who = identity(request)
    user = who.user if who else None
    tz = ZoneInfo(request.app[SERVICES].config.site.timezone)
    entries: tuple[NavEntry, ...] = request.app[NAV]
    values: dict[str, Any] = {
        **translator(request).template_globals(),
        "user": user,
        "can": (lambda p: user is not None and allows(user, Permission(p))),
        "nav": menu_for(user, entries),
        "csrf_token": token_for(request),
        "languages": LANGUAGE_NAMES,
        "site_name": request.app[SERVICES].config.site.name,
        "path": request.path,
        "localtime": lambda value: _localtime(value, tz),
        "static_url": lambda name: str(request.app.router["static"].url_for(filename=name)),
        "show": lambda value: _shown(translator(request), value),
        "urlencode": lambda query, **changes: urlencode({**dict(query), **changes}),
        **(context or {}),
    }
    response = aiohttp_jinja2.render_template(template, request, values, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _localtime(value: datetime | None, tz: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _shown(translate: Translator, value: Any) -> str:
    """A stored value for people: no Python ``None``/``True`` on a page."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        label = "yes" if value else "no"  # marked for translation in labels.py
        return translate.gettext(label)
    return str(value)


def json_error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message, **extra}}, status=status)
