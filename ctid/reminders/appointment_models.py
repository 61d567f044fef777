"""Service appointments (预约) as the store hands them out: plain frozen dataclasses, never rows.

An appointment is a car expected at the workshop on a day, in a time slot, with an advisor (服务顾问). Its
status moves along ``NEXT_STATUSES`` only; booked and arrived ones (and done ones: the car took the slot)
fill their slot, cancelled and missed ones free it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from ctid.core.paging import PageRequest
from ctid.crm.models import Phone


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class AppointmentSource(StrEnum):
    """Where it was booked from (the statistics will ask which desk books most)."""

    REMINDER = "reminder"  # a worklist item
    POP = "pop"  # the card of a call
    CUSTOMER = "customer"  # the customer's page
    API = "api"  # another program


NEXT_STATUSES: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
    ),
    AppointmentStatus.ARRIVED: frozenset({AppointmentStatus.DONE, AppointmentStatus.BOOKED}),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.ARRIVED, AppointmentStatus.BOOKED}),
    AppointmentStatus.DONE: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
}

TAKING_A_SLOT = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.DONE})
"""The statuses that count against a slot's capacity."""


@dataclass(frozen=True)
class Appointment:
    id: int
    branch_id: int
    customer_id: int
    customer_name: str
    vehicle_id: int | None
    plate: str
    day: date
    slot: str  # "HH:MM", the slot's start in site time
    service_item_id: int | None
    service: str  # the catalogue item's name when one was picked, else the words typed
    advisor_id: int
    advisor_name: str
    status: AppointmentStatus
    note: str
    source: AppointmentSource
    reminder_item_id: int | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class NextAppointment:
    """A customer's next booked appointment as the pop's card shows it (read on the pop's hot path)."""

    id: int
    day: date
    slot: str
    plate: str
    service: str
    advisor_name: str
    status: AppointmentStatus


@dataclass(frozen=True)
class Contact:
    """What the worklist shows of a customer beside their items: the numbers to dial, the next booking."""

    customer_id: int
    phones: tuple[Phone, ...]
    next_appointment: Appointment | None


@dataclass(frozen=True)
class AppointmentFilter:
    """Carries the branch the user may see (None: every branch, an admin's)."""

    branch_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None  # inclusive
    advisor_id: int | None = None
    customer_id: int | None = None
    status: AppointmentStatus | None = None
    newest_first: bool = False  # a customer's past appointments: the latest first
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True)
class Confirmation:
    """A booking's confirmation SMS: queued in the booking's transaction (``sms_id``), or why not
    (``refused``: an English template and its ``params``, translated by the web; the booking stands)."""

    sms_id: int | None = None
    refused: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Booked:
    """What a booking made: the appointment, and its confirmation SMS when one was asked for."""

    appointment: Appointment
    confirmation: Confirmation | None = None
