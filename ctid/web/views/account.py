"""A user's own account: password and API tokens."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts import passwords
from ctid.accounts.permissions import Permission
from ctid.audit.models import Actor
from ctid.core.errors import N_, ValidationError
from ctid.web import forms
from ctid.web.auth import actor, client_address, current, requires
from ctid.web.feature import Feature
from ctid.web.keys import SERVICES
from ctid.web.render import _, render
from ctid.web.views.form_errors import form_error

routes = web.RouteTableDef()
FEATURE = Feature("account", routes)


@routes.get("/account/password")
@requires(Permission.MANAGE_OWN_ACCOUNT)
async def password_form(request: web.Request) -> web.Response:
    return render(
        request, "account/password.html", {"done": "done" in request.query, **_why_and_rules(request)}
    )


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
        context = {**form_error(request, exc), **_why_and_rules(request)}
        return render(request, "account/password.html", context, status=422)
    raise web.HTTPSeeOther("/account/password?done")


def _why_and_rules(request: web.Request) -> dict[str, object]:
    """Why the user is sent here (a new account's one-time password, or an admin's reset, which is the one
    that sets a change date) and the rules a new password must meet, in the reader's words."""
    user = current(request).user
    why = None
    if user.must_change_password:
        if user.password_changed_at is None:
            why = N_("This is a new account: replace the one-time password you were given with your own.")
        else:
            why = N_("An administrator reset your password: choose your own before you go on.")
    rules = [_(request, message, **params) for message, params in passwords.rules()]
    return {"why": _(request, why) if why else None, "rules": rules}


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
