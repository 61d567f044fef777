"""Admin pages: users, branches, everyone's API tokens."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.accounts.users import NewUser, UserChanges
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.web import forms
from ctid.web.auth import actor, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render
from ctid.web.views.form_errors import form_error

routes = web.RouteTableDef()
FEATURE = Feature(
    "admin",
    routes,
    nav=(
        NavEntry(N_("Users"), "/admin/users", Permission.MANAGE_USERS, order=100),
        NavEntry(N_("Branches"), "/admin/branches", Permission.MANAGE_BRANCHES, order=110),
        NavEntry(N_("API tokens"), "/admin/tokens", Permission.MANAGE_ALL_TOKENS, order=120),
    ),
)


def _path_id(request: web.Request) -> int:
    return forms.path_id(request.match_info)


# --- users --------------------------------------------------------------------------------------------------


@routes.get("/admin/users")
@requires(Permission.MANAGE_USERS)
async def users(request: web.Request) -> web.Response:
    accounts = request.app[SERVICES].accounts
    query = request.query
    page = await accounts.users.list_users(
        forms.page_request(query),
        branch_id=forms.optional_integer(query, "branch", 1, forms.MAX_ID),
        role=forms.optional_choice(query, "role", Role),
        text=forms.text(query, "q", 64),
    )
    branches = await accounts.branches.list_branches()
    return render(
        request,
        "admin/users.html",
        {"page": page, "branches": {b.id: b for b in branches}, "roles": list(Role), "query": query},
    )


@routes.get("/admin/users/new")
@requires(Permission.MANAGE_USERS)
async def new_user_form(request: web.Request) -> web.Response:
    return await _user_form(request, None, {})


@routes.post("/admin/users/new")
@requires(Permission.MANAGE_USERS)
async def create_user(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        new = NewUser(
            username=forms.text(form, "username", 64, required=True),
            role=forms.choice(form, "role", Role),
            branch_id=forms.integer(form, "branch_id", 1, forms.MAX_ID),
            display_name=forms.text(form, "display_name", 100),
            password=forms.secret(form, "password"),
            must_change_password=forms.boolean(form, "must_change_password"),
        )
        user, password = await request.app[SERVICES].accounts.users.create_user(actor(request), new)
    except (ValidationError, Conflict) as exc:
        return await _user_form(request, None, form, form_error(request, exc, "username"))
    generated = "" if forms.secret(form, "password") else password
    return render(request, "admin/user_created.html", {"created": user, "password": generated})


@routes.get("/admin/users/{id:\\d+}")
@requires(Permission.MANAGE_USERS)
async def edit_user_form(request: web.Request) -> web.Response:
    return await _user_form(request, _path_id(request), {})


@routes.post("/admin/users/{id:\\d+}")
@requires(Permission.MANAGE_USERS)
async def update_user(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        edit = UserChanges(
            display_name=forms.text(form, "display_name", 100),
            role=forms.choice(form, "role", Role),
            branch_id=forms.integer(form, "branch_id", 1, forms.MAX_ID),
            active=forms.boolean(form, "active"),
            new_password=forms.secret(form, "new_password") or None,
        )
        lines = [str(name) for name in form.getall("lines", [])]
        console = request.app[SERVICES].console  # the same change as PATCH /api/v1/users/{id}
        await console.change_user(actor(request), _path_id(request), edit, lines, only_known=True)
    except (ValidationError, Conflict) as exc:
        return await _user_form(request, _path_id(request), form, form_error(request, exc))
    raise web.HTTPSeeOther("/admin/users")


async def _user_form(
    request: web.Request,
    user_id: int | None,
    form: MultiDictProxy[Any] | dict[str, Any],
    error: dict[str, Any] | None = None,
) -> web.Response:
    accounts = request.app[SERVICES].accounts
    edited = await accounts.users.get_user(user_id) if user_id is not None else None
    context = {
        "edited": edited,
        "form": form,
        "roles": list(Role),
        "branches": await accounts.branches.list_branches(),
        "line_choices": await request.app[SERVICES].console.line_choices(edited) if edited else [],
        **(error or {}),
    }
    return render(request, "admin/user_form.html", context, status=422 if error else 200)


# --- branches -----------------------------------------------------------------------------------------------


@routes.get("/admin/branches")
@requires(Permission.MANAGE_BRANCHES)
async def branches(request: web.Request) -> web.Response:
    listed = await request.app[SERVICES].accounts.branches.list_branches()
    return render(request, "admin/branches.html", {"branches": listed})


@routes.get("/admin/branches/new")
@requires(Permission.MANAGE_BRANCHES)
async def new_branch_form(request: web.Request) -> web.Response:
    return render(request, "admin/branch_form.html", {"form": {"active": "on"}, "edited": None})


@routes.post("/admin/branches/new")
@requires(Permission.MANAGE_BRANCHES)
async def create_branch(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await request.app[SERVICES].accounts.branches.create_branch(actor(request), _branch_fields(form))
    except (ValidationError, Conflict) as exc:
        context = {"form": form, "edited": None, **form_error(request, exc, "code")}
        return render(request, "admin/branch_form.html", context, status=422)
    raise web.HTTPSeeOther("/admin/branches")


@routes.get("/admin/branches/{id:\\d+}")
@requires(Permission.MANAGE_BRANCHES)
async def edit_branch_form(request: web.Request) -> web.Response:
    branch = next(
        (
            b
            for b in await request.app[SERVICES].accounts.branches.list_branches()
            if b.id == _path_id(request)
        ),
        None,
    )
    if branch is None:
        raise NotFound(N_("No such branch."))
    form = {k: getattr(branch, k) for k in ("code", "name", "address", "phone")}
    return render(
        request, "admin/branch_form.html", {"form": {**form, "active": branch.active}, "edited": branch}
    )


@routes.post("/admin/branches/{id:\\d+}")
@requires(Permission.MANAGE_BRANCHES)
async def update_branch(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        await request.app[SERVICES].accounts.branches.update_branch(
            actor(request), _path_id(request), _branch_fields(form)
        )
    except (ValidationError, Conflict) as exc:
        context = {"form": form, "edited": {"id": _path_id(request)}, **form_error(request, exc, "code")}
        return render(request, "admin/branch_form.html", context, status=422)
    raise web.HTTPSeeOther("/admin/branches")


def _branch_fields(form: MultiDictProxy[Any]) -> BranchFields:
    return BranchFields(
        code=forms.text(form, "code", 32, required=True),
        name=forms.text(form, "name", 100, required=True),
        address=forms.text(form, "address", 300),
        phone=forms.text(form, "phone", 40),
        active=forms.boolean(form, "active"),
    )


# --- API tokens of everyone ---------------------------------------------------------------------------------


@routes.get("/admin/tokens")
@requires(Permission.MANAGE_ALL_TOKENS)
async def all_tokens(request: web.Request) -> web.Response:
    accounts = request.app[SERVICES].accounts
    listed = await accounts.tokens.list_tokens()
    users = await accounts.users.users_by_ids({t.user_id for t in listed})
    return render(request, "admin/tokens.html", {"tokens": listed, "users": users})


@routes.post("/admin/tokens/{id:\\d+}/revoke")
@requires(Permission.MANAGE_ALL_TOKENS)
async def revoke_any_token(request: web.Request) -> web.Response:
    await request.app[SERVICES].accounts.tokens.revoke_token(actor(request), _path_id(request))
    raise web.HTTPSeeOther("/admin/tokens")
