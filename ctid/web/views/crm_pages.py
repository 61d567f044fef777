"""The CRM in the browser: the customer list and search, the new-customer form, a customer's page, imports.

Pages are rendered here from the same record services the JSON API uses (one answer for a customer,
whoever asks); what a page changes it changes through the JSON API, from its script (static/crm_*.js),
with the session's CSRF token. Permissions are the API's: reading needs crm.view, changing crm.edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.calls.models import CallFilter
from ctid.core.errors import N_, NotFound
from ctid.core.paging import PageRequest
from ctid.crm.due_dates import DueMark, birthday_mark, due_mark
from ctid.crm.imports.fields import FIELDS, LABELS
from ctid.crm.lunar import birthday_words
from ctid.crm.models import CustomerKind, ReminderKind, VehicleRole, VehicleStatus, next_statuses
from ctid.crm.record_models import CustomerRecord, HistoryEntry, VehicleRecord
from ctid.recording.models import RecordingFilter
from ctid.web import crm_forms, forms
from ctid.web.auth import current, requires
from ctid.web.customer_reminders import reminders_context
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.labels import VALUE_LABELS
from ctid.web.render import _, render
from ctid.web.views.crm_prospect_pages import EDIT_VALUE_LABELS, branch_staff, customer_edit_context
from ctid.web.views.recordings import clock

routes = web.RouteTableDef()
FEATURE = Feature(
    "crm_pages",
    routes,
    nav=(NavEntry(N_("Customers"), "/customers", Permission.CRM_VIEW, order=30),),
)

# values the CRM pages show that the shared labels do not have yet (marked for the extractor)
CRM_VALUE_LABELS = (
    N_("completed"),
    N_("resolved"),
    N_("closed"),
    N_("service"),
    N_("part"),
    N_("male"),
    N_("female"),
    N_("active"),
    N_("sold"),
    N_("scrapped"),
    N_("name"),
    N_("pinyin"),
    N_("phone"),
    N_("plate"),
    N_("vin"),
)
# a customer's fields as the change history names them
FIELD_LABELS = {
    "name": N_("Name"),
    "kind": N_("Kind"),
    "gender": N_("Gender"),
    "birthday": N_("Birthday"),
    "level": N_("Level"),
    "source": N_("Source"),
    "industry": N_("Industry"),
    "address": N_("Address"),
    "tags": N_("Tags"),
    "assigned_user_id": N_("Assigned to"),
    "licence_review_on": N_("Licence review"),
    "birthday_lunar": N_("Lunar birthday"),
    "email": N_("E-mail"),
    "notes": N_("Notes"),
    "phones": N_("Phones"),
    "opt_outs": N_("Opt-outs"),
    "branch_id": N_("Branch"),
    # a merge (ctid.merging): who was merged in, and what moved with them
    "merged": N_("Merged from"),
    "merged_into": N_("Merged into"),
    "vehicles": N_("Vehicles"),
    "visits": N_("Visits"),
    "follow_ups": N_("Follow-ups"),
    "complaints": N_("Complaints"),
    "prospects": N_("Prospects"),
    "calls": N_("Calls"),
}
FILTERS = ("level", "source", "tag", "assigned_user", "kind", "due", "visited_after", "visited_before")
ALL = 200  # a customer's vehicles, visits and follow-ups on one page (the API's largest page)
# a vehicle's dates the page marks when due, and lists above the table (a phone's screen cuts the table)
DUE_FIELDS = (
    ("insurance_expiry", N_("Insurance expires")),
    ("inspection_due", N_("Inspection due")),
    ("next_service_due", N_("Next service")),
)
CALLS_SHOWN = 10  # the last calls on a customer's page; the call log, filtered to the customer, has the rest


def _values(request: web.Request) -> dict[str, str]:
    """Words for data values, for the pages' scripts."""
    return {value: _(request, value) for value in (*VALUE_LABELS, *CRM_VALUE_LABELS, *EDIT_VALUE_LABELS)}


@routes.get("/customers")
@requires(Permission.CRM_VIEW)
async def customers_page(request: web.Request) -> web.Response:
    where = crm_forms.customer_filter(request.query)
    page = await request.app[SERVICES].records.customers.page(current(request).user, where)
    context = {
        "page": page,
        "query": request.query,
        "value_labels": _values(request),
        "staff": await branch_staff(request),
        "reminder_kinds": list(ReminderKind),
        "filtered": any(request.query.get(name) for name in FILTERS),
    }
    return render(request, "crm/customers.html", context)


@routes.get("/customers/new")
@requires(Permission.CRM_EDIT)
async def new_customer_page(request: web.Request) -> web.Response:
    return render(
        request,
        "crm/customer_new.html",
        {"kinds": list(CustomerKind), "roles": list(VehicleRole), "value_labels": _values(request)},
    )


