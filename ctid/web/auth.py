"""Who is asking, and may they? Every route declares the permission it needs.

A handler without a declaration is refused (fail closed) and a test walks every route to prove each one
declares something. Browsers prove who they are with the session cookie, programs with
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

from aiohttp import web
from aiohttp.web_urldispatcher import StaticResource
from sqlalchemy.exc import SQLAlchemyError

from ctid.accounts.permissions import Permission, allows
from ctid.audit.models import Actor
from ctid.core.errors import N_, NotAuthenticated, PasswordChangeRequired, PermissionDenied
from ctid.web.keys import IDENTITY, SERVICES, Identity

log = logging.getLogger(__name__)

SESSION_COOKIE: Final = "ctid_session"
PUBLIC: Final = "public"
_ATTRIBUTE = "__ctid_permission__"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Any])

# What a user who must change their password may still do: change it (the page or the API) and log out.
PASSWORD_CHANGE_PATHS = ("/account/password", "/api/v1/me/password", "/logout")
MUST_CHANGE_PASSWORD = N_(
    "Change your password first: on the page /account/password, or POST /api/v1/me/password."
)


def requires(permission: Permission | str) -> Callable[[H], H]:
    """Declare what a route needs: a Permission, or PUBLIC for pages open to anyone."""

    def mark(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, permission)
        return handler

    return mark


def required_permission(request: web.Request) -> Permission | str | None:
    route = request.match_info.route
    if isinstance(route.resource, StaticResource) or request.match_info.http_exception is not None:
        return PUBLIC
    return getattr(request.match_info.handler, _ATTRIBUTE, None)


def identity(request: web.Request) -> Identity | None:
    found: Identity | None = request.get(IDENTITY)
    return found


def current(request: web.Request) -> Identity:
    """The identity of a request that passed the auth middleware (routes other than PUBLIC)."""
    found = identity(request)
    if found is None:
        raise NotAuthenticated(N_("Please log in."))
    return found


def actor(request: web.Request) -> Actor:
    """The logged-in user at their address, as the audit log records who made a change."""
    return Actor.of(current(request).user, client_address(request))


def is_api(request: web.Request) -> bool:
    """Programs' endpoints: errors as JSON, no login redirects."""
    return request.path.startswith("/api/") or request.path == "/ws"


def client_address(request: web.Request) -> str:
    return request.remote or ""


async def _identify(request: web.Request) -> Identity | None:
    accounts = request.app[SERVICES].accounts
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        user = await accounts.tokens.token_user(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise NotAuthenticated(N_("The API token is missing, wrong or revoked."))
        return Identity(user)
    secret = request.cookies.get(SESSION_COOKIE, "")
    if not secret:
        return None
    found = await accounts.sessions.session(secret)
    if found is None:
        return None
    session, user = found
    return Identity(user, session, secret)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    required = required_permission(request)
    if required == PUBLIC:
        if (quiet := await _identify_quietly(request)) is not None:
            request[IDENTITY] = quiet
        return await handler(request)
    if required is None:
        log.error("route %s %s declares no permission: refused", request.method, request.path)
        raise PermissionDenied(N_("You are not allowed to do this."))
    who = await _identify(request)
    if who is None:
        raise NotAuthenticated(N_("Please log in."))
    request[IDENTITY] = who
    if not isinstance(required, Permission) or not allows(who.user, required):
        raise PermissionDenied(N_("You are not allowed to do this."))
    if who.user.must_change_password and request.path not in PASSWORD_CHANGE_PATHS:
        # pages go to the form; the API and the websocket (programs, the console's script) are refused
        if is_api(request):
            raise PasswordChangeRequired(MUST_CHANGE_PASSWORD)
        raise web.HTTPSeeOther("/account/password")
    return await handler(request)


async def _identify_quietly(request: web.Request) -> Identity | None:
    """Public pages still know who is looking (to show the menu, /healthz's detail), but a bad token is not
    an error there, nor a database that cannot say who it is: /healthz must answer "degraded" then, with
    the status it has, not fail because a monitor sent its token."""
    try:
        return await _identify(request)
    except NotAuthenticated:
        return None
    except (SQLAlchemyError, RuntimeError) as exc:  # RuntimeError: the database is not started (yet)
        log.debug("public %s: cannot tell who is asking: %s", request.path, exc)
        return None
