"""What merging two customers does to the one kept: pure, so the rules are tested without a database and
the preview shows exactly what the merge will write.

The rules: the kept customer's own values win. It gets the other's phones whose number it does not have
(the same E.164 key, or the same written number when there is no key), after its own; the other's opt-outs
of a kind it has none of; the other's tags it lacks, after its own; the other's notes below its own (unless
they are already there); and each field it left blank (birthday, level, source, address ...) from the other.
The records that belong to a customer (visits, follow-ups, vehicles, prospects, calls) move whole; that is
the stores' work (ctid.crm.merge_store, ctid.calls.store).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctid.crm.models import ContactType, Phone
from ctid.crm.record_models import CustomerRecord

FILLED = (
    "gender",
    "birthday",
    "level",
    "source",
    "address",
    "email",
    "industry",
    "assigned_user_id",
    "licence_review_on",
)
"""The fields a blank of the kept customer takes from the other (the name and kind are the kept one's)."""


@dataclass(frozen=True)
class MergePlan:
    phones: tuple[Phone, ...]  # every phone of the kept customer after the merge, its own first
    new_phones: tuple[Phone, ...]  # those that come from the other
    opt_outs: dict[ContactType, str]  # every opt-out after the merge (type -> reason)
    new_opt_outs: tuple[ContactType, ...]
    new_tags: tuple[str, ...]
    fields: dict[str, Any]  # the kept customer's fields that change (tags, notes, blanks filled)


def plan(kept: CustomerRecord, other: CustomerRecord) -> MergePlan:
    own = {_phone_key(phone) for phone in kept.phones}
    new_phones: list[Phone] = []
    for phone in other.phones:
        if _phone_key(phone) not in own:
            own.add(_phone_key(phone))
            new_phones.append(phone)
    opt_outs = {o.contact_type: o.reason for o in other.opt_outs} | {
        o.contact_type: o.reason for o in kept.opt_outs
    }
    new_opt_outs = tuple(sorted(set(opt_outs) - {o.contact_type for o in kept.opt_outs}))
    new_tags = tuple(tag for tag in dict.fromkeys(other.customer.tags) if tag not in kept.customer.tags)
    fields: dict[str, Any] = {}
    if new_tags:
        fields["tags"] = (*kept.customer.tags, *new_tags)
    if notes := _notes(kept.customer.notes, other.customer.notes):
        fields["notes"] = notes
    for name in FILLED:
        if getattr(kept.customer, name) in (None, "") and getattr(other.customer, name) not in (None, ""):
            fields[name] = getattr(other.customer, name)
    return MergePlan(
        phones=(*kept.phones, *new_phones),
        new_phones=tuple(new_phones),
        opt_outs=opt_outs,
        new_opt_outs=new_opt_outs,
        new_tags=new_tags,
        fields=fields,
    )


def _phone_key(phone: Phone) -> str:
    """Numbers are the same when their E.164 keys are; a number with no key (an extension, a short
    number) by what is written, digits only."""
    return phone.e164 or "".join(char for char in phone.number if char.isdigit()) or phone.number


def _notes(kept: str, other: str) -> str:
    """The kept customer's notes with the other's below them; "" when nothing changes."""
    other = other.strip()
    if not other or other in kept:
        return ""
    return f"{kept.rstrip()}\n{other}" if kept.strip() else other


def column_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Changed fields as the ``customers`` columns hold them (tags one a line, enums by value)."""
    values = dict(fields)
    if "tags" in values:
        values["tags"] = "\n".join(values["tags"])
    if values.get("gender") is not None:
        values["gender"] = values["gender"].value
    return values
