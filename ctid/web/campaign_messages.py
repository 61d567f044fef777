"""The campaign messages of an operator's console (docs/api.md, "Websocket"), built here and only here:
``campaign.card`` (a preview card, held for them), ``campaign.none`` (no card now, and why),
``campaign.call`` (a campaign call placed for them: a progressive call ringing out, or the card they dialled)
and ``campaign.attempt`` (what came of it). The API answers with the same shapes.

Pure functions from the dialer's records and the pop's customer card (``ctid.screenpop.messages.card_json``)
to JSON-ready dicts, so the contract is tested without a socket. Why in the web layer: the pops' layer may
not import the dialer (the same layer line), and these join the two.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ctid.dialer.desk import Card, NoCard
from ctid.dialer.events import CampaignAttemptEnded
from ctid.dialer.models import AttemptResult
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.reminders.item_models import ReminderItem

Message = dict[str, Any]


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def campaign_json(campaign: Campaign) -> Message:
    return {"id": campaign.id, "name": campaign.name, "mode": campaign.mode.value}


def contact_json(contact: Contact) -> Message:
    """The contact as the card shows it: the number (E.164: the console writes it locally), its attempts,
    and a call back's time and whom it is kept for."""
    return {
        "id": contact.id,
        "customer_id": contact.customer_id,
        "number_e164": contact.number_e164,
        "status": contact.status.value,
        "attempts": contact.attempts,
        "next_try_at": _iso(contact.next_try_at),
        "call_back": contact.call_back,
        "call_back_user_id": contact.call_back_user_id,
        "last_result": None if contact.last_result is None else contact.last_result.value,
        "reason": contact.reason,
    }


def item_json(item: ReminderItem | None) -> Message | None:
    """The reminder item the call is about: its type and subject, the car, the due and contact days."""
    if item is None:
        return None
    return {
        "id": item.id,
        "type": item.type.value,
        "subject": item.subject,
        "plate": item.plate,
        "due_on": _iso(item.due_on),
        "contact_on": _iso(item.contact_on),
        "status": item.status.value,
        "note": item.note,
        "attempts": item.attempts,
    }


def attempt_json(attempt: Attempt) -> Message:
    return {
        "id": attempt.id,
        "line": attempt.line,
        "operator_id": attempt.operator_id,
        "started_at": _iso(attempt.started_at),
        "answered_at": _iso(attempt.answered_at),
        "ended_at": _iso(attempt.ended_at),
        "result": None if attempt.result is None else attempt.result.value,
        "dtmf": attempt.dtmf,
        "call_id": attempt.call_id,
        "note": attempt.note,
    }


def card(found: Card, customer: Message | None, labels: dict[str, str]) -> Message:
    """A card: ``customer`` is the pop's card of the contact's customer (None: none, or gone); ``lines``
    the campaign's lines that are the operator's, with their labels (服务台), to dial it on."""
    return {
        "type": "campaign.card",
        "campaign": campaign_json(found.campaign),
        "contact": contact_json(found.contact),
        "customer": customer,
        "item": item_json(found.item),
        "attempts": [attempt_json(a) for a in found.attempts],
        "held_until": _iso(found.held_until),
        "lines": [{"name": name, "label": labels.get(name, name)} for name in found.lines],
    }


def none(campaign_id: int, found: NoCard) -> Message:
    """No card now: ``why`` the campaign's reason (campaign_not_running, outside_hours, day_off), null when
    nobody is due; ``next_at`` when the next one is."""
    why = None if found.why is None else found.why.value
    return {"type": "campaign.none", "campaign_id": campaign_id, "why": why, "next_at": _iso(found.next_at)}


def call(
    found: Card, customer: Message | None, labels: dict[str, str], attempt_id: int, line: str, call_id: str
) -> Message:
    """A campaign call placed for this operator, ringing out on ``line``: its card, and the attempt whose
    result they give from the wrap-up list."""
    placed = {"id": attempt_id, "line": line, "line_label": labels.get(line, line), "call_id": call_id}
    return {**card(found, customer, labels), "type": "campaign.call", "attempt": placed}


def attempt_ended(event: CampaignAttemptEnded) -> Message:
    """What came of a campaign call. ``awaiting``: the modem's "answered" (the line went to the handset):
    the operator's result is still to come; anything else settled the attempt (busy, no answer: the
    campaign tries again by its rules)."""
    return {
        "type": "campaign.attempt",
        "campaign_id": event.campaign_id,
        "contact_id": event.contact_id,
        "attempt_id": event.attempt_id,
        "line": event.line,
        "call_id": event.call_id,
        "result": event.result.value,
        "awaiting": event.result == AttemptResult.ANSWERED,
        "at": _iso(event.at),
    }
