"""Checking a customer's fields before anything is written: the pop's "new customer" form, the records
API's create, and its changes (``check_changes``) all go through the same per-field checks.

Checking is pure (no database): every error is a ValidationError naming the form's field, raised before the
transaction opens. Phone numbers go through the one normaliser, so the next call from this number pops
this customer whatever form the operator typed it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn, TypeVar

from ctid.core.errors import N_, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.core.text import clean_text
from ctid.crm.email_address import NotAnAddress, parse_email
from ctid.crm.models import CustomerKind, Gender, Phone, VehicleRole
from ctid.crm.plates import normalise_plate, plate_error

E = TypeVar("E", CustomerKind, Gender, VehicleRole)
MAX_PHONES = 10
MAX_TAGS = 20
_LIMITS = {
    "name": 100,
    "label": 16,
    "brand": 32,
    "model": 64,
    "source": 32,
    "level": 16,
    "notes": 2000,
    "address": 300,
    "industry": 32,
    "tags": 16,
}


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
    address: str = ""
    industry: str = ""
    tags: Sequence[str] = ()
    birthday: date | None = None
    licence_review_on: date | None = None
    birthday_lunar: bool = False  # 农历生日
    email: str | None = None  # the reminders' e-mail goes here (ctid.crm.email_address)
    assigned_user_id: int | None = None  # checked against the branch's staff by the service
    confirm_shared_phone: bool = False  # the user knows another customer of the branch has a number


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
    address: str = ""
    industry: str = ""
    tags: tuple[str, ...] = ()
    birthday: date | None = None
    licence_review_on: date | None = None
    assigned_user_id: int | None = None
    birthday_lunar: bool = False
    email: str | None = None


# in the order a form shows them, which is the order their errors are reported in
CHANGEABLE = (
    *(
        "name",
        "kind",
        "gender",
        "birthday",
        "birthday_lunar",
        "level",
        "source",
        "industry",
        "address",
        "email",
        "tags",
    ),
    *("assigned_user_id", "licence_review_on", "notes", "phones"),
)


def check(new: NewCustomer, normaliser: PhoneNormaliser) -> CheckedCustomer:
    """Clean and check a NewCustomer; raises ValidationError naming the first bad field."""
    fields = {name: getattr(new, name) for name in CHANGEABLE}
    return CheckedCustomer(
        **check_changes(fields, normaliser), branch_id=new.branch_id, vehicle=_vehicle(new)
    )


def check_changes(changes: Mapping[str, Any], normaliser: PhoneNormaliser) -> dict[str, Any]:
    """The fields given (a record's update, or all of a new one), cleaned and checked: text within its
    limit, enumerations known, phones normalised. ValidationError names the first bad field."""
    checks = _checks(normaliser)
    unknown = sorted(set(changes) - set(checks))
    if unknown:
        raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
    return {name: checks[name](value) for name, value in changes.items()}


def _checks(normaliser: PhoneNormaliser) -> dict[str, Callable[[Any], Any]]:
    return {
        "name": _name,
        "kind": lambda value: _choice("kind", CustomerKind, value),
        "gender": lambda value: None if value in (None, "") else _choice("gender", Gender, value),
        "birthday": lambda value: _day("birthday", value),
        "licence_review_on": lambda value: _day("licence_review_on", value),
        "birthday_lunar": _lunar,
        "level": lambda value: _text("level", value),
        "source": lambda value: _text("source", value),
        "address": lambda value: _text("address", value),
        "email": _email,
        "industry": lambda value: _text("industry", value),
        "notes": lambda value: _limited("notes", value.strip()),
        "tags": _tags,
        "assigned_user_id": _user_id,
        "phones": lambda value: _phones(value, normaliser),
    }


def _name(value: str) -> str:
    name = _text("name", value)
    if not name:
        raise ValidationError("name", N_("Give a name."))
    return name


def _day(field: str, value: date | None) -> date | None:
    if value is not None and not isinstance(value, date):
        raise ValidationError(field, N_("%(what)s must be a date like 2026-03-22."), what=field)
    return value


def _lunar(value: bool) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("birthday_lunar", N_("%(what)s must be true or false."), what="birthday_lunar")
    return value


NOT_AN_ADDRESS = N_("%(what)s is not an e-mail address like name@example.com.")


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return parse_email(value) if isinstance(value, str) else _not_an_address()
    except NotAnAddress:
        return _not_an_address()


def _not_an_address() -> NoReturn:
    raise ValidationError("email", NOT_AN_ADDRESS, what="email")


def _user_id(value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValidationError("assigned_user_id", N_("No such user in this branch."))
    return value


def _tags(given: Sequence[str]) -> tuple[str, ...]:
    """Cleaned, without blanks and repeats, in the order given."""
    tags = tuple(dict.fromkeys(tag for tag in (_text("tags", t) for t in given) if tag))
    if len(tags) > MAX_TAGS:
        raise ValidationError("tags", N_("At most %(count)d tags."), count=MAX_TAGS)
    return tags


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
        raise ValidationError("plate", plate_error(new.plate) or N_("Not a plate number."))
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
