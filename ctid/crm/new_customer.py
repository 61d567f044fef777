"""The "new customer" form of a screen pop: what it posts, and checking it before anything is written.

Checking is pure (no database): every error is a ValidationError naming the form's field, raised before the
transaction opens. Phone numbers go through the one normaliser, so the next call from this number pops
this customer whatever form the operator typed it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from ctid.crm.models import CustomerKind, Gender, Phone, VehicleRole
from ctid.crm.plates import normalise_plate
from ctid.errors import N_, ValidationError
from ctid.phone import PhoneNormaliser
from ctid.text import clean_text

E = TypeVar("E", CustomerKind, Gender, VehicleRole)
MAX_PHONES = 10
_LIMITS = {"name": 100, "label": 16, "brand": 32, "model": 64, "source": 32, "level": 16, "notes": 2000}


@dataclass(frozen=True)
class NewPhone:
    number: str
    label: str = ""  # 手机, 家庭, 公司 ...


@dataclass(frozen=True)
class NewCustomer:
    """A customer as the operator typed it; ``phones`` are raw numbers (or numbers with a label).

    With a ``plate``, the customer gets that vehicle (in ``vehicle_role``); a plate the branch already
    knows links the existing vehicle rather than creating a second one.
    """

    name: str
    kind: CustomerKind | str
    branch_id: int
    phones: Sequence[str | NewPhone]
    plate: str = ""
    brand: str = ""
    model: str = ""
    vehicle_role: VehicleRole | str = VehicleRole.OWNER
    gender: Gender | str | None = None
    level: str = ""
    source: str = ""
    notes: str = ""


@dataclass(frozen=True)
class NewVehicle:
    plate: str
    brand: str
    model: str
    role: VehicleRole


@dataclass(frozen=True)
class CheckedCustomer:
    """A NewCustomer that passed every check: cleaned text, known enumerations, normalised numbers."""

    name: str
    kind: CustomerKind
    branch_id: int
    gender: Gender | None
    level: str
    source: str
    notes: str
    phones: tuple[Phone, ...]
    vehicle: NewVehicle | None


def check(new: NewCustomer, normaliser: PhoneNormaliser) -> CheckedCustomer:
    """Clean and check a NewCustomer; raises ValidationError naming the first bad field."""
    name = _text("name", new.name)
    if not name:
        raise ValidationError("name", N_("Give a name."))
    return CheckedCustomer(
        name=name,
        kind=_choice("kind", CustomerKind, new.kind),
        branch_id=new.branch_id,
        gender=None if new.gender in (None, "") else _choice("gender", Gender, new.gender),
        level=_text("level", new.level),
        source=_text("source", new.source),
        notes=_limited("notes", new.notes.strip()),
        phones=_phones(new.phones, normaliser),
        vehicle=_vehicle(new),
    )


def _phones(given: Sequence[str | NewPhone], normaliser: PhoneNormaliser) -> tuple[Phone, ...]:
    """Normalised, without blanks and repeats (the same number typed twice is one phone)."""
    found: dict[str, Phone] = {}
    for item in given:
        entry = item if isinstance(item, NewPhone) else NewPhone(item)
        number = normaliser.normalise(entry.number)
        if not number.raw:
            continue
        if number.e164 is None:
            raise ValidationError("phones", N_("%(number)s is not a phone number."), number=number.raw)
        found.setdefault(number.e164, Phone(number.raw[:40], number.e164, _text("label", entry.label)))
    if not found:
        raise ValidationError("phones", N_("Give a phone number."))
    if len(found) > MAX_PHONES:
        raise ValidationError("phones", N_("At most %(count)d phone numbers."), count=MAX_PHONES)
    return tuple(found.values())


def _vehicle(new: NewCustomer) -> NewVehicle | None:
    if not new.plate.strip():
        if new.brand.strip() or new.model.strip():
            raise ValidationError("plate", N_("Give the plate."))
        return None
    plate = normalise_plate(new.plate)
    if plate is None:
        raise ValidationError("plate", N_("Not a plate number."))
    role = _choice("vehicle_role", VehicleRole, new.vehicle_role)
    return NewVehicle(plate, _text("brand", new.brand), _text("model", new.model), role)


def _choice(field: str, enum: type[E], value: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(field, N_("Not a valid choice.")) from None


def _text(field: str, value: str) -> str:
    return _limited(field, clean_text(value))


def _limited(field: str, value: str) -> str:
    if len(value) > _LIMITS[field]:
        raise ValidationError(field, N_("At most %(count)d characters."), count=_LIMITS[field])
    return value