@routes.get("/customers/{id:\\d+}")
@requires(Permission.CRM_VIEW)
async def customer_page(request: web.Request) -> web.Response:
    customer_id = forms.integer(request.match_info, "id", 1, forms.MAX_ID)
    records, user = request.app[SERVICES].records, current(request).user
    try:
        record = await records.customers.get(user, customer_id)  # 404 for another branch's
    except NotFound:  # a customer merged into another: its old link leads to the one kept
        kept_id = await request.app[SERVICES].merges.kept_for(user, customer_id)
        if kept_id is None:
            raise
        raise web.HTTPFound(f"/customers/{kept_id}") from None
    for_customer = {"customer": str(customer_id), "per_page": str(ALL)}
    vehicles = await records.vehicles.page(user, crm_forms.vehicle_filter(for_customer))
    visits = await records.visits.page(user, crm_forms.visit_filter(for_customer))
    follow_ups = await records.follow_ups.page(user, crm_forms.follow_up_filter(for_customer))
    catalogue = await records.catalogue.page(user, crm_forms.catalogue_filter({"active": "true"}))
    history = await records.customers.history(user, customer_id)
    today = request.app[SERVICES].crm.today()
    context: dict[str, Any] = {
        "record": record,
        "customer": record.customer,
        "vehicles": [
            (v, [link.role for link in v.links if link.customer_id == customer_id]) for v in vehicles.items
        ],
        "visits": visits.items,
        "follow_ups": follow_ups.items,
        "catalogue": catalogue.items,
        "history": [_history_line(request, h) for h in history],
        **await _calls(request, record),
        "today": today.isoformat(),
        "due_mark": lambda day: due_mark(day, today),
        "birthday_mark": birthday_mark(record.customer.birthday, today, record.customer.birthday_lunar),
        "birthday_lunar": birthday_words(record.customer.birthday, record.customer.birthday_lunar),
        "due_list": _due_list(vehicles.items, today),
        "active": VehicleStatus.ACTIVE,
        "value_labels": _values(request),
        "kinds": list(CustomerKind),
        "vehicle_roles": list(VehicleRole),
        "next_statuses": next_statuses,
        **await customer_edit_context(request, record.customer.branch_id),
    }
    context["staff_names"] = {u.id: u.label for u in context["staff"]}
    context["vehicles_for_booking"] = [{"id": v.id, "plate": v.plate} for v in vehicles.items]
    context.update(await reminders_context(request, customer_id))  # appointments, reminder history
    return render(request, "crm/customer.html", context)


def _due_list(vehicles: Sequence[VehicleRecord], today: date) -> list[tuple[str, str, date, DueMark]]:
    """The active vehicles' due dates by the card's rule (overdue or within its horizon), soonest first:
    plate, the date's label, the date, its mark."""
    found = []
    for vehicle in vehicles:
        if vehicle.status != VehicleStatus.ACTIVE:
            continue
        for field, label in DUE_FIELDS:
            day = getattr(vehicle, field)
            if (mark := due_mark(day, today)) is not None:
                found.append((vehicle.plate, label, day, mark))
    return sorted(found, key=lambda row: (row[2], row[0]))


async def _calls(request: web.Request, record: CustomerRecord) -> dict[str, Any]:
    """The customer's last calls (linked to it, or with its numbers), newest first, the recordings this user
    may hear of them, and how many recordings it has in all (the recordings page lists them)."""
    services, user, customer_id = request.app[SERVICES], current(request).user, record.customer.id
    numbers = tuple(sorted({p.e164 for p in record.phones if p.e164}))
    wanted = CallFilter(customer_id=customer_id, customer_numbers=numbers, page=PageRequest(1, CALLS_SHOWN))
    calls = await services.calls.search(user, wanted)
    heard = RecordingFilter(customer_id=customer_id, page=PageRequest(1, 1))
    return {
        "calls": calls,
        "call_recordings": await services.recordings.links(user, [c.id for c in calls.items]),
        "recordings_total": (await services.recordings.search(user, heard)).total,
        "clock": clock,
    }


def _history_line(request: web.Request, entry: HistoryEntry) -> tuple[HistoryEntry, str, str, str]:
    """The entry, its field's label and its values for people."""
    words = _values(request)
    field = _(request, FIELD_LABELS[entry.field]) if entry.field in FIELD_LABELS else entry.field
    if entry.field == "opt_outs":
        return entry, field, _opt_outs(entry.before, words), _opt_outs(entry.after, words)
    return entry, field, _readable(entry.before, words), _readable(entry.after, words)


def _opt_outs(value: Any, words: dict[str, str]) -> str:
    """Opt-outs as the history keeps them (contact type: reason): the type's word and the reason."""
    if not isinstance(value, dict):
        return _readable(value, words)
    shown = (f"{words.get(k, k)} ({v})" if v else str(words.get(k, k)) for k, v in value.items())
    return "、".join(shown) or "—"


def _readable(value: Any, words: dict[str, str]) -> str:
    """A history value for people: lists (phones, tags) joined, a phone as its label and number."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):  # a yes / no field (the lunar birthday): a mark, not Python's word
        return "✓" if value else "✗"
    if isinstance(value, list):
        return "、".join(_readable(item, words) for item in value) or "—"
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, "")) or "—"
    return words.get(value, str(value)) if isinstance(value, str) else str(value)


@routes.get("/customers/import")
@requires(Permission.CRM_IMPORT)
async def import_page(request: web.Request) -> web.Response:
    fields = [{"name": field.name, "label": _(request, LABELS[field.name])} for field in FIELDS]
    return render(request, "crm/import.html", {"value_labels": _values(request), "import_fields": fields})
