"""What the reminder rules read about a customer or a vehicle: plain values the queue's store fills from
the database, so that the rules stay pure (no I/O, tested on edge dates) and the store reads only the
columns they need, a batch at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ctid.crm.models import VehicleStatus


@dataclass(frozen=True)
class MileageReading:
    read_on: date
    mileage_km: int


@dataclass(frozen=True)
class VehicleFacts:
    """A vehicle as the rules see it. ``readings`` are its odometer readings oldest first, corrections
    applied (a correction starts the series again); ``last_service_on``/``last_service_km`` are its newest
    closed maintenance visit's, if any."""

    id: int
    customer_id: int  # the owner the reminder goes to
    branch_id: int
    status: VehicleStatus
    purchase_date: date | None
    registration_date: date | None
    insurance_expiry: date | None
    inspection_due: date | None  # entered by hand: wins over the inspection rule table
    next_service_due: date | None  # entered by hand: wins over the projection by time
    warranty_expiry: date | None
    last_service_on: date | None = None
    last_service_km: int | None = None
    readings: tuple[MileageReading, ...] = field(default=())
    inspection_exempt_excluded: bool = False  # a van (面包车) and others the exemption leaves out


@dataclass(frozen=True)
class CustomerFacts:
    """A customer as the rules see it: the birth date as entered (solar), and whether they keep the lunar
    birthday (农历生日), which falls on another solar day each year."""

    id: int
    branch_id: int
    birthday: date | None
    birthday_lunar: bool
    licence_review_on: date | None


@dataclass(frozen=True)
class ClosedVisit:
    """A closed workshop visit, for the follow-up call N days after it (维修跟踪回访)."""

    id: int
    customer_id: int
    vehicle_id: int
    branch_id: int
    closed_on: date  # the shop's day it was closed


@dataclass(frozen=True)
class ScheduledCall:
    """A follow-up call (回访) scheduled in the CRM by hand for a day: it joins the queue on that day."""

    id: int
    customer_id: int
    branch_id: int
    due_on: date
