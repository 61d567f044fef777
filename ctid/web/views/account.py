"""A user's own account: password and API tokens."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.audit.models import Actor
from ctid.core.errors import N_, ValidationError
from ctid.web import forms
from ctid.web.auth import actor, client_address, current, requires
from ctid.web.feature import Feature
from ctid.web.keys import SERVICES
from ctid.web.render import render
from ctid.web.views.form_errors import form_error

routes = web.RouteTableDef()
FEATURE = Feature("account", routes)


@routes.get("/account/password")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def password_form(request: web.Request) -> web.Response:
    return render(request, "account/password.html", {"done": "done" in request.query})


@routes.post("/account/password")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def change_password(request: web.Request) -> web.Response:
    who = current(request)
    form = await request.post()
    old, new = forms.secret(form, "old_password"), forms.secret(form, "new_password")
    try:
        if new != forms.secret(form, "confirm_password"):
            raise ValidationError("confirm_password", N_("The two new passwords differ."))
        await request.app[SERVICES].accounts.users.change_password(
            who.user, old, new, who.session_secret or "", client_address(request)
        )
    except ValidationError as exc:
        return render(request, "account/password.html", form_error(request, exc), status=422)
    raise web.HTTPSeeOther("/account/password?done")


@routes.get("/account/tokens")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def tokens(request: web.Request) -> web.Response:
    user = current(request).user
    listed = await request.app[SERVICES].accounts.tokens.list_tokens(user.id)
    return render(request, "account/tokens.html", {"tokens": listed})


@routes.post("/account/tokens")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def create_token(request: web.Request) -> web.Response:
    user = current(request).user
    form = await request.post()
    accounts = request.app[SERVICES].accounts
    actor = Actor.of(user, client_address(request))
    try:
        secret, _token = await accounts.tokens.create_token(
            actor, user.id, forms.text(form, "name", 100, required=True)
        )
    except ValidationError as exc:
        listed = await accounts.tokens.list_tokens(user.id)
        context = {"tokens": listed, "form": form, **form_error(request, exc)}
        return render(request, "account/tokens.html", context, status=422)
    listed = await accounts.tokens.list_tokens(user.id)
    return render(request, "account/tokens.html", {"tokens": listed, "new_secret": secret})


@routes.post("/account/tokens/{id:\\d+}/revoke")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def revoke_token(request: web.Request) -> web.Response:
    await request.app[SERVICES].accounts.tokens.revoke_token(
        actor(request), forms.path_id(request.match_info)
    )
    raise web.HTTPSeeOther("/account/tokens")
