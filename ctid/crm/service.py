"""The customer directory: who is calling (``match``), their card (``card``), and a new customer from the pop.

``match`` runs on every ring, before the second one: one indexed query in one hop to a reader thread
(``Database.read``), nothing else. ``card`` reads every part of a card in one hop too. ``create_customer``
checks the form before opening the transaction, then writes the customer, its phones, its vehicle and the
audit entry together.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store as accounts
from ctid.accounts.models import Role
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm import customer_store, scope, search_store, store
from ctid.crm.due_dates import due_reminders
from ctid.crm.history import auditable, diff, record_change
from ctid.crm.models import ContactType, Customer, CustomerCard, CustomerKind, CustomerSummary, VehicleStatus
from ctid.crm.new_customer import (
    CHANGEABLE,
    MAX_PHONES,
    CheckedCustomer,
    NewCustomer,
    NewVehicle,
    check,
    check_changes,
)
from ctid.crm.shared_phone import MAX_NAMED, PhoneShared
from ctid.storage.db import Database

LAST_VISITS = 5
PLATE_TAKEN = N_("Someone else just added this plate. Try again.")


class CustomerDirectory:
    def __init__(
        self,
        db: Database,
        normaliser: PhoneNormaliser,
        *,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._normaliser = normaliser
        self._timezone = ZoneInfo(timezone)
        self._clock = clock

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    def today(self) -> date:
        """The dealership's date (due dates and birthdays are local days, not UTC ones)."""
        return self._clock().astimezone(self._timezone).date()

    async def match(self, e164: str, branch_id: int | None = None) -> list[CustomerSummary]:
        """Every customer with this number (a switchboard or a family shares one), last seen first; of one
        branch when given. Read as the pop reads it (Database.read_here: on the loop when the file is kept
        in memory)."""
        return await self._db.read_here(store.match, e164, branch_id)

    async def refusing(self, e164: str, branch_id: int | None, kind: ContactType) -> list[str]:
        """The names of the customers with this number (of one branch when given) who refused ``kind``:
        what a dial about it must not ignore. Their opt-outs alone, not their whole cards."""
        return await self._db.read(_refusing, e164, branch_id, kind)

    async def card(self, customer_id: int, today: date) -> CustomerCard:
        """Everything the operator needs on the screen before picking up; NotFound if there is no such
        customer (deleted between the match and the card)."""
        card = await self._db.read(_read_card, customer_id, today)
        if card is None:
            raise NotFound(N_("No such customer."))
        return card

    async def names(self, ids: Collection[int]) -> dict[int, str]:
        """Customers' names by id (for lists of calls)."""
        return await self._db.read(store.names, sorted(ids)) if ids else {}

    async def create_customer(self, actor: Actor, new: NewCustomer) -> CustomerCard:
        """Create a customer from the pop's form; audited in the same transaction. Returns its card."""
        checked = check(new, self._normaliser)
        try:
            async with self._db.begin() as conn:
                if not new.confirm_shared_phone:
                    await _refuse_shared_phone(conn, actor, checked)
                customer_id = await self.insert_customer(conn, actor, checked)
        except IntegrityError:  # the same plate added at the same moment by another operator
            raise Conflict(PLATE_TAKEN) from None
        return await self.card(customer_id, self.today())

    async def add_phone(self, actor: Actor, customer_id: int, number: str, confirm_shared: bool) -> bool:
        """A customer calling from a new phone: ``number`` joins their phones, so the next call from it pops
        them. False when they have it already. Checked and audited as a change of the customer's phones is
        (``customer.update``); a number another customer of the branch has is asked about first
        (``PhoneShared``, as for a new customer), after the branch check."""
        phone = check_changes({"phones": [number]}, self._normaliser)["phones"][0]
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            customer = await customer_store.get_customer(conn, customer_id)
            if customer is None:
                raise NotFound(N_("No such customer."))
            await _require_branch(conn, actor, customer.branch_id)
            phones = tuple(await customer_store.phones(conn, customer_id))
            if any(p.e164 == phone.e164 for p in phones):
                return False
            if len(phones) >= MAX_PHONES:
                raise ValidationError("phones", N_("At most %(count)d phone numbers."), count=MAX_PHONES)
            if not confirm_shared:
                holders = await store.phone_holders(conn, customer.branch_id, [phone.e164], MAX_NAMED + 1)
                if holders:
                    raise PhoneShared(holders)
            after = (*phones, phone)
            change = diff({"phones": phones}, {"phones": after})
            await record_change(conn, actor, "customer.update", ("customer", customer_id), now, change)
            await customer_store.replace_phones(conn, customer_id, after)
            await customer_store.update_customer(conn, customer_id, {"updated_at": now})
            await search_store.refresh(conn, [customer_id])
        return True

    async def insert_customer(self, conn: AsyncConnection, actor: Actor, checked: CheckedCustomer) -> int:
        """A checked new customer (phones, vehicle, search index, audit) in the caller's transaction: a won
        prospect's customer commits with the prospect's change of status, or not at all. Returns its id;
        an IntegrityError is a plate someone else just added (``PLATE_TAKEN``)."""
        now = self._clock()
        await _require_branch(conn, actor, checked.branch_id)
        await scope.require_staff(conn, checked.branch_id, checked.assigned_user_id, "assigned_user_id")
        customer = await store.insert_customer(conn, _customer_values(checked, now))
        await store.insert_phones(conn, customer.id, checked.phones)
        if checked.vehicle is not None:
            await _give_vehicle(conn, customer, checked.vehicle, now)
        await search_store.refresh(conn, [customer.id])
        await audit.record(
            conn, actor, "customer.create", ("customer", customer.id), now, after=_audit(checked)
        )
        return customer.id


