"""The CRM's records as the API reads and writes them: every field of a customer, vehicle, visit or
follow-up (the screen pop's card, in ctid.crm.models, holds only what an operator needs while it rings).

Frozen dataclasses, never rows. Filters carry the branch a user may see (None: every branch, for admins),
so a store never has to know who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ctid.core.paging import PageRequest
from ctid.crm.models import (
    CLOSED_VISIT_STATUSES,
    ContactType,
    Customer,
    CustomerKind,
    FollowUpKind,
    FollowUpStatus,
    MileageSource,
    Phone,
    ReminderKind,
    Transmission,
    VehicleRole,
    VehicleStatus,
    VisitItemKind,
    VisitStatus,
)


@dataclass(frozen=True)
class OptOut:
    """The customer does not want to be contacted for this reason (and said why)."""

    contact_type: ContactType
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class CustomerRecord:
    customer: Customer
    phones: tuple[Phone, ...]
    opt_outs: tuple[OptOut, ...] = ()


@dataclass(frozen=True)
class VehicleLink:
    """A customer's role for a vehicle (one person may be owner, user and driver: three links)."""

    customer_id: int
    customer_name: str
    role: VehicleRole


@dataclass(frozen=True)
class VehicleRecord:
    id: int
    branch_id: int
    plate: str
    vin: str | None
    brand: str
    model: str
    colour: str
    transmission: Transmission | None
    engine_number: str
    purchase_date: date | None
    registration_date: date | None
    mileage_km: int | None  # the latest reading (vehicle_mileage keeps them all)
    insurer: str
    insurance_expiry: date | None
    inspection_due: date | None
    warranty_expiry: date | None
    next_service_due: date | None
    status: VehicleStatus
    created_at: datetime
    updated_at: datetime
    links: tuple[VehicleLink, ...] = ()


@dataclass(frozen=True)
class MileageReading:
    id: int
    vehicle_id: int
    mileage_km: int
    read_on: date
    source: MileageSource
    correction: bool  # allowed to be lower than the reading before it
    visit_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class VisitItem:
    kind: VisitItemKind
    name: str
    price: Decimal  # yuan, per unit
    quantity: int
    catalogue_item_id: int | None = None

    @property
    def total(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True)
class VisitRecord:
    """A visit / repair order. Once closed it never changes: a correction is a new visit pointing at it."""

    id: int
    branch_id: int  # the vehicle's
    vehicle_id: int
    plate: str
    customer_id: int | None
    visited_on: date
    mileage_km: int | None
    amount: Decimal
    advisor: str
    notes: str
    status: VisitStatus
    closed_at: datetime | None
    corrects_visit_id: int | None
    created_by: int | None
    items: tuple[VisitItem, ...] = ()
    corrected_by: tuple[int, ...] = ()  # the visits that correct this one

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_VISIT_STATUSES


@dataclass(frozen=True)
class CatalogueItem:
    id: int
    code: str
    name: str
    category: str
    price: Decimal
    active: bool
    position: int
    updated_at: datetime


@dataclass(frozen=True)
class FollowUpRecord:
    """A follow-up (回访) or a complaint (投诉) and how it was handled."""

    id: int
    branch_id: int  # the customer's
    customer_id: int
    customer_name: str
    kind: FollowUpKind
    category: str
    channel: str
    content: str
    status: FollowUpStatus
    due_on: date | None
    result: str
    recorder_id: int | None
    handler_id: int | None
    visit_id: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class HistoryEntry:
    """One field of one change, read back from the audit log."""

    at: datetime
    actor: str
    action: str
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class CustomerFilter:
    branch_id: int | None = None
    level: str = ""
    source: str = ""
    assigned_user_id: int | None = None
    kind: CustomerKind | None = None
    page: PageRequest = field(default_factory=PageRequest)
    tag: str = ""
    due: ReminderKind | None = None  # with ``due_within``: a date of this kind due within so many days
    due_within: int = 30
    visited_after: date | None = None  # the last visit on or after this day
    visited_before: date | None = None  # the last visit before this day (customers who never came: not)


@dataclass(frozen=True)
class VehicleFilter:
    branch_id: int | None = None
    status: VehicleStatus | None = None
    brand: str = ""
    customer_id: int | None = None
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class VisitFilter:
    branch_id: int | None = None
    customer_id: int | None = None
    vehicle_id: int | None = None
    status: VisitStatus | None = None
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class FollowUpFilter:
    branch_id: int | None = None
    status: FollowUpStatus | None = None
    kind: FollowUpKind | None = None
    handler_id: int | None = None
    customer_id: int | None = None
    due_from: date | None = None
    due_to: date | None = None  # inclusive
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class CatalogueFilter:
    active: bool | None = None
    category: str = ""
    page: PageRequest = field(default_factory=PageRequest)
