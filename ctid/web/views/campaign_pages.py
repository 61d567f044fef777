"""The dialer's campaign pages: the list (state, mode, progress, priority; start, pause, stop), the editor
(create and change, through ``POST``/``PATCH /api/v1/campaigns``), the live page (progress, attempts by
result, the campaign's lines and operators as they are now, the next contacts with why each is not dialled,
and a look-up of any contact by number) that polls ``GET /api/v1/campaigns/{id}/live``, and the attempts
as CSV (numbers written locally, as the pages and the CRM's export write them).

Supervisors and admins (``campaigns.manage``) see these pages: an operator works a campaign from the
console, where its cards come. The lines and operators are read from the lines and the consoles' agent
states, as the live board reads them; the contacts' reasons from ``Campaigns.explain``, the runner's own
function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.agents import STATE_LABELS
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.core.paging import MAX_PER_PAGE, PageRequest
from ctid.core.text import spreadsheet_safe
from ctid.crm.models import CustomerKind, ReminderKind
from ctid.dialer.campaign_settings import RETRYABLE, settings_to_json
from ctid.dialer.models import ContactStatus, WhyNot
from ctid.dialer.records import Campaign, Contact
from ctid.reminders.models import ReminderType
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.campaign_words import CONTACT_WORDS, MODE_LABELS, RESULT_WORDS, STATE_WORDS, WHY_WORDS
from ctid.web.csv_download import csv_response
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import _, render
from ctid.web.views.campaigns import campaign_json

routes = web.RouteTableDef()
FEATURE = Feature(
    "campaign_pages",
    routes,
    nav=(NavEntry(N_("Campaigns"), "/campaigns", Permission.CAMPAIGNS_MANAGE, order=38),),
)

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
CSV_COLUMNS = (
    N_("Started"), N_("Customer"), N_("Number"), N_("Line"), N_("Operator"), N_("Answered"), N_("Ended"),
    N_("Result"), N_("Keys pressed"), N_("Note"),
)  # fmt: skip
CSV_ROWS = 100_000


def _words(request: web.Request, labels: Mapping[Any, str]) -> dict[str, str]:
    return {str(getattr(key, "value", key)): _(request, label) for key, label in labels.items()}


def _texts(request: web.Request) -> dict[str, Any]:
    """Every word the pages' script shows, translated here."""
    return {
        "modes": _words(request, MODE_LABELS),
        "states": _words(request, STATE_WORDS),
        "contacts": _words(request, CONTACT_WORDS),
        "results": _words(request, RESULT_WORDS),
        "why": _words(request, WHY_WORDS),
        "agents": _words(request, STATE_LABELS),
        "lines": {
            "up": _(request, "Idle"),
            "down": _(request, "Line down"),
            "ringing": _(request, "Ringing"),
            "in call": _(request, "In call"),
            "unknown": _(request, "no such line configured"),
        },
        "line_out": _(request, "out of this campaign (line faults)"),
        "line_in_use": _(request, "a call of this campaign"),
        "result_due": _(request, "result to give"),
        "due": _(request, "due now"),
        "none": _(request, "None."),
        "saved": _(request, "Saved."),
        "failed": _(request, "Failed:"),
        "updated": _(request, "Updated"),
        "not_found": _(request, "No contact of this campaign has that number."),
        "confirm_stop": _(request, "Stop this campaign for good? It cannot start again."),
    }


@routes.get("/campaigns")
@requires(Permission.CAMPAIGNS_MANAGE)
async def campaigns_page(request: web.Request) -> web.Response:
    campaigns, user = request.app[SERVICES].campaigns, current(request).user
    rows = []
    for campaign in await campaigns.all(user):
        progress = await campaigns.progress(user, campaign.id)
        total = sum(progress.contacts.values())
        finished = sum(
            n for s, n in progress.contacts.items() if s in (ContactStatus.DONE, ContactStatus.EXCLUDED)
        )
        rows.append({"campaign": campaign, "total": total, "finished": finished,
                     "attempts": sum(progress.results.values())})  # fmt: skip
    context = {"rows": rows, "modes": MODE_LABELS, "states": STATE_WORDS, "texts": _texts(request)}
    return render(request, "campaigns/list.html", context)


async def _editor(request: web.Request, campaign: Campaign | None) -> web.Response:
    services, user = request.app[SERVICES], current(request).user
    branch = campaign.branch_id if campaign else user.branch_id
    operators = [a.user for a in await services.agents.of_branch(branch)]
    context = {
        "campaign": campaign,
        "data": campaign_json(campaign) if campaign else None,
        "lines": services.lines.infos(),
        "operators": operators,
        "modes": MODE_LABELS,
        "weekdays": WEEKDAYS,
        "types": list(ReminderType),
        "retryable": [(r.value, RESULT_WORDS[r]) for r in RETRYABLE],
        "customer_kinds": list(CustomerKind),
        "due_kinds": list(ReminderKind),
        "texts": _texts(request),
    }
    return render(request, "campaigns/edit.html", context)


@routes.get("/campaigns/new")
@requires(Permission.CAMPAIGNS_MANAGE)
async def new_campaign_page(request: web.Request) -> web.Response:
    return await _editor(request, None)


