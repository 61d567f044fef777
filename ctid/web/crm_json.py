"""The CRM records API's JSON shapes (see docs/api.md, "CRM records"): pure functions of the records."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ctid.crm.models import Phone, next_statuses
from ctid.crm.record_models import (
    CatalogueItem,
    CustomerRecord,
    FollowUpRecord,
    HistoryEntry,
    MileageReading,
    VehicleRecord,
    VisitRecord,
)
from ctid.web.json import jsonable

Json = dict[str, Any]


def phone_json(phone: Phone) -> Json:
    return {"number": phone.number, "e164": phone.e164, "label": phone.label}


def customer_json(record: CustomerRecord) -> Json:
    body: Json = jsonable(asdict(record.customer))
    body["tags"] = list(record.customer.tags)
    body["phones"] = [phone_json(p) for p in record.phones]
    body["opt_outs"] = [
        {"contact_type": o.contact_type.value, "reason": o.reason, "since": jsonable(o.created_at)}
        for o in record.opt_outs
    ]
    return body


def vehicle_json(vehicle: VehicleRecord) -> Json:
    body: Json = jsonable({k: v for k, v in asdict(vehicle).items() if k != "links"})
    body["customers"] = [
        {"customer_id": link.customer_id, "name": link.customer_name, "role": link.role.value}
        for link in vehicle.links
    ]
    return body


def reading_json(reading: MileageReading) -> Json:
    return dict(jsonable(asdict(reading)))


def visit_json(visit: VisitRecord) -> Json:
    body: Json = jsonable({k: v for k, v in asdict(visit).items() if k != "items"})
    body["items"] = [dict(jsonable(asdict(item)), total=str(item.total)) for item in visit.items]
    body["corrected_by"] = list(visit.corrected_by)
    body["editable"] = not visit.closed  # closed: corrections are new visits (corrects_visit_id)
    return body


def catalogue_json(item: CatalogueItem) -> Json:
    return dict(jsonable(asdict(item)))


def follow_up_json(follow_up: FollowUpRecord) -> Json:
    body: Json = jsonable(asdict(follow_up))
    body["next_statuses"] = [s.value for s in next_statuses(follow_up.status)]
    return body


def history_json(entries: list[HistoryEntry]) -> Json:
    return {"items": [jsonable(asdict(entry)) for entry in entries]}
