"""What the CRM hands out for a screen pop: a customer's card and its parts (frozen dataclasses, no rows).

The card is what an operator needs before picking up: who it is, which cars, when they were last in,
what is open (follow-ups, complaints) and what is due (insurance, inspection, maintenance, birthday).
Money is ``Decimal`` yuan (stored as integer fen): repair orders must add up to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class CustomerKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"  # 单位


class Gender(StrEnum):
    """Lets the operator greet 王先生 / 王女士 before the caller says a word."""

    MALE = "male"
    FEMALE = "female"


class VehicleRole(StrEnum):
    """How a customer relates to a vehicle; one person may hold all three."""

    OWNER = "owner"  # 车主 (on the registration)
    USER = "user"  # 使用人
    DRIVER = "driver"  # 送修人 / 司机


class VehicleStatus(StrEnum):
    ACTIVE = "active"
    SOLD = "sold"
    SCRAPPED = "scrapped"


class VisitStatus(StrEnum):
    OPEN = "open"  # in the workshop now
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class FollowUpKind(StrEnum):
    FOLLOW_UP = "follow_up"  # 回访
    COMPLAINT = "complaint"  # 投诉


class FollowUpStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_FOLLOW_UP_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)

_NEXT_STATUSES: dict[FollowUpStatus, tuple[FollowUpStatus, ...]] = {
    FollowUpStatus.OPEN: (FollowUpStatus.IN_PROGRESS, FollowUpStatus.RESOLVED),
    FollowUpStatus.IN_PROGRESS: (FollowUpStatus.RESOLVED,),
    # the customer was not satisfied after all: back to work
    FollowUpStatus.RESOLVED: (FollowUpStatus.CLOSED, FollowUpStatus.IN_PROGRESS),
    FollowUpStatus.CLOSED: (),
}


def next_statuses(status: FollowUpStatus) -> tuple[FollowUpStatus, ...]:
    """Where a follow-up or complaint may go from ``status``: forward (a routine follow-up may be resolved
    at the first call), or back to work from resolved; closed is final, so the record of what was done
    stays as it was signed off."""
    return _NEXT_STATUSES[status]


class ContactType(StrEnum):
    """Why the dealership may contact a customer; each can be refused on its own (opt-outs)."""

    MAINTENANCE = "maintenance"
    INSURANCE = "insurance"
    INSPECTION = "inspection"
    BIRTHDAY = "birthday"
    FOLLOW_UP = "follow_up"
    MARKETING = "marketing"
    SMS = "sms"  # no SMS at all (a reply "TD" / "退订"); the others are what, this one is how


class Transmission(StrEnum):
    MANUAL = "manual"  # 手动
    AUTOMATIC = "automatic"  # 自动 (AT)
    AMT = "amt"  # 手自一体 / 电控机械
    CVT = "cvt"  # 无级变速
    DCT = "dct"  # 双离合
    SINGLE_SPEED = "single_speed"  # electric cars' reduction gear


class VisitItemKind(StrEnum):
    SERVICE = "service"  # labour: a car wash, a maintenance, detailing
    PART = "part"


class MileageSource(StrEnum):
    VISIT = "visit"
    MANUAL = "manual"
    IMPORT = "import"


CLOSED_VISIT_STATUSES = (
    VisitStatus.COMPLETED,
    VisitStatus.CANCELLED,
)  # immutable: corrections are new visits


class ReminderKind(StrEnum):
    INSURANCE = "insurance"
    INSPECTION = "inspection"
    MAINTENANCE = "maintenance"
    BIRTHDAY = "birthday"


@dataclass(frozen=True)
class Customer:
    """A customer record as stored: a person or a company (单位), in one branch."""

    id: int
    branch_id: int
    kind: CustomerKind
    name: str
    gender: Gender | None
    birthday: date | None
    level: str  # the dealer's own tiers (VIP, 金卡 ...): free text
    source: str  # how they came to us (来电, 到店, 转介绍 ...): free text
    notes: str
    created_at: datetime
    updated_at: datetime
    address: str = ""
    industry: str = ""
    tags: tuple[str, ...] = ()  # stored one a line
    assigned_user_id: int | None = None  # the staff member who looks after this customer
    licence_review_on: date | None = None  # 驾驶证审验: a reason to call
    birthday_lunar: bool = False  # 农历生日: the birthday falls on the birth date's lunar month-day
    email: str | None = None  # checked by ctid.crm.email_address: the reminders' e-mail goes here


@dataclass(frozen=True)
class Phone:
    number: str  # as the customer gave it
    e164: str | None
    label: str = ""  # 手机, 家庭, 公司 ...


@dataclass(frozen=True)
class Vehicle:
    id: int
    plate: str
    vin: str | None
    brand: str
    model: str
    colour: str
    roles: tuple[VehicleRole, ...]  # this customer's roles, in VehicleRole order
    status: VehicleStatus
    mileage_km: int | None
    insurance_expiry: date | None
    inspection_due: date | None
    next_service_due: date | None


@dataclass(frozen=True)
class Visit:
    """A service visit / repair order, newest first on a card."""

    id: int
    vehicle_id: int
    plate: str
    visited_on: date
    mileage_km: int | None
    summary: str  # the service items' names, joined with "、"
    amount: Decimal
    advisor: str
    status: VisitStatus


@dataclass(frozen=True)
class FollowUp:
    id: int
    kind: FollowUpKind
    category: str
    channel: str
    content: str
    status: FollowUpStatus
    due_on: date | None
    created_at: datetime


@dataclass(frozen=True)
class DueReminder:
    kind: ReminderKind
    due_on: date
    plate: str | None  # None for a birthday


@dataclass(frozen=True)
class CustomerSummary:
    """Enough to list candidates when one number matches several customers."""

    id: int
    name: str
    kind: CustomerKind
    branch_id: int
    level: str
    last_visit_on: date | None


@dataclass(frozen=True)
class CustomerCard:
    id: int
    name: str
    kind: CustomerKind
    branch_id: int
    gender: Gender | None
    level: str
    birthday: date | None
    notes: str
    phones: tuple[Phone, ...]
    vehicles: tuple[Vehicle, ...]
    last_visits: tuple[Visit, ...]
    open_follow_ups: tuple[FollowUp, ...]
    due_reminders: tuple[DueReminder, ...]
    address: str = ""
    tags: tuple[str, ...] = ()
    opt_outs: tuple[str, ...] = ()
    """Contact types the customer does not want (maintenance, marketing ...): the operator must know."""
    birthday_lunar: bool = False  # 农历生日: the due birthday is the lunar one
    email: str | None = None  # the reminders' e-mail goes here
