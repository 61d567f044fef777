"""A campaign's own exclusions (``/api/v1/campaigns/{id}/contacts/{contact_id}/exclude``, ``/include``,
``/api/v1/campaigns/{id}/exclusions``): a contact or a number taken out of one campaign with a reason,
and let back in (docs/api.md). Kept by supervisors and admins (campaigns.manage)."""

from __future__ import annotations

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.web import forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("campaign exclusions", routes)
CAMPAIGN = "/api/v1/campaigns/{id:\\d+}"
CONTACT = CAMPAIGN + "/contacts/{contact_id:\\d+}"
REASON_LIMIT = 200


@routes.post(CONTACT + "/exclude")
@requires(Permission.CAMPAIGNS_MANAGE)
async def exclude_contact(request: web.Request) -> web.Response:
    """``{"reason"}``: the contact is called no more by this campaign; 409 when it was done already."""
    body = await read_object(request, ("reason",))
    reason = forms.text(body, "reason", REASON_LIMIT, required=True)
    campaign_id, contact_id = _ids(request)
    await request.app[SERVICES].exclusions.exclude_contact(
        actor(request), current(request).user, campaign_id, contact_id, reason
    )
    return web.json_response({"contact_id": contact_id, "status": "excluded", "reason": reason})


@routes.post(CONTACT + "/include")
@requires(Permission.CAMPAIGNS_MANAGE)
async def include_contact(request: web.Request) -> web.Response:
    """An excluded contact back in the campaign, due now; 409 for one not excluded, or a campaign ended."""
    campaign_id, contact_id = _ids(request)
    await request.app[SERVICES].exclusions.include_contact(
        actor(request), current(request).user, campaign_id, contact_id
    )
    return web.json_response({"contact_id": contact_id, "status": "pending"})


@routes.post(CAMPAIGN + "/exclusions")
@requires(Permission.CAMPAIGNS_MANAGE)
async def exclude_number(request: web.Request) -> web.Response:
    """``{"number", "reason"}``: every contact of the campaign at the number, still to call, excluded;
    ``{"excluded": n}`` (0: none was). 422 naming ``number`` for what is not a phone number."""
    body = await read_object(request, ("number", "reason"))
    number = forms.text(body, "number", 40, required=True)
    reason = forms.text(body, "reason", REASON_LIMIT, required=True)
    excluded = await request.app[SERVICES].exclusions.exclude_number(
        actor(request), current(request).user, forms.path_id(request.match_info), number, reason
    )
    return web.json_response({"excluded": excluded})


def _ids(request: web.Request) -> tuple[int, int]:
    return forms.path_id(request.match_info), forms.path_id(request.match_info, "contact_id")
