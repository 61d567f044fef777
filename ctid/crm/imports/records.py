"""A customer with zero or one vehicle, as one row of an import or an export holds it.

The same record goes both ways: validation produces it from a row, export writes it back to a row, so a file
round-trips unchanged. Blank means "not given": an import that updates an existing customer leaves alone what
the row leaves blank (there is no way to clear a field by import).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ctid.crm.models import CustomerKind, Gender, Phone, Transmission, VehicleRole


@dataclass(frozen=True, slots=True)
class SheetVehicle:
    """A vehicle and how the row's customer relates to it. The plate is required: the database keys vehicles
    by (branch, plate)."""

    plate: str
    role: VehicleRole = VehicleRole.OWNER
    vin: str | None = None
    brand: str = ""
    model: str = ""
    transmission: Transmission | None = None
    engine_number: str = ""
    colour: str = ""
    purchase_date: date | None = None
    registration_date: date | None = None
    mileage_km: int | None = None
    insurer: str = ""
    insurance_expiry: date | None = None
    inspection_due: date | None = None
    warranty_expiry: date | None = None


@dataclass(frozen=True, slots=True)
class SheetCustomer:
    """A customer's fields, phones (as given and E.164) and vehicle. ``kind`` None means not given: a new
    customer is then a person."""

    name: str
    phones: tuple[Phone, ...] = ()
    kind: CustomerKind | None = None
    gender: Gender | None = None
    address: str = ""
    email: str | None = None
    birthday: date | None = None
    birthday_lunar: bool | None = None  # None: not given (a new customer's is then false)
    level: str = ""
    source: str = ""
    industry: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    licence_review_on: date | None = None
    vehicle: SheetVehicle | None = None

    def value(self, field: str) -> object:
        """A field's value by its import name (``plate`` and the other vehicle fields: the vehicle's)."""
        if field == "phone":
            return self.phones
        if hasattr(self, field):
            return getattr(self, field)
        return None if self.vehicle is None else getattr(self.vehicle, field)


def name_key(name: str) -> str:
    """What two names are compared by when deciding "the same customer": spaces and case do not count."""
    return "".join(name.split()).casefold()
