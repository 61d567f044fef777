"""Service appointments (预约): booked from a reminder item, the pop or the customer page, moved, cancelled,
marked arrived, done or missed. Every change is audited; another branch's appointment does not exist for a
user (404), and a customer, vehicle or advisor of another branch is no such one (422).

A slot of an advisor takes ``SlotPlan.cars`` cars: a booking or a move into a full slot is refused in words
(409 ``slot_full``), checked and written in one ``immediate`` transaction so two desks booking the last
place at once cannot both get it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store as accounts_store
from ctid.accounts.models import Role, User
from ctid.accounts.permissions import Permission
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.config import AppointmentsConfig
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.core.paging import MAX_PER_PAGE, Page, PageRequest
from ctid.core.text import clean_text
from ctid.crm import customer_store, scope, vehicle_store, visit_store
from ctid.crm.history import auditable, diff, record_change
from ctid.reminders import appointment_store as store
from ctid.reminders.appointment_models import (
    NEXT_STATUSES,
    TAKING_A_SLOT,
    Appointment,
    AppointmentFilter,
    AppointmentSource,
    AppointmentStatus,
    Booked,
    Confirmation,
    Contact,
    NextAppointment,
)
from ctid.reminders.slots import SlotPlan
from ctid.storage.db import Database

NO_SUCH_APPOINTMENT = N_("No such appointment.")
MAX_SERVICE = 100
MAX_NOTE = 2000
CHANGEABLE = ("day", "slot", "advisor_id", "vehicle_id", "service_item_id", "service", "note", "status")
_MOVING = ("day", "slot", "advisor_id")

OnNoShow = Callable[[AsyncConnection, Actor, Appointment, datetime], Awaitable[None]]
"""What a missed appointment starts (a reminder item to call the customer), in the same transaction."""


class Confirms(Protocol):
    """The confirmation SMS of a booking (ctid.reminders.confirmation): queued in the booking's
    transaction, so the two are kept or lost together; ``wake`` once that committed."""

    async def __call__(
        self, conn: AsyncConnection, actor: Actor, appointment: Appointment
    ) -> Confirmation: ...

    def wake(self) -> None: ...


def slot_plan(config: AppointmentsConfig) -> SlotPlan:
    return SlotPlan(config.day_start, config.day_end, config.slot_minutes, config.cars_per_slot)


class SlotFull(Conflict):
    """The advisor's slot takes no more cars: 409 naming the slot."""

    code = "slot_full"
    field = "slot"


@dataclass(frozen=True)
class NewAppointment:
    customer_id: int
    day: date
    slot: str
    vehicle_id: int | None = None
    service_item_id: int | None = None
    service: str = ""
    advisor_id: int | None = None  # None: the customer's own advisor, else whoever books it
    note: str = ""
    source: AppointmentSource = AppointmentSource.API
    reminder_item_id: int | None = None
    confirm_sms: bool = False  # queue the confirmation SMS with the booking (needs sms.send)


