"""The reminders API: the worklist (``GET /api/v1/reminders``), a customer's reminder history
(``?customer=``), one item, and what came of working it (``PATCH``). See docs/api.md, "Reminders"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.web import forms, reminder_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES
from ctid.web.reminder_json import build_json, history_json, item_json

routes = web.RouteTableDef()
FEATURE = Feature("reminders", routes)

REMINDER = "/api/v1/reminders/{id:\\d+}"


@routes.get("/api/v1/reminders")
@requires(Permission.REMINDERS_WORK)
async def list_reminders(request: web.Request) -> web.Response:
    """The worklist; with ``customer=`` the customer's items and events instead (no paging)."""
    user = current(request).user
    where = reminder_forms.reminder_filter(request.query, user.id)
    worklist = request.app[SERVICES].reminders.worklist
    if where.customer_id is not None:
        return web.json_response(history_json(await worklist.of_customer(user, where.customer_id)))
    page = await worklist.page(user, where)
    return web.json_response(page_json(page, [item_json(item) for item in page.items]))


@routes.post("/api/v1/reminders/run")
@requires(Permission.REMINDERS_MANAGE)
async def run_build(request: web.Request) -> web.Response:
    """The button: build a day's queue now (today by default), as the daily job does; again adds nothing."""
    body = await read_object(request) if request.can_read_body else {}
    forms.known(body, ("date",))
    builder = request.app[SERVICES].reminders.builder
    result = await builder.run(forms.day(body, "date"), actor(request))
    return web.json_response(build_json(result))


@routes.get(REMINDER)
@requires(Permission.REMINDERS_WORK)
async def get_reminder(request: web.Request) -> web.Response:
    worklist = request.app[SERVICES].reminders.worklist
    item = await worklist.get(current(request).user, forms.path_id(request.match_info))
    return web.json_response(item_json(item))


@routes.patch(REMINDER)
@requires(Permission.REMINDERS_WORK)
async def change_reminder(request: web.Request) -> web.Response:
    """An outcome, a note, a snooze, a call back, another assignee: audited, written to the history."""
    services = request.app[SERVICES]
    change = reminder_forms.item_change(await read_object(request), ZoneInfo(services.config.site.timezone))
    user = current(request).user
    item = await services.reminders.worklist.change(
        actor(request), user, forms.path_id(request.match_info), change
    )
    return web.json_response(item_json(item))


@routes.post(REMINDER + "/email")
@requires(Permission.REMINDERS_WORK)
async def email_reminder(request: web.Request) -> web.Response:
    """An e-mail item sent by e-mail now (its type's template, the customer's address) and closed as sent;
    409 in words when it cannot go (no address, not an e-mail item, no server, the server's no)."""
    services = request.app[SERVICES]
    item_id = forms.path_id(request.match_info)
    item = await services.reminders.emails.send(actor(request), current(request).user, item_id)
    return web.json_response(item_json(item))
