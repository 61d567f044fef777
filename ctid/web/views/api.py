"""JSON API, version 1: the same services as the pages, for programs with a Bearer token."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid import __version__
from ctid.accounts.branches import BranchFields
from ctid.accounts.models import ApiToken, Branch, Role, User
from ctid.accounts.permissions import ROLE_PERMISSIONS, Permission
from ctid.accounts.users import NewUser, UserChanges
from ctid.core.errors import N_, ValidationError
from ctid.web import forms
from ctid.web.auth import actor, client_address, current, requires
from ctid.web.feature import Feature
from ctid.web.json import jsonable, page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("api", routes)


def user_json(user: User) -> dict[str, Any]:
    return dict(jsonable(asdict(user)), role=user.role.value)


def branch_json(branch: Branch) -> dict[str, Any]:
    return dict(jsonable(asdict(branch)))


def token_json(token: ApiToken) -> dict[str, Any]:
    return dict(jsonable(asdict(token)), active=token.active)


@routes.get("/api/v1/me")
@requires(Permission.USE_CONSOLE)
async def me(request: web.Request) -> web.Response:
    user = current(request).user
    permissions = sorted(p.value for p in ROLE_PERMISSIONS[user.role])
    return web.json_response({"user": user_json(user), "permissions": permissions, "version": __version__})


@routes.post("/api/v1/me/password")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def change_my_password(request: web.Request) -> web.Response:
    """``{"old_password", "new_password"}``, as on the page (and open to a user who must change it, who
    can do nothing else first); every other session of the user ends."""
    data = await read_object(request, ("old_password", "new_password"))
    old, new = forms.secret(data, "old_password"), forms.secret(data, "new_password")
    who = current(request)
    accounts = request.app[SERVICES].accounts
    user = await accounts.users.change_password(
        who.user, old, new, who.session_secret or "", client_address(request)
    )
    return web.json_response({"user": user_json(user)})


@routes.get("/api/v1/users")
@requires(Permission.MANAGE_USERS)
async def list_users(request: web.Request) -> web.Response:
    query = request.query
    page = await request.app[SERVICES].accounts.users.list_users(
        forms.page_request(query),
        branch_id=forms.optional_integer(query, "branch", 1, forms.MAX_ID),
        role=forms.optional_choice(query, "role", Role),
        text=forms.text(query, "q", 64),
    )
    return web.json_response(page_json(page, [user_json(u) for u in page.items]))


@routes.post("/api/v1/users")
@requires(Permission.MANAGE_USERS)
async def create_user(request: web.Request) -> web.Response:
    data = await read_object(request, ("username", "role", "branch_id", "display_name", "password"))
    new = NewUser(
        username=forms.text(data, "username", 64, required=True),
        role=forms.choice(data, "role", Role),
        branch_id=forms.integer(data, "branch_id", 1, forms.MAX_ID),
        display_name=forms.text(data, "display_name", 100),
        password=forms.secret(data, "password"),
    )
    user, password = await request.app[SERVICES].accounts.users.create_user(actor(request), new)
    body: dict[str, Any] = {"user": user_json(user)}
    if not new.password:
        body["password"] = password
    return web.json_response(body, status=201)


USER_CHANGES = ("display_name", "role", "branch_id", "active", "lines")


@routes.patch("/api/v1/users/{id:\\d+}")
@requires(Permission.MANAGE_USERS)
async def change_user(request: web.Request) -> web.Response:
    """What the user's admin page changes, for programs: only the fields sent. Open consoles of the user
    follow at the hub's next check (another branch or role: closed with 4401; other lines: re-scoped)."""
    data = await read_object(request, USER_CHANGES)
    edit = UserChanges(
        display_name=forms.text(data, "display_name", 100) if "display_name" in data else None,
        role=forms.choice(data, "role", Role) if "role" in data else None,
        branch_id=forms.integer(data, "branch_id", 1, forms.MAX_ID) if "branch_id" in data else None,
        active=_yes_or_no(data, "active") if "active" in data else None,
    )
    lines = forms.text_list(data, "lines", max_items=100) if "lines" in data else None
    services, user_id = request.app[SERVICES], forms.path_id(request.match_info)
    user = await services.console.change_user(actor(request), user_id, edit, lines, only_known=False)
    bound = await services.accounts.bindings.bound_lines(user.id)
    return web.json_response({"user": user_json(user), "lines": bound})


def _yes_or_no(data: dict[str, Any], name: str) -> bool:
    """A yes / no that was sent must say one of them (null is no answer, not "no")."""
    value = forms.optional_boolean(data, name)
    if value is None:
        raise ValidationError(name, N_("%(what)s must be true or false."), what=name)
    return value


@routes.get("/api/v1/branches")
@requires(Permission.USE_CONSOLE)
async def list_branches(request: web.Request) -> web.Response:
    branches = await request.app[SERVICES].accounts.branches.list_branches()
    return web.json_response({"items": [branch_json(b) for b in branches]})


@routes.post("/api/v1/branches")
@requires(Permission.MANAGE_BRANCHES)
async def create_branch(request: web.Request) -> web.Response:
    data = await read_object(request, ("code", "name", "address", "phone", "active"))
    fields = BranchFields(
        code=forms.text(data, "code", 32, required=True),
        name=forms.text(data, "name", 100, required=True),
        address=forms.text(data, "address", 300),
        phone=forms.text(data, "phone", 40),
        active=forms.flag(data, "active", default=True),
    )
    branch = await request.app[SERVICES].accounts.branches.create_branch(actor(request), fields)
    return web.json_response({"branch": branch_json(branch)}, status=201)


@routes.get("/api/v1/audit")
@requires(Permission.VIEW_AUDIT)
async def audit(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    page = await services.audit.search(
        forms.audit_filter(request.query, ZoneInfo(services.config.site.timezone))
    )
    return web.json_response(page_json(page, [jsonable(asdict(e)) for e in page.items]))


@routes.get("/api/v1/tokens")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def list_tokens(request: web.Request) -> web.Response:
    tokens = await request.app[SERVICES].accounts.tokens.list_tokens(current(request).user.id)
    return web.json_response({"items": [token_json(t) for t in tokens]})


@routes.post("/api/v1/tokens/{id:\\d+}/revoke")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def revoke_token(request: web.Request) -> web.Response:
    accounts = request.app[SERVICES].accounts
    token = await accounts.tokens.revoke_token(actor(request), forms.path_id(request.match_info))
    return web.json_response({"token": token_json(token)})
