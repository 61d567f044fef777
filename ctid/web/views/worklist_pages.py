"""The worklist page (/reminders): a person's reminder items of today and overdue, a customer's items of a
day together (one call about the insurance and the inspection), each customer's numbers to dial in one
click and their next appointment; an outcome with a note, a call back, a snooze, a booking and an SMS from
each item. Read from the queue's worklist and the appointments; what the page changes goes through the
APIs (PATCH /api/v1/reminders/{id}, POST /api/v1/appointments, POST /api/v1/sms): static/worklist.js."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission, allows
from ctid.core.errors import N_
from ctid.reminders.appointment_models import Contact
from ctid.reminders.item_models import ReminderFilter, ReminderItem
from ctid.reminders.models import OPT_OUT_OF, Outcome, ReminderType
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render

routes = web.RouteTableDef()
FEATURE = Feature(
    "worklist_pages",
    routes,
    nav=(NavEntry(N_("Worklist"), "/reminders", Permission.REMINDERS_WORK, order=33),),
)
WHO = ("me", "none", "all")  # my items, the pool nobody has, everyone's
OUTCOMES = (
    Outcome.REACHED,
    Outcome.BOOKED,
    Outcome.DECLINED,
    Outcome.NO_ANSWER,
    Outcome.CALL_BACK,
    Outcome.WRONG_NUMBER,
)


SMS_PRESETS = frozenset(
    {"insurance", "inspection", "maintenance", "birthday"}
)  # the outbox's seeded templates


@dataclass(frozen=True)
class ContactGroup:
    """A customer's items of one contact day, with their numbers and next appointment."""

    key: str
    customer_id: int
    customer_name: str
    items: list[ReminderItem]
    contact: Contact | None

    @property
    def about(self) -> str:
        """What a call to this contact is about, as a dial checks it against the customer's opt-outs: the
        first item's type's contact type (an insurance call meets "no insurance calls")."""
        return OPT_OUT_OF[self.items[0].type].value if self.items else ""


def groups(items: list[ReminderItem], contacts: dict[int, Contact]) -> list[ContactGroup]:
    """The items in the list's order, those of one contact together (pure)."""
    found: dict[str, ContactGroup] = {}
    for item in items:
        group = found.get(item.contact_key)
        if group is None:
            group = found[item.contact_key] = ContactGroup(
                item.contact_key, item.customer_id, item.customer_name, [], contacts.get(item.customer_id)
            )
        group.items.append(item)
    return list(found.values())


@routes.get("/reminders")
@requires(Permission.REMINDERS_WORK)
async def worklist_page(request: web.Request) -> web.Response:
    """``?who=me|none|all&type=&date=&page=``: my items by default (the pool and everyone's a click away)."""
    forms.known(request.query, ("who", "type", "date", "page"))
    services, user = request.app[SERVICES], current(request).user
    who = forms.text(request.query, "who", 8) or "me"
    if who not in WHO:
        who = "me"
    where = ReminderFilter(
        on_or_before=forms.day(request.query, "date"),
        type=forms.optional_choice(request.query, "type", ReminderType),
        assignee_id=user.id if who == "me" else None,
        unassigned=who == "none",
        page=forms.page_request(request.query),
    )
    page = await services.reminders.worklist.page(user, where)
    customers = list(dict.fromkeys(item.customer_id for item in page.items))
    contacts = await services.appointments.contacts(user, customers) if customers else {}
    today = services.appointments.today()
    mine = await services.appointments.between(user, today, today, user.id)
    context: dict[str, Any] = {
        "page": page,
        "query": request.query,
        "groups": groups(page.items, contacts),
        "who": who,
        "type": where.type,
        "date": where.on_or_before,
        "today": today,
        "types": list(ReminderType),
        "outcomes": OUTCOMES,
        "rule_names": await services.reminders.settings.custom_rule_names(),
        "mine_today": mine,
        "advisor": user.role == Role.ADVISOR,
        "sms_types": SMS_PRESETS if allows(user, Permission.SMS_SEND) else frozenset(),
    }
    return render(request, "reminders/worklist.html", context)