@routes.get("/campaigns/{id:\\d+}/edit")
@requires(Permission.CAMPAIGNS_MANAGE)
async def edit_campaign_page(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].campaigns.get(
        current(request).user, forms.path_id(request.match_info)
    )
    return await _editor(request, found)


@routes.get("/campaigns/{id:\\d+}")
@requires(Permission.CAMPAIGNS_MANAGE)
async def live_campaign_page(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].campaigns.get(
        current(request).user, forms.path_id(request.match_info)
    )
    context = {"campaign": found, "modes": MODE_LABELS, "states": STATE_WORDS, "texts": _texts(request),
               "settings": settings_to_json(found.settings), "weekdays": WEEKDAYS}  # fmt: skip
    return render(request, "campaigns/live.html", context)


@routes.get("/api/v1/campaigns/{id:\\d+}/live")
@requires(Permission.CAMPAIGNS_MANAGE)
async def live_json(request: web.Request) -> web.Response:
    """What the live page shows now: progress, attempts by result, the campaign's lines and operators
    with their states, and the next contacts with why each is not dialled (``why_not``: null when due);
    with ``?number=`` the contacts at that number instead of the next ones (``lookup``)."""
    services, user = request.app[SERVICES], current(request).user
    campaigns = services.campaigns
    progress = await campaigns.progress(user, forms.path_id(request.match_info))
    campaign = progress.campaign
    number = forms.text(request.query, "number", 40)
    if number:
        key = services.normaliser.normalise(number).e164
        explained = await campaigns.explain_number(user, campaign.id, key) if key else []
    else:
        explained = await campaigns.explain(user, campaign.id)
    names = await campaigns.names([c for c, _why in explained])
    labels = {info.name: info.label or info.name for info in services.lines.infos()}
    busy = services.dialer.operators_busy()
    assigned = set(campaign.settings.operators)
    agents = await services.agents.of_branch(campaign.branch_id)
    return web.json_response(
        {
            **campaign_json(campaign),
            "contacts": {status.value: n for status, n in progress.contacts.items()},
            "results": {result.value: n for result, n in progress.results.items()},
            "lines": [
                {
                    "name": line.name,
                    "label": labels.get(line.name, line.name),
                    "status": str(line.status),
                    "in_use": line.in_use,
                    "out": line.out,
                }
                for line in services.dialer.lines_of(campaign)
            ],
            "operators": [
                {
                    "id": a.user.id,
                    "label": a.user.label,
                    "state": a.state.value,
                    "since": a.since.isoformat() if a.since else None,
                    "result_due": a.user.id in busy,  # a campaign call they have not given a result for
                }
                for a in agents
                if not assigned or a.user.id in assigned
            ],
            "lookup": bool(number),
            "next": [
                {**_contact_json(request, c, why), "customer_name": names.get(c.customer_id or 0, "")}
                for c, why in explained
            ],
        }
    )


def _contact_json(request: web.Request, contact: Contact, why: WhyNot | None) -> dict[str, Any]:
    shown = request.app[SERVICES].normaliser.shown
    return {
        "id": contact.id,
        "customer_id": contact.customer_id,
        "number": shown(contact.number_e164, contact.number_e164) if contact.number_e164 else "",
        "status": contact.status.value,
        "attempts": contact.attempts,
        "next_try_at": contact.next_try_at.isoformat(),
        "last_result": None if contact.last_result is None else contact.last_result.value,
        "why_not": None if why is None else why.value,
    }


@routes.get("/campaigns/{id:\\d+}/attempts.csv")
@requires(Permission.CAMPAIGNS_MANAGE)
async def attempts_csv(request: web.Request) -> web.Response:
    """Every attempt, the newest first: a row each, numbers written locally (a spreadsheet would take
    +86... for a formula, and people read them so), times in the site's zone."""
    services, user = request.app[SERVICES], current(request).user
    campaign = await services.campaigns.get(user, forms.path_id(request.match_info))
    rows: list[list[str]] = []
    zone = _zone(request)
    labels = await _operator_labels(request, campaign)
    number = 1
    while len(rows) < CSV_ROWS:
        page = await services.campaigns.attempts(user, campaign.id, PageRequest(number, MAX_PER_PAGE))
        names = await services.campaigns.contact_names(page.items)
        for a in page.items:
            rows.append([
                _at(a.started_at, zone), spreadsheet_safe(names.get(a.contact_id, "")),
                services.normaliser.shown(a.number_e164, a.number_e164), spreadsheet_safe(a.line),
                spreadsheet_safe(labels.get(a.operator_id or 0, "")), _at(a.answered_at, zone),
                _at(a.ended_at, zone), _(request, RESULT_WORDS[a.result]) if a.result else "",
                spreadsheet_safe(a.dtmf), spreadsheet_safe(a.note),
            ])  # fmt: skip
        if number >= page.pages:
            break
        number += 1
    header = [_(request, column) for column in CSV_COLUMNS]
    return csv_response(header, rows, f"campaign-{campaign.id}-attempts.csv")


async def _operator_labels(request: web.Request, campaign: Campaign) -> dict[int, str]:
    agents = await request.app[SERVICES].agents.of_branch(campaign.branch_id)
    return {a.user.id: a.user.label for a in agents}


def _zone(request: web.Request) -> ZoneInfo:
    return ZoneInfo(request.app[SERVICES].config.site.timezone)


def _at(value: Any, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
