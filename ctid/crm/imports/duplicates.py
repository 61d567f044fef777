"""Duplicates within one file: which earlier row has the same phone, plate or VIN, and what that means.

A customer with two cars is two rows with the same name and phone; a car with an owner and a driver is two
rows with the same plate. So a shared key is not an error by itself: rows with the same name and a phone or
plate in common are one customer, rows with the same plate (or VIN) are one vehicle. A shared phone with
another name is a family or a company switchboard: two customers, one line (a note, not an error). Only a
contradiction is an error: one plate with two VINs, or one VIN with two plates.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctid.core.errors import N_
from ctid.crm.imports.records import SheetCustomer, name_key
from ctid.crm.imports.report import Duplicate, KeyKind
from ctid.crm.imports.values import CellError


@dataclass(frozen=True, slots=True)
class Identity:
    """What the earlier rows of the file say about a row (see ``CheckedRow``)."""

    duplicates: tuple[Duplicate, ...]
    same_customer_as: int | None
    same_vehicle_as: int | None


class FileIndex:
    """The keys of the rows seen so far; ``add`` a row after it passed its own checks, in file order.

    Only keys are kept (a few dictionaries of strings), not the rows: 100,000 rows stay a few tens of MB.
    """

    def __init__(self) -> None:
        self._phones: dict[str, int] = {}  # e164 -> first row
        self._plates: dict[str, tuple[int, str | None]] = {}  # plate -> (vehicle's first row, its VIN)
        self._vins: dict[str, tuple[int, str]] = {}  # VIN -> (vehicle's first row, its plate)
        self._customers: dict[str, int] = {}  # "phone or plate" + name -> customer's first row

    def add(self, number: int, record: SheetCustomer) -> Identity | list[tuple[str, CellError]]:
        """The row's identity, or its contradictions with earlier rows as (field, error); a row with
        contradictions is not indexed."""
        vehicle = record.vehicle
        plate, vin = (vehicle.plate, vehicle.vin) if vehicle else (None, None)
        conflicts = self._conflicts(plate, vin)
        if conflicts:
            return conflicts
        duplicates = [
            Duplicate(KeyKind.PHONE, p.e164, self._phones[p.e164])
            for p in record.phones
            if p.e164 in self._phones
        ]
        vehicle_row = None
        if plate in self._plates:
            vehicle_row = self._plates[plate][0]
            duplicates.append(Duplicate(KeyKind.PLATE, plate, vehicle_row))
        if vin in self._vins:
            vehicle_row = vehicle_row or self._vins[vin][0]
            duplicates.append(Duplicate(KeyKind.VIN, vin, self._vins[vin][0]))
        customer_keys = _customer_keys(record)
        customer_row = next((self._customers[key] for key in customer_keys if key in self._customers), None)
        self._index(number, record, customer_keys, customer_row or number, vehicle_row or number)
        return Identity(tuple(duplicates), customer_row, vehicle_row)

    def _conflicts(self, plate: str | None, vin: str | None) -> list[tuple[str, CellError]]:
        conflicts = []
        if plate is not None and vin is not None:
            row, known_vin = self._plates.get(plate, (0, None))
            if known_vin is not None and known_vin != vin:
                reason = N_(
                    "Row %(row)d has the plate %(plate)s with another VIN (%(vin)s): a vehicle has one VIN."
                )
                conflicts.append(("vin", CellError(reason, row=row, plate=plate, vin=known_vin)))
        if vin is not None:
            row, known_plate = self._vins.get(vin, (0, ""))
            if row and known_plate != plate:
                reason = N_("Row %(row)d has this VIN with the plate %(plate)s: a vehicle has one plate.")
                conflicts.append(("plate", CellError(reason, row=row, plate=known_plate)))
        return conflicts

    def _index(
        self, number: int, record: SheetCustomer, keys: list[str], customer: int, vehicle: int
    ) -> None:
        for phone in record.phones:
            self._phones.setdefault(phone.e164 or "", number)
        for key in keys:
            self._customers.setdefault(key, customer)
        if record.vehicle is not None:
            plate, vin = record.vehicle.plate, record.vehicle.vin
            if self._plates.get(plate, (0, None))[1] is None:
                self._plates[plate] = (vehicle, vin)
            if vin is not None:
                self._vins.setdefault(vin, (vehicle, plate))


def _customer_keys(record: SheetCustomer) -> list[str]:
    """Keys under which a later row with the same name is the same customer."""
    name = name_key(record.name)
    keys = [f"{phone.e164}\x00{name}" for phone in record.phones]
    if record.vehicle is not None:
        keys.append(f"{record.vehicle.plate}\x00{name}")
    return keys
