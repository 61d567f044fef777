"""Checking a vehicle's fields before anything is written: plates and VINs in their one canonical form.

Pure (no database), like ctid.crm.new_customer: every error is a ValidationError naming the field. A plate
or VIN that is wrong says why (``plate_error``; the VIN's position and check digit), because the person at
the service desk is copying it from a registration certificate and needs to know which character to look at.
Uniqueness (plate within a branch, VIN everywhere) needs the database: the service checks it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.core.text import clean_text
from ctid.crm.models import Transmission, VehicleStatus
from ctid.crm.plates import normalise_plate, plate_error
from ctid.crm.vin import VinError, normalise_vin

MAX_MILEAGE_KM = 3_000_000
_LIMITS = {"brand": 32, "model": 64, "colour": 16, "engine_number": 32, "insurer": 64}
DATES = (
    "purchase_date",
    "registration_date",
    "insurance_expiry",
    "inspection_due",
    "warranty_expiry",
    "next_service_due",
)
# in the order a form shows them, which is the order their errors are reported in
CHANGEABLE = ("plate", "vin", *_LIMITS, "transmission", "status", *DATES)


def check_vehicle(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields given, cleaned and checked, as column values (``transmission`` unknown is "")."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
    checks = _checks()
    return {name: checks[name](changes[name]) for name in CHANGEABLE if name in changes}


def plate(raw: str) -> str:
    found = normalise_plate(raw)
    if found is None:
        raise ValidationError("plate", plate_error(raw) or N_("Not a plate number."))
    return found


def vin(raw: str | None) -> str | None:
    """The canonical VIN, or None for none given; a wrong one names the position to look at."""
    if raw is None or not raw.strip():
        return None
    try:
        return normalise_vin(raw)
    except VinError as exc:
        params = {k: v for k, v in exc.params.items() if v is not None}
        raise ValidationError("vin", exc.message, **params) from None


def mileage(value: int | None, field: str = "mileage_km") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MILEAGE_KM:
        raise ValidationError(
            field,
            N_("%(what)s must be between %(low)d and %(high)d."),
            what=field,
            low=0,
            high=MAX_MILEAGE_KM,
        )
    return value


def _checks() -> dict[str, Callable[[Any], Any]]:
    checks: dict[str, Callable[[Any], Any]] = {
        "plate": plate,
        "vin": vin,
        "transmission": lambda value: (
            "" if value in (None, "") else _choice("transmission", Transmission, value)
        ),
        "status": lambda value: _choice("status", VehicleStatus, value),
    }
    for name in _LIMITS:
        checks[name] = functools.partial(_text, name)
    for name in DATES:
        checks[name] = functools.partial(_day, name)
    return checks


def _choice(field: str, enum: type[Transmission] | type[VehicleStatus], value: str) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise ValidationError(field, N_("Not a valid choice.")) from None


def _text(field: str, value: str) -> str:
    cleaned = clean_text(value)
    if len(cleaned) > _LIMITS[field]:
        raise ValidationError(field, N_("At most %(count)d characters."), count=_LIMITS[field])
    return cleaned


def _day(field: str, value: date | None) -> date | None:
    if value is not None and not isinstance(value, date):
        raise ValidationError(field, N_("%(what)s must be a date like 2026-03-22."), what=field)
    return value
