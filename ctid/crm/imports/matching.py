"""Checked rows against what the database already holds: which customers and vehicles share their keys.

The database layer fills ``ExistingKeys`` (ideally only for the keys of the file: ``file_keys`` lists them,
so it can query ``WHERE e164 IN (...)`` in chunks instead of loading the whole CRM) and calls
``match_existing``. The rule for "the same customer" is the one ``duplicates`` applies within the file:
a phone in common and the same name. Without ``names`` a phone in common is enough, as the issue asks; with
``vehicle_customers`` a row without a phone still finds its customer through the car.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ctid.core.errors import N_
from ctid.crm.imports.errors import RowError
from ctid.crm.imports.records import SheetCustomer, name_key
from ctid.crm.imports.report import CheckedRow, KeyKind, Match, Report


@dataclass(frozen=True)
class ExistingKeys:
    """What the database holds under the file's keys. ``plates`` are the branch's (plates are unique per
    branch), ``vins`` everyone's (a VIN is unique)."""

    phones: Mapping[str, Sequence[int]] = field(default_factory=dict)  # e164 -> customer ids
    plates: Mapping[str, int] = field(default_factory=dict)  # plate -> vehicle id
    vins: Mapping[str, int] = field(default_factory=dict)  # VIN -> vehicle id
    names: Mapping[int, str] = field(default_factory=dict)  # customer id -> name (optional)
    vehicle_customers: Mapping[int, Sequence[int]] = field(default_factory=dict)  # vehicle id -> customers


@dataclass(frozen=True)
class FileKeys:
    """Every phone (E.164), plate and VIN of the checked rows: what to look up in the database."""

    phones: frozenset[str]
    plates: frozenset[str]
    vins: frozenset[str]


def file_keys(report: Report) -> FileKeys:
    records = [row.record for row in report.rows]
    vehicles = [record.vehicle for record in records if record.vehicle is not None]
    return FileKeys(
        frozenset(phone.e164 for record in records for phone in record.phones if phone.e164),
        frozenset(vehicle.plate for vehicle in vehicles),
        frozenset(vehicle.vin for vehicle in vehicles if vehicle.vin),
    )


def match_existing(report: Report, existing: ExistingKeys) -> Report:
    """The report with each row's matches in the database; a row whose plate and VIN are on two different
    vehicles becomes a row error."""
    rows = []
    errors = list(report.errors)
    vin_header = report.mapping.header_of("vin")
    for row in report.rows:
        matched = _match(row, existing)
        if isinstance(matched, CheckedRow):
            rows.append(matched)
        else:
            vin = row.record.vehicle.vin if row.record.vehicle else None
            errors.append(
                RowError(
                    row.number,
                    vin_header,
                    "vin",
                    vin or "",
                    N_("The plate %(plate)s and this VIN belong to two different vehicles in the CRM."),
                    (("plate", matched),),
                )
            )
    errors.sort(key=lambda error: error.row)
    return replace(report, rows=tuple(rows), errors=tuple(errors))


def _match(row: CheckedRow, existing: ExistingKeys) -> CheckedRow | str:
    """The row with its matches, or the plate that contradicts its VIN."""
    record = row.record
    matches = [
        Match(KeyKind.PHONE, phone.e164, customer_id=customer_id)
        for phone in record.phones
        if phone.e164
        for customer_id in existing.phones.get(phone.e164, ())
    ]
    vehicle_id = None
    if record.vehicle is not None:
        plate, vin = record.vehicle.plate, record.vehicle.vin
        by_plate, by_vin = existing.plates.get(plate), existing.vins.get(vin) if vin else None
        if by_plate is not None and by_vin is not None and by_plate != by_vin:
            return plate
        if by_plate is not None:
            matches.append(Match(KeyKind.PLATE, plate, vehicle_id=by_plate))
        if by_vin is not None and vin is not None:
            matches.append(Match(KeyKind.VIN, vin, vehicle_id=by_vin))
        vehicle_id = by_plate if by_plate is not None else by_vin
    if not matches:
        return row
    customers = _same_customers(record, matches, vehicle_id, existing)
    return replace(row, matches=tuple(matches), existing_customers=customers, existing_vehicle=vehicle_id)


def _same_customers(
    record: SheetCustomer, matches: list[Match], vehicle_id: int | None, existing: ExistingKeys
) -> tuple[int, ...]:
    """Customers sharing a phone (with the same name, when known) or the car (with the same name)."""
    name = name_key(record.name)
    found: dict[int, None] = {}
    for match in matches:
        known = existing.names.get(match.customer_id) if match.customer_id is not None else None
        if match.customer_id is not None and (known is None or name_key(known) == name):
            found[match.customer_id] = None
    for customer_id in existing.vehicle_customers.get(vehicle_id, ()) if vehicle_id is not None else ():
        known = existing.names.get(customer_id)
        if known is not None and name_key(known) == name:
            found[customer_id] = None
    return tuple(found)