def identify(
    conn: Connection, e164: str, today: date, branch_id: int
) -> tuple[list[CustomerSummary], CustomerCard | None]:
    """``match`` in the line's branch and, when exactly one customer has the number, their card: part of
    the pop's one read (ctid.screenpop.lookup), which runs it in a reader thread with the recent calls."""
    found = store.match(conn, e164, branch_id)
    return found, _read_card(conn, found[0].id, today) if len(found) == 1 else None


def _refusing(conn: Connection, e164: str, branch_id: int | None, kind: ContactType) -> list[str]:
    return [c.name for c in store.match(conn, e164, branch_id) if kind.value in store.opted_out(conn, c.id)]


def _read_card(conn: Connection, customer_id: int, today: date) -> CustomerCard | None:
    """The whole card in one go (it runs in a reader thread: one hop for all of its queries)."""
    customer = store.get_customer(conn, customer_id)
    if customer is None:
        return None
    vehicles = store.vehicles(conn, customer.id)
    visits = store.last_visits(conn, customer.id, LAST_VISITS)
    birthday = customer.birthday if customer.kind == CustomerKind.PERSON else None
    return CustomerCard(
        id=customer.id,
        name=customer.name,
        kind=customer.kind,
        branch_id=customer.branch_id,
        gender=customer.gender,
        level=customer.level,
        birthday=customer.birthday,
        notes=customer.notes,
        phones=tuple(store.phones(conn, customer.id)),
        vehicles=tuple(vehicles),
        last_visits=tuple(visits),
        open_follow_ups=tuple(store.open_follow_ups(conn, customer.id)),
        due_reminders=due_reminders(vehicles, birthday, today, customer.birthday_lunar),
        address=customer.address,
        tags=customer.tags,
        opt_outs=tuple(store.opted_out(conn, customer.id)),
        birthday_lunar=customer.birthday_lunar,
        email=customer.email,
    )


async def _refuse_shared_phone(conn: AsyncConnection, actor: Actor, checked: CheckedCustomer) -> None:
    """PhoneShared when another customer of the branch has one of the numbers (ctid.crm.shared_phone);
    after the branch check, so that nobody learns the names of another branch's customers."""
    await _require_branch(conn, actor, checked.branch_id)
    e164s = [phone.e164 for phone in checked.phones if phone.e164]
    if holders := await store.phone_holders(conn, checked.branch_id, e164s, MAX_NAMED + 1):
        raise PhoneShared(holders)


async def _require_branch(conn: AsyncConnection, actor: Actor, branch_id: int) -> None:
    """The branch exists, and a user other than an admin works in it (the service checks too, so the API
    cannot do what the console would not)."""
    if await accounts.get_branch(conn, branch_id) is None:
        raise ValidationError("branch_id", N_("No such branch."))
    if actor.user_id is None:
        return
    user = await accounts.get_user(conn, actor.user_id)
    if user is None or not allows(user, Permission.CRM_EDIT):
        raise PermissionDenied(N_("You are not allowed to do this."))
    if user.role != Role.ADMIN and user.branch_id != branch_id:
        raise PermissionDenied(N_("You are not allowed to do this."))


async def _give_vehicle(
    conn: AsyncConnection, customer: Customer, vehicle: NewVehicle, now: datetime
) -> None:
    """Link the branch's vehicle with this plate, or create it (its details stay as they were if known)."""
    vehicle_id = await store.vehicle_id_by_plate(conn, customer.branch_id, vehicle.plate)
    if vehicle_id is None:
        values = {
            "branch_id": customer.branch_id,
            "plate": vehicle.plate,
            "brand": vehicle.brand,
            "model": vehicle.model,
            "status": VehicleStatus.ACTIVE.value,
            "created_at": now,
            "updated_at": now,
        }
        vehicle_id = await store.insert_vehicle(conn, values)
    await store.link_vehicle(conn, customer.id, vehicle_id, vehicle.role)


def _customer_values(checked: CheckedCustomer, now: datetime) -> dict[str, Any]:
    return {
        "branch_id": checked.branch_id,
        "kind": checked.kind.value,
        "name": checked.name,
        "gender": checked.gender.value if checked.gender else None,
        "level": checked.level,
        "source": checked.source,
        "notes": checked.notes,
        "address": checked.address,
        "industry": checked.industry,
        "tags": "\n".join(checked.tags),
        "birthday": checked.birthday,
        "licence_review_on": checked.licence_review_on,
        "birthday_lunar": checked.birthday_lunar,
        "email": checked.email,
        "assigned_user_id": checked.assigned_user_id,
        "created_at": now,
        "updated_at": now,
    }


def _audit(checked: CheckedCustomer) -> dict[str, Any]:
    """The new customer's fields that were given (a blank one is no news), phones by E.164."""
    after: dict[str, Any] = {
        "name": checked.name,
        "kind": checked.kind.value,
        "branch_id": checked.branch_id,
        "phones": [phone.e164 for phone in checked.phones],
    }
    given = {name: getattr(checked, name) for name in CHANGEABLE if name not in after}
    kept = {k: v for k, v in given.items() if v not in (None, "", ()) and v is not False}  # no news
    after.update(auditable(kept))
    if checked.vehicle is not None:
        after["vehicle"] = {"plate": checked.vehicle.plate, "role": checked.vehicle.role.value}
    return after