class Appointments:
    def __init__(
        self,
        db: Database,
        plan: SlotPlan,
        today: Callable[[], date],
        clock: Callable[[], datetime] = utcnow,
        on_no_show: OnNoShow | None = None,
        confirms: Confirms | None = None,
    ) -> None:
        self._db = db
        self.plan = plan
        self.today = today
        self._clock = clock
        self._on_no_show = on_no_show
        self._confirms = confirms

    async def page(self, user: User, where: AppointmentFilter) -> Page[Appointment]:
        scope.require(user, Permission.APPOINTMENTS)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        async with self._db.connect() as conn:
            return await store.page(conn, where)

    async def between(
        self, user: User, first: date, last: date, advisor_id: int | None = None, branch_id: int | None = None
    ) -> list[Appointment]:
        """The day or week view's appointments (every status: a cancelled one is shown struck through)."""
        scope.require(user, Permission.APPOINTMENTS)
        async with self._db.connect() as conn:
            return await store.between(conn, scope.narrowed(user, branch_id), first, last, advisor_id)

    async def get(self, user: User, appointment_id: int) -> Appointment:
        scope.require(user, Permission.APPOINTMENTS)
        async with self._db.connect() as conn:
            return await _visible(conn, user, appointment_id)

    async def next_for(self, user: User, customer_id: int) -> NextAppointment | None:
        """The customer's next booked appointment (the card's line); None for another branch's customer."""
        scope.require(user, Permission.APPOINTMENTS)
        async with self._db.connect() as conn:
            found = (await store.next_for(conn, [customer_id], self.today())).get(customer_id)
        if found is None or not scope.visible(user, found.branch_id):
            return None
        return NextAppointment(
            found.id, found.day, found.slot, found.plate, found.service, found.advisor_name, found.status
        )

    async def contacts(self, user: User, customer_ids: Sequence[int]) -> dict[int, Contact]:
        """The worklist's customers' phones and next appointments, two reads for a page of them (the
        customers are the items' the user may see; another branch's are left out all the same)."""
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            phones = await customer_store.phones_of(conn, list(customer_ids))
            booked = await store.next_for(conn, list(customer_ids), self.today())
        return {
            c: Contact(c, tuple(phones.get(c, ())), booked.get(c))
            for c in customer_ids
            if (found := booked.get(c)) is None or scope.visible(user, found.branch_id)
        }

    async def advisors(self, user: User, branch_id: int | None = None) -> list[User]:
        """The branch's active service advisors (服务顾问): the day view's columns. Anyone of the branch may
        still be booked with (a supervisor standing in); their column shows when they have a car."""
        scope.require(user, Permission.APPOINTMENTS)
        branch = scope.narrowed(user, branch_id)
        async with self._db.connect() as conn:
            found = await accounts_store.list_users(
                conn, PageRequest(1, MAX_PER_PAGE), user.branch_id if branch is None else branch, Role.ADVISOR
            )
        return [staff for staff in found.items if staff.active]

    async def free(self, user: User, day: date, advisor_id: int) -> list[tuple[str, int]]:
        """Each slot of the day and how many more cars the advisor takes in it (the booking form's choice);
        an advisor of another branch has no slots to give."""
        scope.require(user, Permission.APPOINTMENTS)
        async with self._db.connect() as conn:
            staff = await accounts_store.get_user(conn, advisor_id)
            if staff is None or not scope.visible(user, staff.branch_id):
                raise ValidationError("advisor", N_("No such user in this branch."))
            booked = await store.between(conn, None, day, day, advisor_id)
        counts = dict.fromkeys(self.plan.slots, 0)
        for found in booked:
            if found.status in TAKING_A_SLOT and found.slot in counts:
                counts[found.slot] += 1
        return [(s, self.plan.free(n)) for s, n in counts.items()]

    async def book(self, actor: Actor, user: User, new: NewAppointment) -> Booked:
        """The appointment, and with ``confirm_sms`` its confirmation SMS queued in the same transaction
        (the customer's first mobile, the ``appointment_confirm`` preset): a booking is never kept without
        the confirmation it asked for, nor a confirmation without its booking. A customer who takes no SMS
        (no mobile, an opt-out) or a preset switched off leaves the booking standing and says why."""
        scope.require(user, Permission.APPOINTMENTS)
        if new.confirm_sms:
            scope.require(user, Permission.SMS_SEND)
        values = _checked({"service": new.service, "note": new.note})
        self._check_when(new.day, new.slot, booking=True)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            customer = await customer_store.get_customer(conn, new.customer_id)
            if customer is None or not scope.visible(user, customer.branch_id):
                raise ValidationError("customer_id", N_("No such customer."))
            branch = customer.branch_id
            advisor = await _advisor(conn, branch, new.advisor_id, customer.assigned_user_id, user)
            await _check_vehicle(conn, branch, new.customer_id, new.vehicle_id)
            service = await _service(conn, new.service_item_id, values["service"])
            await self._check_room(conn, advisor, new.day, new.slot)
            row = {
                "branch_id": branch,
                "customer_id": new.customer_id,
                "vehicle_id": new.vehicle_id,
                "day": new.day,
                "slot": new.slot,
                "service_item_id": new.service_item_id,
                "service": service,
                "advisor_id": advisor,
                "status": AppointmentStatus.BOOKED.value,
                "note": values["note"],
                "source": new.source.value,
                "reminder_item_id": new.reminder_item_id,
                "created_by": user.id,
            }
            row_id = await store.insert_appointment(conn, {**row, "created_at": now, "updated_at": now})
            entity = ("appointment", row_id)
            await record_change(conn, actor, "appointment.create", entity, now, ({}, auditable(row)))
            found = await _visible(conn, user, row_id)
            confirmation = None
            if new.confirm_sms:
                confirmation = (
                    await self._confirms(conn, actor, found)
                    if self._confirms is not None
                    else Confirmation(refused=N_("No SMS is sent from this server."))
                )
        if confirmation is not None and confirmation.sms_id is not None and self._confirms is not None:
            self._confirms.wake()
        return Booked(found, confirmation)

    async def change(
        self, actor: Actor, user: User, appointment_id: int, changes: Mapping[str, Any]
    ) -> Appointment:
        """Move it (day, slot, advisor: a booked one only, into a slot with room), change what it is for,
        or move its status along ``NEXT_STATUSES`` (409 otherwise)."""
        scope.require(user, Permission.APPOINTMENTS)
        checked = _checked(changes)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            current = await _visible(conn, user, appointment_id)
            fields = _fields(current)
            proposed = {**fields, **checked}
            moving = any(proposed[k] != fields[k] for k in _MOVING)
            status = proposed["status"]
            _check_status(current, status, moving)
            if moving:
                self._check_when(proposed["day"], proposed["slot"], booking=proposed["day"] != current.day)
                await scope.require_staff(conn, current.branch_id, proposed["advisor_id"], "advisor_id")
            if "vehicle_id" in checked:
                await _check_vehicle(conn, current.branch_id, current.customer_id, checked["vehicle_id"])
            if "service_item_id" in checked or "service" in checked:
                proposed["service"] = await _service(conn, proposed["service_item_id"], proposed["service"])
            if (moving or current.status not in TAKING_A_SLOT) and status in TAKING_A_SLOT:
                where = (proposed["advisor_id"], proposed["day"], proposed["slot"])
                await self._check_room(conn, *where, but=current.id)
            change, entity = diff(fields, proposed), ("appointment", current.id)
            if await record_change(conn, actor, "appointment.update", entity, now, change):
                values = {k: _column(proposed[k]) for k in change[1]}
                await store.update_appointment(conn, current.id, {**values, "updated_at": now})
            found = await _visible(conn, user, current.id)
            if status == AppointmentStatus.NO_SHOW != current.status and self._on_no_show is not None:
                await self._on_no_show(conn, actor, found, now)
            return found

    def _check_when(self, day: date, slot: str, booking: bool) -> None:
        if booking and day < self.today():
            raise ValidationError("day", N_("An appointment is for today or a later day."))
        if slot not in self.plan.slots:
            raise ValidationError(
                "slot",
                N_("No such time slot: slots start from %(first)s to %(last)s, every %(minutes)d minutes."),
                first=self.plan.slots[0],
                last=self.plan.slots[-1],
                minutes=self.plan.minutes,
            )

    async def _check_room(
        self, conn: AsyncConnection, advisor_id: int, day: date, slot: str, but: int | None = None
    ) -> None:
        if await store.taken(conn, advisor_id, day, slot, but) >= self.plan.cars:
            staff = await accounts_store.get_user(conn, advisor_id)
            raise SlotFull(
                N_("%(advisor)s's %(slot)s slot on %(day)s is full (%(cars)d cars). Choose another time."),
                advisor=staff.label if staff else str(advisor_id),
                slot=slot,
                day=day.isoformat(),
                cars=self.plan.cars,
            )


