"""Odometer readings: appended, never rewritten, and refused when they go backwards.

Why refuse: a lower reading than an earlier one is almost always a typo (a digit dropped), and a wrong
reading moves the next maintenance reminder. When the odometer really was replaced, or an earlier reading
was wrong, the reading is recorded as a correction, which says so in the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.errors import N_, ValidationError
from ctid.crm import vehicle_store
from ctid.crm.models import MileageSource
from ctid.crm.record_models import MileageReading

_BELOW = N_(
    "%(km)d km is less than the reading of %(on)s (%(last)d km). If the odometer was replaced "
    "or that reading was wrong, record this one as a correction."
)
# a visit cannot be a correction of the vehicle's reading: a supervisor corrects the vehicle first
_VISIT_BELOW = N_(
    "%(km)d km is less than the vehicle's reading of %(on)s (%(last)d km). If the odometer was replaced "
    "or that reading was wrong, a supervisor records a correction on the vehicle first."
)


@dataclass(frozen=True)
class NewReading:
    mileage_km: int
    read_on: date
    source: MileageSource = MileageSource.MANUAL
    correction: bool = False
    visit_id: int | None = None


def check_not_ahead(read_on: date | None, today: date, field: str) -> None:
    """A reading dated after today (a visit closed before its day, a year typed 2062 for 2026) would sit
    after every real reading to come and refuse each one that is lower as going backwards."""
    if read_on is not None and read_on > today:
        raise ValidationError(
            field,
            N_("%(day)s is after today: a reading is taken on or before its day."),
            day=read_on.isoformat(),
        )


async def append(
    conn: AsyncConnection, actor: Actor, vehicle_id: int, new: NewReading, now: datetime
) -> MileageReading:
    """Add a reading that fits between the readings before and after it (unless it is a correction);
    audited on the vehicle, so it shows in the vehicle's change history."""
    if not new.correction:
        await _check_order(conn, vehicle_id, new)
    values = {
        "vehicle_id": vehicle_id,
        "mileage_km": new.mileage_km,
        "read_on": new.read_on,
        "source": new.source.value,
        "correction": new.correction,
        "visit_id": new.visit_id,
        "created_at": now,
    }
    reading = await vehicle_store.insert_reading(conn, values)
    after = {"mileage_km": new.mileage_km, "read_on": new.read_on.isoformat(), "source": new.source.value}
    if new.correction:
        after["correction"] = True
    await audit.record(conn, actor, "vehicle.mileage", ("vehicle", vehicle_id), now, after=after)
    return reading


async def _check_order(conn: AsyncConnection, vehicle_id: int, new: NewReading) -> None:
    before, after = await vehicle_store.neighbours(conn, vehicle_id, new.read_on)
    if before is not None and new.mileage_km < before.mileage_km:
        raise ValidationError(
            "mileage_km",
            _VISIT_BELOW if new.source == MileageSource.VISIT else _BELOW,
            km=new.mileage_km,
            on=before.read_on.isoformat(),
            last=before.mileage_km,
        )
    if after is not None and new.mileage_km > after.mileage_km:
        raise ValidationError(
            "mileage_km",
            N_("%(km)d km is more than the later reading of %(on)s (%(next)d km)."),
            km=new.mileage_km,
            on=after.read_on.isoformat(),
            next=after.mileage_km,
        )
