"""An operator's campaign desk, the API the console's campaign panel uses: the campaigns they work, a
preview campaign's next card (held for them), a card dialled on their line, skipped with a reason or
closed, an attempt's result from the wrap-up list, and their call backs.

Views only parse and answer: who may do what is ctid.dialer.desk's and the runner's business; the cards
are the messages of ctid.web.campaign_messages, the same the socket sends.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.dialer.desk import Card
from ctid.web import campaign_desk_forms, campaign_messages, forms
from ctid.web.auth import actor, current, requires
from ctid.web.campaign_pops import call_message, card_message
from ctid.web.feature import Feature
from ctid.web.json import read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("campaign_desk", routes)  # the console's panel: no page of its own
CAMPAIGN = "/api/v1/me/campaigns/{id:\\d+}"
CONTACT = CAMPAIGN + "/contacts/{contact_id:\\d+}"


def _ids(request: web.Request) -> tuple[int, int]:
    return forms.path_id(request.match_info), forms.path_id(request.match_info, "contact_id")


@routes.get("/api/v1/me/campaigns")
@requires(Permission.USE_CONSOLE)
async def my_campaigns(request: web.Request) -> web.Response:
    """The running preview and progressive campaigns I work, and the campaign call I have not given a
    result for yet (``call``: a ``campaign.call``, or null)."""
    services, user = request.app[SERVICES], current(request).user
    campaigns = await services.desk.campaigns(user)
    found = await services.desk.open_call(user)
    call = None
    if found is not None:
        card, attempt = found
        call = await call_message(services, user, card, attempt.id, attempt.line, attempt.call_id or "")
    return web.json_response({"items": [campaign_messages.campaign_json(c) for c in campaigns], "call": call})


@routes.post(CAMPAIGN + "/next")
@requires(Permission.USE_CONSOLE)
async def next_card(request: web.Request) -> web.Response:
    """A ``campaign.card`` held for me (the one I hold already, if any), or ``campaign.none`` saying why."""
    services, user = request.app[SERVICES], current(request).user
    campaign_id = forms.path_id(request.match_info)
    found = await services.desk.next_card(user, campaign_id)
    if isinstance(found, Card):
        return web.json_response(await card_message(services, user, found))
    return web.json_response(campaign_messages.none(campaign_id, found))


@routes.post(CONTACT + "/dial")
@requires(Permission.USE_CONSOLE)
async def dial_card(request: web.Request) -> web.Response:
    """``{"line"}``: dial the card (or a call back) on my line; its ``campaign.call`` comes on the socket.
    409 in words: the line busy, the card shown to another, a reason not to call now."""
    line = campaign_desk_forms.dial_line(await read_object(request))
    campaign_id, contact_id = _ids(request)
    placed = await request.app[SERVICES].desk.dial(current(request).user, campaign_id, contact_id, line)
    body = {"attempt_id": placed.attempt_id, "call_id": placed.call_id, "line": placed.line}
    return web.json_response(body, status=202)


@routes.post(CONTACT + "/skip")
@requires(Permission.USE_CONSOLE)
async def skip_card(request: web.Request) -> web.Response:
    """``{"reason"}``: the card skipped (no attempt used; it comes round again later)."""
    reason = campaign_desk_forms.skip_reason(await read_object(request))
    campaign_id, contact_id = _ids(request)
    user = current(request).user
    await request.app[SERVICES].desk.skip(actor(request), user, campaign_id, contact_id, reason)
    return web.json_response({"contact_id": contact_id, "skipped": True})


@routes.post(CONTACT + "/release")
@requires(Permission.USE_CONSOLE)
async def release_card(request: web.Request) -> web.Response:
    """The card closed without a word: free for the others at once."""
    campaign_id, contact_id = _ids(request)
    await request.app[SERVICES].desk.release(current(request).user, campaign_id, contact_id)
    return web.json_response({"contact_id": contact_id, "released": True})


@routes.put("/api/v1/attempts/{id:\\d+}/result")
@requires(Permission.USE_CONSOLE)
async def give_result(request: web.Request) -> web.Response:
    """``{"result", "note"?, "call_back_at"?, "for_anyone"?}``: my result for a campaign call, once (a
    second is a 409): answered, confirmed, call_back, declined, wrong_number, opted_out, no_answer, busy."""
    services = request.app[SERVICES]
    given = campaign_desk_forms.given_result(
        await read_object(request), ZoneInfo(services.config.site.timezone)
    )
    attempt_id = forms.path_id(request.match_info)
    ended = await services.dialer.give_result(
        current(request).user,
        attempt_id,
        given.result,
        note=given.note,
        call_back_at=given.call_back_at,
        for_anyone=given.for_anyone,
        actor=actor(request),
    )
    return web.json_response(campaign_messages.attempt_json(ended))


@routes.get("/api/v1/me/callbacks")
@requires(Permission.USE_CONSOLE)
async def my_call_backs(request: web.Request) -> web.Response:
    """The call backs kept for me in the campaigns I work, the soonest first (``due``: now)."""
    services, user = request.app[SERVICES], current(request).user
    found = await services.desk.call_backs(user)
    names = await services.crm.names({b.contact.customer_id for b in found if b.contact.customer_id})
    items: list[dict[str, Any]] = [
        {
            "campaign": campaign_messages.campaign_json(b.campaign),
            "contact": campaign_messages.contact_json(b.contact),
            "customer_name": names.get(b.contact.customer_id or 0),
            "due": b.due,
        }
        for b in found
    ]
    return web.json_response({"items": items})
