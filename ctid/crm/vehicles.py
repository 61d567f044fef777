"""Vehicle records: list, read, create, change, who owns / uses / drives them, mileage, change history.

A plate is unique within its branch and a VIN everywhere: checked before writing so the answer names the
field (409), and again by the database's unique constraints for two desks saving at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.core.paging import Page
from ctid.crm import customer_store, mileage, scope, search_store, store, vehicle_store
from ctid.crm.history import auditable, diff, read_history, record_change
from ctid.crm.models import VehicleRole, VehicleStatus
from ctid.crm.record_models import HistoryEntry, MileageReading, VehicleFilter, VehicleRecord
from ctid.crm.vehicle_checks import CHANGEABLE, check_vehicle
from ctid.storage.db import Database

NO_SUCH_VEHICLE = N_("No such vehicle.")
SEARCHED = {"plate", "vin", "customers"}  # what the search index holds of a vehicle
Link = tuple[int, VehicleRole]  # customer id, role


@dataclass(frozen=True)
class NewVehicleRecord:
    fields: Mapping[str, Any]  # plate (required), vin, brand ... as vehicle_checks knows them
    links: Sequence[Link] = ()
    mileage_km: int | None = None  # the first reading, if known
    branch_id: int | None = None  # admins may choose; everyone else adds to their own branch


class VehicleRecords:
    def __init__(
        self, db: Database, today: Callable[[], date], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = db
        self._today = today
        self._clock = clock

    async def page(self, user: User, where: VehicleFilter) -> Page[VehicleRecord]:
        scope.require(user, Permission.CRM_VIEW)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        async with self._db.connect() as conn:
            return await vehicle_store.list_vehicles(conn, where)

    async def get(self, user: User, vehicle_id: int) -> VehicleRecord:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await _vehicle(conn, user, vehicle_id)

    async def create(self, actor: Actor, user: User, new: NewVehicleRecord) -> VehicleRecord:
        scope.require(user, Permission.CRM_EDIT)
        if "plate" not in new.fields:
            raise ValidationError("plate", N_("Give the plate."))
        fields = {"status": VehicleStatus.ACTIVE.value, **check_vehicle(new.fields)}
        now = self._clock()
        async with _unique(), self._db.begin(immediate=True) as conn:
            branch_id = await scope.branch_for_new(conn, user, new.branch_id)
            await _check_unique(conn, branch_id, fields, None)
            await _check_links(conn, branch_id, new.links)
            values = {**fields, "branch_id": branch_id, "created_at": now, "updated_at": now}
            vehicle_id = await store.insert_vehicle(conn, values)
            await vehicle_store.replace_links(conn, vehicle_id, new.links)
            await search_store.refresh(conn, [customer_id for customer_id, _role in new.links])
            after = {**auditable(fields), "branch_id": branch_id, "customers": _links_json(new.links)}
            await audit.record(conn, actor, "vehicle.create", ("vehicle", vehicle_id), now, after=after)
            if new.mileage_km is not None:
                reading = mileage.NewReading(new.mileage_km, self._today())
                await mileage.append(conn, actor, vehicle_id, reading, now)
            return await _vehicle(conn, user, vehicle_id)

    async def update(
        self,
        actor: Actor,
        user: User,
        vehicle_id: int,
        changes: Mapping[str, Any],
        links: Sequence[Link] | None,
    ) -> VehicleRecord:
        """Change the fields given; ``links`` (when given) replaces who owns, uses and drives it."""
        scope.require(user, Permission.CRM_EDIT)
        checked = check_vehicle(changes)
        now = self._clock()
        async with _unique(), self._db.begin(immediate=True) as conn:
            vehicle = await _vehicle(conn, user, vehicle_id)
            current = {**_fields(vehicle), "customers": _links_json(_links(vehicle))}
            proposed = {**current, **checked}
            if links is not None:
                await _check_links(conn, vehicle.branch_id, links)
                proposed["customers"] = _links_json(links)
            change = diff(current, proposed)
            if await record_change(conn, actor, "vehicle.update", ("vehicle", vehicle_id), now, change):
                await _check_unique(conn, vehicle.branch_id, checked, vehicle_id)
                values = {k: checked[k] for k in change[1] if k != "customers"}
                await vehicle_store.update_vehicle(conn, vehicle_id, {**values, "updated_at": now})
                if "customers" in change[1] and links is not None:
                    await vehicle_store.replace_links(conn, vehicle_id, links)
                if SEARCHED & set(change[1]):  # the customers it had and the ones it has now
                    linked = _links(vehicle) + list(links or ())
                    await search_store.refresh(conn, [customer_id for customer_id, _role in linked])
            return await _vehicle(conn, user, vehicle_id)

    async def readings(self, user: User, vehicle_id: int) -> list[MileageReading]:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            await _vehicle(conn, user, vehicle_id)
            return await vehicle_store.readings(conn, vehicle_id)

    async def add_reading(
        self, actor: Actor, user: User, vehicle_id: int, km: int, read_on: date | None, correction: bool
    ) -> MileageReading:
        """A reading taken by hand; a correction (lower than before) takes a supervisor."""
        scope.require(user, Permission.CRM_MANAGE if correction else Permission.CRM_EDIT)
        mileage.check_not_ahead(read_on, self._today(), "read_on")
        new = mileage.NewReading(km, read_on or self._today(), correction=correction)
        async with self._db.begin(immediate=True) as conn:
            await _vehicle(conn, user, vehicle_id)
            return await mileage.append(conn, actor, vehicle_id, new, self._clock())

    async def history(self, user: User, vehicle_id: int) -> list[HistoryEntry]:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            await _vehicle(conn, user, vehicle_id)
            return await read_history(conn, "vehicle", vehicle_id)


async def _vehicle(conn: AsyncConnection, user: User, vehicle_id: int) -> VehicleRecord:
    vehicle = await vehicle_store.get_vehicle(conn, vehicle_id)
    if vehicle is None:
        raise NotFound(NO_SUCH_VEHICLE)
    scope.require_visible(user, vehicle.branch_id, NO_SUCH_VEHICLE)
    return vehicle


def _fields(vehicle: VehicleRecord) -> dict[str, Any]:
    values = {name: getattr(vehicle, name) for name in CHANGEABLE}
    return {**values, "transmission": vehicle.transmission.value if vehicle.transmission else ""}


def _links(vehicle: VehicleRecord) -> list[Link]:
    return [(link.customer_id, link.role) for link in vehicle.links]


def _links_json(links: Sequence[Link]) -> list[list[Any]]:
    return [[customer_id, role.value] for customer_id, role in sorted(set(links))]


async def _check_unique(
    conn: AsyncConnection, branch_id: int, fields: Mapping[str, Any], vehicle_id: int | None
) -> None:
    if "plate" in fields:
        found = await store.vehicle_id_by_plate(conn, branch_id, fields["plate"])
        if found not in (None, vehicle_id):
            message = N_("Another vehicle of this branch has the plate %(plate)s.")
            raise scope.Taken("plate", message, plate=fields["plate"])
    if fields.get("vin"):
        found = await vehicle_store.vehicle_id_by_vin(conn, fields["vin"])
        if found not in (None, vehicle_id):
            raise scope.Taken("vin", N_("Another vehicle has the VIN %(vin)s."), vin=fields["vin"])


async def _check_links(conn: AsyncConnection, branch_id: int, links: Sequence[Link]) -> None:
    """Every linked customer exists in the vehicle's branch."""
    for customer_id, _role in links:
        customer = await customer_store.get_customer(conn, customer_id)
        if customer is None or customer.branch_id != branch_id:
            raise ValidationError("customers", N_("No such customer in this branch."))


class _unique:
    """Two desks saving the same plate or VIN at once: the database's constraint answers as 409."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, IntegrityError):
            raise Conflict(N_("Someone else just saved this plate or VIN. Try again.")) from None
