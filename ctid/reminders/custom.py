"""Custom reminder rules: an admin's rule on a date field of a customer or a vehicle (an allowed one of the
facts), with its own lead days, once or every year on its anniversary.

Kept as JSON like the settings (the queue stores the rules); ``rule_id`` in a ``Due`` is the rule's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.reminders import json_fields as read
from ctid.reminders.settings import MAX_ID, MAX_LEAD_DAYS, MAX_STEPS, TypeSettings

NOT_A_RULE = N_("%(field)s is no rule kept here: reload the page, or leave the id out for a new rule.")
NAME_LIMIT = 64
MAX_RULES = 100
# The dates a custom rule may count from: the facts' own (the queue reads no other column for them).
CUSTOMER_FIELDS = ("birthday", "licence_review_on")
VEHICLE_FIELDS = (
    "purchase_date",
    "registration_date",
    "insurance_expiry",
    "inspection_due",
    "next_service_due",
    "warranty_expiry",
)
ALLOWED_FIELDS = tuple(f"customer.{name}" for name in CUSTOMER_FIELDS) + tuple(
    f"vehicle.{name}" for name in VEHICLE_FIELDS
)


@dataclass(frozen=True)
class CustomRule:
    """``field`` is ``customer.<name>`` or ``vehicle.<name>`` (``ALLOWED_FIELDS``); ``yearly`` reminds on
    every anniversary of the date (a purchase date: the car's birthday), else once."""

    id: int
    name: str
    field: str
    lead_days: tuple[int, ...]
    yearly: bool = False
    enabled: bool = True

    @property
    def on_vehicle(self) -> bool:
        return self.field.startswith("vehicle.")

    @property
    def column(self) -> str:
        return self.field.partition(".")[2]

    def settings(self, base: TypeSettings) -> TypeSettings:
        """The custom type's settings with this rule's lead days, for ``ctid.reminders.schedule``."""
        return replace(base, lead_days=self.lead_days, enabled=base.enabled and self.enabled)


def custom_rule_to_json(rule: CustomRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "field": rule.field,
        "lead_days": list(rule.lead_days),
        "yearly": rule.yearly,
        "enabled": rule.enabled,
    }


def custom_rule_from_json(data: Any, prefix: str = "") -> CustomRule:
    """A rule from its JSON object; a bad key is refused with its field named (``prefix`` + the key)."""
    data = read.an_object(data, prefix.rstrip(".") or "rule")
    read.only_known(data, ("id", "name", "field", "lead_days", "yearly", "enabled"), prefix)
    for key in ("id", "name", "field", "lead_days"):
        if key not in data:
            raise ValidationError(prefix + key, N_("%(field)s is required."), field=prefix + key)
    if data["field"] not in ALLOWED_FIELDS:
        raise ValidationError(
            prefix + "field",
            N_("%(field)s must be one of: %(choices)s."),
            field=prefix + "field",
            choices=", ".join(ALLOWED_FIELDS),
        )
    return CustomRule(
        read.an_int(data["id"], prefix + "id", 1, MAX_ID),
        read.a_text(data["name"], prefix + "name", NAME_LIMIT),
        data["field"],
        read.days_list(data["lead_days"], prefix + "lead_days", MAX_LEAD_DAYS, MAX_STEPS),
        read.a_bool(data.get("yearly", False), prefix + "yearly"),
        read.a_bool(data.get("enabled", True), prefix + "enabled"),
    )


def custom_rules_to_json(rules: tuple[CustomRule, ...]) -> list[dict[str, Any]]:
    return [custom_rule_to_json(rule) for rule in rules]


def custom_rules_from_json(data: Any) -> tuple[CustomRule, ...]:
    """A site's custom rules from their JSON list (``rules[2].field`` names a bad one); ids are unique."""
    items = read.a_list(data, "rules", MAX_RULES)
    rules = tuple(custom_rule_from_json(item, f"rules[{i}].") for i, item in enumerate(items))
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise ValidationError("rules", N_("Each custom rule has an id of its own."))
    return rules


def with_new_ids(data: Any, known: Iterable[int], last_id: int) -> Any:
    """The rules' JSON list as an admin sends it, each new rule (no ``id``, or null) given the next id after
    every id in use (``known``, the rules kept) and ever given (``last_id``): an id is the key of the rule's
    items on the worklists (``rule:<id>:vehicle:12``), so a new rule never takes the id of another, kept
    or removed. An id sent must be a kept rule's (``rules[2].id`` refused otherwise). What is no list or
    no object is passed on as it is, for ``custom_rules_from_json`` to refuse by its name."""
    if not isinstance(data, list | tuple):
        return data
    kept = set(known)
    next_id = max((*kept, last_id)) + 1
    numbered = []
    for index, item in enumerate(data):
        if isinstance(item, dict) and item.get("id") is None:
            item, next_id = {**item, "id": next_id}, next_id + 1
        elif isinstance(item, dict) and type(item["id"]) is int and item["id"] not in kept:
            name = f"rules[{index}].id"
            raise ValidationError(name, NOT_A_RULE, field=name)
        numbered.append(item)
    return numbered
