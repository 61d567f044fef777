"""The operator console: its page, and the API its script uses (lines, dialing, notes, the caller).

Views only parse and answer; what may be done on which line is ctid.screenpop.console's business. The
customer endpoints the console also uses (a card, a new customer from the pop) are the CRM records API's
(ctid.web.views.crm_customers): one endpoint for a customer, whoever asks.
"""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from ctid.accounts.agents import AgentStatus
from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission
from ctid.calls.service import MAX_NOTE
from ctid.core.errors import N_
from ctid.crm.models import ContactType
from ctid.screenpop.console import LineChoice
from ctid.web import console_forms, forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.json import read_object
from ctid.web.keys import SERVICES
from ctid.web.labels import VALUE_LABELS
from ctid.web.render import _, render
from ctid.web.views.calls import call_json

routes = web.RouteTableDef()
FEATURE = Feature(
    "console",
    routes,
    nav=(NavEntry(N_("Console"), "/console", Permission.USE_CONSOLE, order=20),),
)


@routes.get("/console")
@requires(Permission.USE_CONSOLE)
async def console_page(request: web.Request) -> web.Response:
    """The console's words for data values (outcomes, roles, reminder kinds) and the wrap-up results a call
    may be given travel with the page."""
    values = {value: _(request, value) for value in VALUE_LABELS}
    services = request.app[SERVICES]
    agent = current(request).user.role == Role.OPERATOR  # operators set ready / break
    results = [{"code": c.code, "label": c.label} for c in await services.wrap_up.list(active=True)]
    timezone = services.config.site.timezone
    context = {"value_labels": values, "timezone": timezone, "agent": agent, "wrap_up_codes": results}
    return render(request, "console.html", context)


def _choices_json(choices: list[LineChoice]) -> web.Response:
    return web.json_response({"lines": [asdict(c) for c in choices]})


@routes.get("/api/v1/me/lines")
@requires(Permission.USE_CONSOLE)
async def my_lines(request: web.Request) -> web.Response:
    return _choices_json(await request.app[SERVICES].console.line_choices(current(request).user))


@routes.put("/api/v1/me/lines")
@requires(Permission.USE_CONSOLE)
async def bind_my_lines(request: web.Request) -> web.Response:
    """The console's line picker: which lines pop on my screen (applies on the next websocket connect)."""
    lines = forms.text_list(await read_object(request, ("lines",)), "lines", max_items=100)
    console = request.app[SERVICES].console
    return _choices_json(await console.bind(actor(request), current(request).user, lines))


def _state_json(status: AgentStatus) -> web.Response:
    since = status.since.isoformat() if status.since else None
    return web.json_response({"state": status.state.value, "chosen": status.chosen.value, "since": since})


@routes.get("/api/v1/me/state")
@requires(Permission.USE_CONSOLE)
async def my_state(request: web.Request) -> web.Response:
    """The operator's state: ``chosen`` (ready / break) and ``state`` as the board shows it."""
    return _state_json(await request.app[SERVICES].agents.status(current(request).user))


@routes.put("/api/v1/me/state")
@requires(Permission.USE_CONSOLE)
async def choose_state(request: web.Request) -> web.Response:
    """就绪 / 小休: the operator is ready for calls, or on a break."""
    state = forms.text(await read_object(request, ("state",)), "state", 16, required=True)
    return _state_json(await request.app[SERVICES].agents.choose(current(request).user, state))


@routes.get("/api/v1/me/missed")
@requires(Permission.USE_CONSOLE)
async def my_missed_calls(request: web.Request) -> web.Response:
    missed = await request.app[SERVICES].console.missed(current(request).user)
    return web.json_response(
        {"items": [dict(call_json(m.call), customer_name=m.customer_name) for m in missed]}
    )


@routes.post("/api/v1/lines/{name}/dial")
@requires(Permission.USE_CONSOLE)
async def dial(request: web.Request) -> web.Response:
    """``{"number", "about"?: a contact type (a reminder's), "override"?: true}``: 409 in words for a number
    on the do-not-call list or a customer who refused calls about ``about``; a supervisor's ``override``
    dials anyway (audited)."""
    body = await read_object(request, ("number", "about", "override"))
    number = forms.text(body, "number", 40, required=True)
    about = forms.optional_choice(body, "about", ContactType)
    override = actor(request) if forms.flag(body, "override") else None
    line = request.match_info["name"]
    call_id = await request.app[SERVICES].console.dial(current(request).user, line, number, about, override)
    return web.json_response({"call_id": call_id, "line": line}, status=202)


@routes.post("/api/v1/lines/{name}/hangup")
@requires(Permission.USE_CONSOLE)
async def hangup(request: web.Request) -> web.Response:
    await request.app[SERVICES].console.hangup(current(request).user, request.match_info["name"])
    return web.json_response({"line": request.match_info["name"]})


@routes.post("/api/v1/lines/{name}/recording")
@requires(Permission.RECORDINGS_OWN)
async def control_recording(request: web.Request) -> web.Response:
    """Start ("record": a line recorded on demand), pause or resume the recording of the line's call."""
    action = forms.text(await read_object(request, ("action",)), "action", 10, required=True)
    line = request.match_info["name"]
    state = await request.app[SERVICES].console.recording(current(request).user, line, action)
    kind, recording_id = state or ("stopped", None)
    return web.json_response({"line": line, "state": kind, "recording_id": recording_id})


@routes.put("/api/v1/calls/{id}/note")
@requires(Permission.USE_CONSOLE)
async def save_note(request: web.Request) -> web.Response:
    note = forms.multiline(await read_object(request, ("note",)), "note", MAX_NOTE)
    console = request.app[SERVICES].console
    call = await console.save_note(actor(request), current(request).user, request.match_info["id"], note)
    return web.json_response(call_json(call))


@routes.put("/api/v1/calls/{id}/customer")
@requires(Permission.USE_CONSOLE)
async def link_customer(request: web.Request) -> web.Response:
    """The caller is this customer (one of several candidates, or found by a search: ``add_number``)."""
    customer_id, add_number = console_forms.customer_link(await read_object(request))
    console, call_id = request.app[SERVICES].console, request.match_info["id"]
    await console.link_customer(actor(request), current(request).user, call_id, customer_id, add_number)
    return web.json_response({"call_id": call_id, "customer_id": customer_id})
