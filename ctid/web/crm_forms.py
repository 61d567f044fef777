"""Parsing the CRM records API's JSON bodies and query strings, built from ctid.web.forms' parsers.

A body is parsed field by field from a table of parsers: only the fields present are returned (a PATCH
changes what it names and nothing else), and a field the table does not know is refused, because a typo
silently ignored is a change the user believes was saved. Domain checks (plates, VINs, phone numbers,
uniqueness) are the CRM's; this module only turns JSON into typed values. Fuzzed by tests/web/test_forms.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.crm.due_dates import MAX_WITHIN_DAYS, VEHICLE_HORIZON_DAYS
from ctid.crm.models import (
    ContactType,
    CustomerKind,
    FollowUpKind,
    FollowUpStatus,
    Gender,
    ReminderKind,
    Transmission,
    VehicleRole,
    VehicleStatus,
    VisitItemKind,
    VisitStatus,
)
from ctid.crm.new_customer import MAX_PHONES, NewCustomer, NewPhone
from ctid.crm.record_models import CatalogueFilter, CustomerFilter, FollowUpFilter, VehicleFilter, VisitFilter
from ctid.crm.vehicle_checks import DATES
from ctid.crm.visit_items import NewVisitItem
from ctid.web import forms
from ctid.web.forms import Input

Parser = Callable[[Input, str], Any]
ID = (1, forms.MAX_ID)
MAX_KM = 3_000_000


def _text(limit: int, required: bool = False) -> Parser:
    return lambda data, name: forms.text(data, name, limit, required=required)


def _id(data: Input, name: str) -> int:
    return forms.integer(data, name, *ID)


def _optional_id(data: Input, name: str) -> int | None:
    return forms.nullable(data, name, _id)


def _day(data: Input, name: str) -> Any:
    return forms.nullable(data, name, forms.day)


def _multiline(data: Input, name: str) -> str:
    return forms.multiline(data, name, 2000)


def _km(data: Input, name: str) -> int | None:
    return forms.nullable(data, name, lambda d, n: forms.integer(d, n, 0, MAX_KM))


def fields(data: Input, parsers: Mapping[str, Parser]) -> dict[str, Any]:
    """The fields of ``data`` that ``parsers`` knows, parsed; any other field is refused."""
    forms.known(data, parsers.keys())
    return {name: parse(data, name) for name, parse in parsers.items() if name in data}


def phones(data: Input, name: str = "phones") -> list[NewPhone]:
    """Numbers as text, or objects ``{"number", "label"}``; normalised later by the one normaliser."""
    value = data.get(name, [])
    if not isinstance(value, list) or len(value) > MAX_PHONES * 2:
        raise ValidationError(name, N_("%(what)s must be a list of phone numbers."), what=name)
    found = []
    for item in value:
        entry = item if isinstance(item, Mapping) else {"number": item}
        if set(entry) - {"number", "label"}:
            raise ValidationError(name, N_("%(what)s must be a list of phone numbers."), what=name)
        number = forms.text({name: entry.get("number", "")}, name, 40)
        found.append(NewPhone(number, forms.text({name: entry.get("label", "")}, name, 16)))
    return found


CUSTOMER: dict[str, Parser] = {
    "name": _text(100, required=True),
    "kind": lambda data, name: forms.choice(data, name, CustomerKind),
    "gender": lambda data, name: forms.optional_choice(data, name, Gender),
    "birthday": _day,
    "level": _text(16),
    "source": _text(32),
    "industry": _text(32),
    "address": _text(300),
    "email": lambda data, name: forms.nullable(data, name, _text(300)),
    "tags": lambda data, name: forms.text_list(data, name, max_items=20, max_length=16),
    "assigned_user_id": _optional_id,
    "licence_review_on": _day,
    "birthday_lunar": forms.flag,
    "notes": _multiline,
    "phones": phones,
}
# the pop's form adds a vehicle, the call it came from, (admins) the branch, and the user's yes to a phone
# another customer of the branch has
NEW_CUSTOMER: dict[str, Parser] = {
    **CUSTOMER,
    "plate": _text(16),
    "brand": _text(32),
    "model": _text(64),
    "vehicle_role": lambda data, name: forms.choice(data, name, VehicleRole),
    "branch_id": _optional_id,
    "call_id": lambda data, name: forms.call_id(data, name),
    "confirm_shared_phone": forms.flag,
}


def customer_changes(data: Input) -> dict[str, Any]:
    return fields(data, CUSTOMER)


def new_customer(data: Input) -> tuple[NewCustomer, str | None]:
    """A new customer and the call it came from (or None). ``branch_id`` 0: the user's own branch."""
    given = fields(data, NEW_CUSTOMER)
    if "name" not in given:
        raise ValidationError("name", N_("%(what)s is required."), what="name")
    call_id = given.pop("call_id", None)
    given["branch_id"] = given.get("branch_id") or 0
    given["phones"] = tuple(given.get("phones", ()))
    given.setdefault("kind", CustomerKind.PERSON)
    return NewCustomer(**given), call_id