async def _visible(conn: AsyncConnection, user: User, appointment_id: int) -> Appointment:
    found = await store.get(conn, appointment_id)
    if found is None:
        raise NotFound(NO_SUCH_APPOINTMENT)
    scope.require_visible(user, found.branch_id, NO_SUCH_APPOINTMENT)
    return found


async def _advisor(
    conn: AsyncConnection, branch: int, asked: int | None, customers_own: int | None, user: User
) -> int:
    """The advisor asked for (checked), else the customer's own while they are active staff of the
    branch, else whoever books it."""
    if asked is not None:
        await scope.require_staff(conn, branch, asked, "advisor_id")
        return asked
    if customers_own is not None:
        try:
            await scope.require_staff(conn, branch, customers_own, "advisor_id")
            return customers_own
        except ValidationError:
            pass
    return user.id


async def _check_vehicle(
    conn: AsyncConnection, branch: int, customer_id: int, vehicle_id: int | None
) -> None:
    if vehicle_id is None:
        return
    vehicle = await vehicle_store.get_vehicle(conn, vehicle_id)
    linked = vehicle is not None and any(link.customer_id == customer_id for link in vehicle.links)
    if vehicle is None or vehicle.branch_id != branch or not linked:
        raise ValidationError("vehicle_id", N_("No such vehicle of this customer."))


async def _service(conn: AsyncConnection, item_id: int | None, words: str) -> str:
    """What the car comes for: the words given, else the catalogue item's name; one of them is needed."""
    if item_id is not None:
        item = (await visit_store.catalogue_items(conn, [item_id])).get(item_id)
        if item is None or not item.active:
            raise ValidationError("service_item_id", N_("No such service in the catalogue."))
        return words or item.name
    if not words:
        raise ValidationError("service", N_("Say what the car comes for: pick a service or write it."))
    return words


def _check_status(current: Appointment, status: AppointmentStatus, moving: bool) -> None:
    if status != current.status and status not in NEXT_STATUSES[current.status]:
        raise Conflict(
            N_("An appointment that is %(status)s cannot become %(new)s."),
            status=current.status.value,
            new=status.value,
        )
    movable = (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW)  # a missed one is booked again
    if moving and (current.status not in movable or status != AppointmentStatus.BOOKED):
        raise Conflict(N_("Only a booked appointment can be moved."))


def _fields(found: Appointment) -> dict[str, Any]:
    return {name: getattr(found, name) for name in CHANGEABLE}


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationError(unknown[0], N_("%(what)s cannot be changed here."), what=unknown[0])
    checked = dict(changes)
    if "service" in checked:
        checked["service"] = clean_text(checked["service"])
        if len(checked["service"]) > MAX_SERVICE:
            raise ValidationError("service", N_("At most %(count)d characters."), count=MAX_SERVICE)
    if "note" in checked:
        checked["note"] = checked["note"].strip()
        if len(checked["note"]) > MAX_NOTE:
            raise ValidationError("note", N_("At most %(count)d characters."), count=MAX_NOTE)
    if "status" in checked:
        checked["status"] = AppointmentStatus(checked["status"])
    return checked


def _column(value: Any) -> Any:
    return value.value if isinstance(value, AppointmentStatus) else value
