"""Every message the websocket hub sends is built here, and only here (see docs/api.md, "Websocket").

Pure functions from dataclasses to JSON-ready dicts, so the contract is tested without a socket.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ctid.calls.models import Call
from ctid.crm.due_dates import call_about
from ctid.crm.lunar import birthday_words
from ctid.crm.models import CustomerCard, CustomerSummary
from ctid.reminders.appointment_models import NextAppointment
from ctid.voicecard.events import Direction

Message = dict[str, Any]


@dataclass(frozen=True)
class PopCall:
    """What a pop says about a call; updated as the call's events arrive."""

    id: str
    line: str
    line_label: str
    direction: Direction
    started_at: datetime
    number: str | None = None
    number_e164: str | None = None
    name: str | None = None
    reason: str | None = None
    dialled_by: int | None = None
    """The user who dialled an outbound call from their console: its messages go to that user only."""

    def with_caller(
        self, number: str | None, e164: str | None, name: str | None, reason: str | None
    ) -> PopCall:
        return replace(self, number=number, number_e164=e164, name=name, reason=reason)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def call_json(call: PopCall) -> Message:
    return {
        "id": call.id,
        "line": call.line,
        "line_label": call.line_label,
        "direction": call.direction,
        "number": call.number,
        "number_e164": call.number_e164,
        "name": call.name,
        "reason": call.reason,
        "started_at": call.started_at.isoformat(),
    }


def appointment_json(found: NextAppointment | None) -> Message | None:
    """The card's line about the customer's next appointment (预约)."""
    if found is None:
        return None
    return {
        "id": found.id,
        "day": found.day.isoformat(),
        "slot": found.slot,
        "plate": found.plate,
        "service": found.service,
        "advisor_name": found.advisor_name,
        "status": found.status.value,
    }


def card_json(card: CustomerCard, recent_calls: list[Call]) -> Message:
    return {
        "id": card.id,
        "name": card.name,
        "kind": card.kind.value,
        "level": card.level,
        "branch_id": card.branch_id,
        "address": card.address,
        "notes": card.notes,
        "tags": list(card.tags),
        "opt_outs": list(card.opt_outs),
        "phones": [{"number": p.number, "e164": p.e164, "label": p.label} for p in card.phones],
        "vehicles": [
            {
                "id": v.id,
                "plate": v.plate,
                "vin": v.vin,
                "brand": v.brand,
                "model": v.model,
                "roles": [r.value for r in v.roles],
                "mileage_km": v.mileage_km,
                "insurance_expiry": _day(v.insurance_expiry),
                "inspection_due": _day(v.inspection_due),
                "next_service_due": _day(v.next_service_due),
            }
            for v in card.vehicles
        ],
        "last_visits": [
            {
                "visited_on": _day(v.visited_on),
                "plate": v.plate,
                "mileage_km": v.mileage_km,
                "summary": v.summary,
                "amount": str(v.amount),  # a Decimal in yuan: as text, so no float rounding on the way
                "advisor": v.advisor,
            }
            for v in card.last_visits
        ],
        "open_follow_ups": [
            {
                "kind": f.kind.value,
                "category": f.category,
                "content": f.content,
                "status": f.status.value,
                "due_on": _day(f.due_on),
            }
            for f in card.open_follow_ups
        ],
        "due_reminders": [
            {"kind": r.kind.value, "due_on": _day(r.due_on), "plate": r.plate} for r in card.due_reminders
        ],
        "about": (about.value if (about := call_about(card.due_reminders)) else ""),  # the dial's ``about``
        "birthday_lunar": birthday_words(card.birthday, card.birthday_lunar),  # 八月十五, or None
        "email": card.email,
        "recent_calls": [
            {
                "id": c.id,
                "started_at": c.started_at.isoformat(),
                "direction": c.direction,
                "outcome": c.outcome,
            }
            for c in recent_calls
        ],
    }


def candidate_json(summary: CustomerSummary) -> Message:
    return {"id": summary.id, "name": summary.name, "kind": summary.kind.value}


def ringing(call: PopCall) -> Message:
    return {"type": "call.ringing", "call": call_json(call)}


def identified(
    call: PopCall, customer: Message | None, candidates: list[Message], lookup: str = "done"
) -> Message:
    """``lookup``: "done", "pending" (a ``call.updated`` with the customer follows) or "failed"."""
    return {
        "type": "call.identified",
        "call": call_json(call),
        "customer": customer,
        "candidates": candidates,
        "lookup": lookup,
    }


def dialing(
    call: PopCall, customer: Message | None, candidates: list[Message], lookup: str = "done"
) -> Message:
    """The pop of a call dialled from a console: the dialled number's customer, as ``identified`` has the
    caller's, sent to the dialling user's consoles only."""
    return {**identified(call, customer, candidates, lookup), "type": "call.dialing"}


def popped(
    call: PopCall, customer: Message | None, candidates: list[Message], lookup: str = "done"
) -> Message:
    """The pop of a call, whichever way it goes: ``call.identified`` (inbound) or ``call.dialing``."""
    pop = dialing if call.direction == "outbound" else identified
    return pop(call, customer, candidates, lookup)


def connected(call: PopCall) -> Message:
    """A dialled call went through (the far end answered, or the handset took it over)."""
    return {"type": "call.connected", "call": call_json(call)}


def updated(call: PopCall, **extra: Any) -> Message:
    return {"type": "call.updated", "call": call_json(call), **extra}


def answered(call: PopCall) -> Message:
    return {"type": "call.answered", "call": call_json(call)}


def waiting_caller(
    number: str | None, e164: str | None, name: str | None, reason: str | None, at: datetime
) -> Message:
    return {"number": number, "number_e164": e164, "name": name, "reason": reason, "at": at.isoformat()}


def waiting(call: PopCall, caller: Message) -> Message:
    """Another caller while ``call`` is answered (call waiting): ``waiting`` is who (``waiting_caller``)."""
    return {"type": "call.waiting", "call": call_json(call), "waiting": caller}


def recording(call: PopCall, state: str, recording_id: int | None, problem: str | None) -> Message:
    return {
        "type": "call.recording",
        "call": call_json(call),
        "recording": {"state": state, "id": recording_id, "problem": problem},
    }


def ended(call: PopCall, outcome: str, duration_s: float) -> Message:
    return {
        "type": "call.ended",
        "call": call_json(call),
        "outcome": outcome,
        "duration_s": round(duration_s, 1),
    }


def line_status(name: str, label: str, status: str, detail: str = "") -> Message:
    return {"type": "line.status", "line": {"name": name, "label": label, "status": status, "detail": detail}}


def hello(user: Message, lines: list[Message]) -> Message:
    return {"type": "hello", "user": user, "lines": lines}


def agent_state(user_id: int, label: str, state: str, since: datetime | None) -> Message:
    """An operator's state as the board shows it (ready, break, offline) and since when."""
    return {
        "type": "agent.state",
        "agent": {
            "id": user_id,
            "label": label,
            "state": state,
            "since": since.isoformat() if since else None,
        },
    }


def handled(
    call_id: str, line: str, user_id: int | None, label: str, how: str, missed_by: tuple[int, ...]
) -> Message:
    """Who handled a call (``user`` null when nobody is sure yet), or whom a missed call counts against."""
    user = {"id": user_id, "label": label, "how": how} if user_id is not None else None
    return {
        "type": "call.handled",
        "call_id": call_id,
        "line": line,
        "user": user,
        "missed_by": list(missed_by),
    }