def opt_outs(data: Input) -> dict[ContactType, str]:
    """``{"opt_outs": [{"contact_type", "reason"?}]}``: every opt-out the customer now has."""
    wanted: dict[ContactType, str] = {}
    for item in forms.object_list(data, "opt_outs", max_items=len(ContactType)):
        forms.known(item, ("contact_type", "reason"))
        kind = forms.choice(item, "contact_type", ContactType)
        wanted[kind] = forms.text(item, "reason", 200)
    return wanted


def customer_filter(query: Input) -> CustomerFilter:
    return CustomerFilter(
        branch_id=forms.optional_integer(query, "branch", *ID),
        level=forms.text(query, "level", 16),
        source=forms.text(query, "source", 32),
        assigned_user_id=forms.optional_integer(query, "assigned_user", *ID),
        kind=forms.optional_choice(query, "kind", CustomerKind),
        page=forms.page_request(query),
        tag=forms.text(query, "tag", 40),
        due=forms.optional_choice(query, "due", ReminderKind),
        due_within=forms.integer(query, "within", 0, MAX_WITHIN_DAYS, default=VEHICLE_HORIZON_DAYS),
        visited_after=forms.day(query, "visited_after"),
        visited_before=forms.day(query, "visited_before"),
    )


# --- vehicles ---------------------------------------------------------------------------------------------

VEHICLE: dict[str, Parser] = {
    "plate": _text(20, required=True),
    "vin": lambda data, name: forms.nullable(data, name, _text(40)),
    "brand": _text(32),
    "model": _text(64),
    "colour": _text(16),
    "engine_number": _text(32),
    "insurer": _text(64),
    "transmission": lambda data, name: forms.optional_choice(data, name, Transmission),
    "status": lambda data, name: forms.choice(data, name, VehicleStatus),
    **dict.fromkeys(DATES, _day),
}
_LINKED = ("customers", "mileage_km", "branch_id")


def links(data: Input, name: str = "customers") -> list[tuple[int, VehicleRole]]:
    """``[{"customer_id", "role"}]``: who owns, uses and drives the vehicle."""
    found = []
    for item in forms.object_list(data, name, max_items=30):
        forms.known(item, ("customer_id", "role"))
        found.append((forms.integer(item, "customer_id", *ID), forms.choice(item, "role", VehicleRole)))
    return found


def vehicle(
    data: Input,
) -> tuple[dict[str, Any], list[tuple[int, VehicleRole]] | None, int | None, int | None]:
    """A new vehicle's fields, its links (None if not given), its first reading, and its branch."""
    given = fields({k: v for k, v in data.items() if k not in _LINKED}, VEHICLE)
    found = links(data) if "customers" in data else None
    return given, found, _km(data, "mileage_km"), _optional_id(data, "branch_id")


def vehicle_changes(data: Input) -> tuple[dict[str, Any], list[tuple[int, VehicleRole]] | None]:
    given = fields({k: v for k, v in data.items() if k != "customers"}, VEHICLE)
    return given, links(data) if "customers" in data else None


def vehicle_filter(query: Input) -> VehicleFilter:
    return VehicleFilter(
        branch_id=forms.optional_integer(query, "branch", *ID),
        status=forms.optional_choice(query, "status", VehicleStatus),
        brand=forms.text(query, "brand", 32),
        customer_id=forms.optional_integer(query, "customer", *ID),
        page=forms.page_request(query),
    )


def reading(data: Input) -> tuple[int, Any, bool]:
    """A manual odometer reading: km, the day it was read (None: today), and whether it corrects."""
    fields(data, {"mileage_km": _km, "read_on": _day, "correction": forms.flag})
    return (
        forms.integer(data, "mileage_km", 0, MAX_KM),
        _day(data, "read_on"),
        forms.flag(data, "correction"),
    )


# --- visits and the catalogue -----------------------------------------------------------------------------


