"""The dialer's campaigns API (``/api/v1/campaigns``): made from a reminder queue, started, paused and
stopped, their progress, why each next contact is not dialled now, and their attempts (docs/api.md).
The campaign pages come with the runner (docs/dialer.md)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.dialer.campaign_settings import settings_to_json
from ctid.dialer.models import WhyNot
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.web import forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("campaigns", routes)
CAMPAIGN = "/api/v1/campaigns/{id:\\d+}"
MAX_PRIORITY = 100


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "branch_id": campaign.branch_id,
        "name": campaign.name,
        "mode": campaign.mode.value,
        "state": campaign.state.value,
        "priority": campaign.priority,
        "settings": settings_to_json(campaign.settings),
        "created_by": campaign.created_by,
        "created_at": campaign.created_at.isoformat(),
        "started_at": None if campaign.started_at is None else campaign.started_at.isoformat(),
        "ended_at": None if campaign.ended_at is None else campaign.ended_at.isoformat(),
    }


def contact_json(contact: Contact, why: WhyNot | None) -> dict[str, Any]:
    return {
        "id": contact.id,
        "customer_id": contact.customer_id,
        "number": contact.number_e164,
        "reminder_item_id": contact.reminder_item_id,
        "status": contact.status.value,
        "attempts": contact.attempts,
        "next_try_at": contact.next_try_at.isoformat(),
        "last_result": None if contact.last_result is None else contact.last_result.value,
        "why_not": None if why is None else why.value,
    }


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return None if value is None else str(value.isoformat())

    return {
        "id": attempt.id,
        "contact_id": attempt.contact_id,
        "number": attempt.number_e164,
        "line": attempt.line,
        "operator_id": attempt.operator_id,
        "started_at": at(attempt.started_at),
        "answered_at": at(attempt.answered_at),
        "ended_at": at(attempt.ended_at),
        "result": None if attempt.result is None else attempt.result.value,
        "dtmf": attempt.dtmf,
    }


@routes.get("/api/v1/campaigns")
@requires(Permission.CAMPAIGNS_MANAGE)
async def list_campaigns(request: web.Request) -> web.Response:
    found = await request.app[SERVICES].campaigns.all(current(request).user)
    return web.json_response({"items": [campaign_json(c) for c in found]})


@routes.post("/api/v1/campaigns")
@requires(Permission.CAMPAIGNS_MANAGE)
async def create_campaign(request: web.Request) -> web.Response:
    """``{"name", "mode", "settings", "priority"?}``: a draft with its contacts from its source; 201."""
    body = await read_object(request, ("name", "mode", "settings", "priority"))
    if "settings" not in body:
        raise ValidationError("settings", N_("%(field)s is required."), field="settings")
    priority = forms.optional_integer(body, "priority", -MAX_PRIORITY, MAX_PRIORITY) or 0
    made = await request.app[SERVICES].campaigns.create(
        actor(request), current(request).user, body.get("name"), body.get("mode"), body["settings"], priority
    )
    return web.json_response(campaign_json(made), status=201)


@routes.get(CAMPAIGN)
@requires(Permission.CAMPAIGNS_MANAGE)
async def get_campaign(request: web.Request) -> web.Response:
    """The campaign, its contacts by status, its attempts by result, and its next contacts with why each
    is not dialled now (``why_not``: null when it is due)."""
    campaigns, user = request.app[SERVICES].campaigns, current(request).user
    progress = await campaigns.progress(user, forms.path_id(request.match_info))
    explained = await campaigns.explain(user, progress.campaign.id)
    return web.json_response(
        {
            **campaign_json(progress.campaign),
            "contacts": {status.value: n for status, n in progress.contacts.items()},
            "results": {result.value: n for result, n in progress.results.items()},
            "next": [contact_json(c, why) for c, why in explained],
        }
    )


@routes.patch(CAMPAIGN)
@requires(Permission.CAMPAIGNS_MANAGE)
async def change_campaign(request: web.Request) -> web.Response:
    """``{"name"?, "priority"?, "mode"?, "settings"?}`` (the settings whole, as at create): the campaign as
    changed; 409 in words for what its state forbids (a running campaign keeps its mode and source)."""
    body = await read_object(request, ("name", "mode", "settings", "priority"))
    changes = dict(body)
    if "priority" in body:
        changes["priority"] = forms.integer(body, "priority", -MAX_PRIORITY, MAX_PRIORITY)
    changed = await request.app[SERVICES].campaigns.change(
        actor(request), current(request).user, forms.path_id(request.match_info), changes
    )
    return web.json_response(campaign_json(changed))


async def _move(request: web.Request, how: Any) -> web.Response:
    campaigns = request.app[SERVICES].campaigns
    moved = await campaigns.move(
        actor(request), current(request).user, forms.path_id(request.match_info), how
    )
    return web.json_response(campaign_json(moved))


@routes.post(CAMPAIGN + "/start")
@requires(Permission.CAMPAIGNS_MANAGE)
async def start_campaign(request: web.Request) -> web.Response:
    return await _move(request, "start")


@routes.post(CAMPAIGN + "/pause")
@requires(Permission.CAMPAIGNS_MANAGE)
async def pause_campaign(request: web.Request) -> web.Response:
    return await _move(request, "pause")


@routes.post(CAMPAIGN + "/stop")
@requires(Permission.CAMPAIGNS_MANAGE)
async def stop_campaign(request: web.Request) -> web.Response:
    return await _move(request, "stop")


@routes.get(CAMPAIGN + "/attempts")
@requires(Permission.CAMPAIGNS_MANAGE)
async def list_attempts(request: web.Request) -> web.Response:
    campaigns, user = request.app[SERVICES].campaigns, current(request).user
    found = await campaigns.attempts(
        user, forms.path_id(request.match_info), forms.page_request(request.query)
    )
    return web.json_response(page_json(found, [attempt_json(a) for a in found.items]))