def items(data: Input, name: str = "items") -> list[NewVisitItem]:
    parsers: dict[str, Parser] = {
        "kind": lambda d, n: forms.choice(d, n, VisitItemKind),
        "name": _text(100),
        "price": lambda d, n: forms.nullable(d, n, forms.money),
        "quantity": lambda d, n: forms.integer(d, n, 1, 9999),
        "catalogue_item_id": _optional_id,
    }
    return [NewVisitItem(**fields(item, parsers)) for item in forms.object_list(data, name, max_items=100)]


VISIT: dict[str, Parser] = {
    "customer_id": _optional_id,
    "visited_on": _day,
    "mileage_km": _km,
    "advisor": _text(64),
    "notes": _multiline,
    "amount": lambda data, name: forms.nullable(data, name, forms.money),
    "items": items,
}
NEW_VISIT: dict[str, Parser] = {
    **VISIT,
    "vehicle_id": _id,
    "corrects_visit_id": _optional_id,
    "close": forms.flag,
}


def new_visit(data: Input) -> dict[str, Any]:
    given = fields(data, NEW_VISIT)
    if "vehicle_id" not in given:
        raise ValidationError("vehicle_id", N_("%(what)s is required."), what="vehicle_id")
    return given


def visit_changes(data: Input) -> dict[str, Any]:
    return fields(data, VISIT)


def visit_filter(query: Input) -> VisitFilter:
    return VisitFilter(
        branch_id=forms.optional_integer(query, "branch", *ID),
        customer_id=forms.optional_integer(query, "customer", *ID),
        vehicle_id=forms.optional_integer(query, "vehicle", *ID),
        status=forms.optional_choice(query, "status", VisitStatus),
        page=forms.page_request(query),
    )


CATALOGUE: dict[str, Parser] = {
    "code": _text(32, required=True),
    "name": _text(100, required=True),
    "category": _text(32),
    "price": forms.money,
    "active": lambda data, name: forms.optional_boolean(data, name) is not False,
    "position": lambda data, name: forms.integer(data, name, -1_000_000, 1_000_000),
}


# what a catalogue item cannot be without, in words (the admin page shows it beside the box)
_CATALOGUE_NEEDS = {
    "code": N_("Give the item's code."),
    "name": N_("Give the item's name."),
    "price": N_("Give the item's price."),
}


def catalogue_item(data: Input, new: bool = False) -> dict[str, Any]:
    """An item's fields; a new one needs its code, name and price, and a change cannot blank them."""
    for name, message in _CATALOGUE_NEEDS.items():
        value = data.get(name, "") if new or name in data else None
        if isinstance(value, str) and not value.strip():
            raise ValidationError(name, message)
    return fields(data, CATALOGUE)


def catalogue_filter(query: Input) -> CatalogueFilter:
    return CatalogueFilter(
        active=forms.optional_boolean(query, "active"),
        category=forms.text(query, "category", 32),
        page=forms.page_request(query, default_per_page=200),
    )


# --- follow-ups -------------------------------------------------------------------------------------------

FOLLOW_UP: dict[str, Parser] = {
    "category": _text(32),
    "channel": _text(16),
    "content": _multiline,
    "due_on": _day,
    "handler_id": _optional_id,
    "result": _multiline,
    "status": lambda data, name: forms.choice(data, name, FollowUpStatus),
}
NEW_FOLLOW_UP: dict[str, Parser] = {
    **{k: v for k, v in FOLLOW_UP.items() if k not in ("result", "status")},
    "customer_id": _id,
    "kind": lambda data, name: forms.choice(data, name, FollowUpKind),
    "visit_id": _optional_id,
}


def new_follow_up(data: Input) -> dict[str, Any]:
    given = fields(data, NEW_FOLLOW_UP)
    if "customer_id" not in given:
        raise ValidationError("customer_id", N_("%(what)s is required."), what="customer_id")
    return given


def follow_up_changes(data: Input) -> dict[str, Any]:
    return fields(data, FOLLOW_UP)


def follow_up_filter(query: Input) -> FollowUpFilter:
    due_from, due_to = forms.day(query, "due_from"), forms.day(query, "due_to")
    if due_from and due_to and due_to < due_from:
        raise ValidationError("due_to", N_("The end date is before the start date."))
    return FollowUpFilter(
        branch_id=forms.optional_integer(query, "branch", *ID),
        status=forms.optional_choice(query, "status", FollowUpStatus),
        kind=forms.optional_choice(query, "kind", FollowUpKind),
        handler_id=forms.optional_integer(query, "handler", *ID),
        customer_id=forms.optional_integer(query, "customer", *ID),
        due_from=due_from,
        due_to=due_to,
        page=forms.page_request(query),
    )
