"""Customer records: list, read, create, change, opt-outs, change history.

Creating goes through the pop's own path (CustomerDirectory.create_customer), so a customer added from a
ringing call and one added in the records are checked and audited alike. Every change writes one audit
entry with exactly the fields that changed, in the change's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.core.paging import Page
from ctid.core.phone import PhoneNormaliser
from ctid.core.text import clean_text
from ctid.crm import customer_store as customers
from ctid.crm import scope, search_store
from ctid.crm.history import diff, read_history, record_change
from ctid.crm.models import ContactType, Customer
from ctid.crm.new_customer import CHANGEABLE, NewCustomer, check, check_changes
from ctid.crm.record_models import CustomerFilter, CustomerRecord, HistoryEntry
from ctid.crm.service import CustomerDirectory
from ctid.storage.db import Database

MAX_REASON = 200
NO_SUCH_CUSTOMER = N_("No such customer.")
SEARCHED = {"name", "kind", "phones"}  # the fields in the search index (ctid.crm.search_store)


class CustomerRecords:
    def __init__(
        self,
        db: Database,
        directory: CustomerDirectory,
        normaliser: PhoneNormaliser,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._directory = directory
        self._normaliser = normaliser
        self._clock = clock

    async def page(self, user: User, where: CustomerFilter) -> Page[CustomerRecord]:
        """A page of the customers the user may see, each with their phones."""
        scope.require(user, Permission.CRM_VIEW)
        where = replace(where, branch_id=scope.narrowed(user, where.branch_id))
        async with self._db.connect() as conn:
            page = await customers.list_customers(conn, where, self._directory.today())
            phones = await customers.phones_of(conn, [c.id for c in page.items])
        items = [CustomerRecord(c, tuple(phones.get(c.id, ()))) for c in page.items]
        return Page(items, page.total, page.request)

    async def get(self, user: User, customer_id: int) -> CustomerRecord:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            return await visible_record(conn, user, customer_id)

    async def create(self, actor: Actor, user: User, new: NewCustomer) -> CustomerRecord:
        """A new customer in the user's branch (admins: in the branch asked for, ``branch_id`` 0 meaning
        their own); with a plate, its vehicle too."""
        scope.require(user, Permission.CRM_EDIT)
        new = replace(new, branch_id=new.branch_id or user.branch_id)
        card = await self._directory.create_customer(actor, new)
        return await self.get(user, card.id)

    async def create_in(self, conn: AsyncConnection, actor: Actor, user: User, new: NewCustomer) -> int:
        """``create`` in the caller's transaction (a won prospect's customer); returns the customer's id."""
        scope.require(user, Permission.CRM_EDIT)
        checked = check(replace(new, branch_id=new.branch_id or user.branch_id), self._normaliser)
        return await self._directory.insert_customer(conn, actor, checked)

    async def update(
        self, actor: Actor, user: User, customer_id: int, changes: Mapping[str, Any]
    ) -> CustomerRecord:
        """Change the fields given (``phones`` replaces every phone); audited when anything changed."""
        scope.require(user, Permission.CRM_EDIT)
        checked = check_changes(changes, self._normaliser)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            record = await visible_record(conn, user, customer_id)
            if "assigned_user_id" in checked:
                branch = record.customer.branch_id
                await scope.require_staff(conn, branch, checked["assigned_user_id"], "assigned_user_id")
            change = diff(_fields(record), {**_fields(record), **checked})
            if await record_change(conn, actor, "customer.update", ("customer", customer_id), now, change):
                await _write(conn, customer_id, {k: checked[k] for k in change[1]}, now)
                if SEARCHED & set(change[1]):
                    await search_store.refresh(conn, [customer_id])
            return await visible_record(conn, user, customer_id)

    async def set_opt_outs(
        self, actor: Actor, user: User, customer_id: int, wanted: Mapping[ContactType, str]
    ) -> CustomerRecord:
        """Exactly these opt-outs (contact type -> reason); the others are lifted."""
        scope.require(user, Permission.CRM_EDIT)
        reasons = {kind: _reason(reason) for kind, reason in wanted.items()}
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            record = await visible_record(conn, user, customer_id)
            current = {o.contact_type.value: o.reason for o in record.opt_outs}
            proposed = {kind.value: reason for kind, reason in sorted(reasons.items())}
            change = diff({"opt_outs": current}, {"opt_outs": proposed})
            if await record_change(conn, actor, "customer.opt_outs", ("customer", customer_id), now, change):
                await customers.replace_opt_outs(conn, customer_id, reasons, now)
            return await visible_record(conn, user, customer_id)

    async def opt_out_number(self, actor: Actor, e164: str, kind: ContactType, reason: str) -> int:
        """Every customer with this number opts out of ``kind`` (a reply "TD" to an SMS: the number asked,
        whoever holds it); each change audited. Returns how many customers gained the opt-out."""
        now, added = self._clock(), 0
        async with self._db.begin(immediate=True) as conn:
            for customer_id in await customers.holders_of(conn, e164):
                current = {
                    o.contact_type.value: o.reason for o in await customers.opt_outs(conn, customer_id)
                }
                if kind.value in current:
                    continue
                await customers.add_opt_out(conn, customer_id, kind, reason, now)
                change = (
                    {"opt_outs": current},
                    {"opt_outs": dict(sorted({**current, kind.value: reason}.items()))},
                )
                entity = ("customer", customer_id)
                await audit.record(conn, actor, "customer.opt_outs", entity, now, *change)
                added += 1
        return added

    async def history(self, user: User, customer_id: int) -> list[HistoryEntry]:
        scope.require(user, Permission.CRM_VIEW)
        async with self._db.connect() as conn:
            await visible_record(conn, user, customer_id)
            return await read_history(conn, "customer", customer_id)


async def visible_record(conn: AsyncConnection, user: User, customer_id: int) -> CustomerRecord:
    """The customer with phones and opt-outs; NotFound outside the user's branch."""
    customer = await customers.get_customer(conn, customer_id)
    if customer is None:
        raise NotFound(NO_SUCH_CUSTOMER)
    scope.require_visible(user, customer.branch_id, NO_SUCH_CUSTOMER)
    phones = await customers.phones(conn, customer_id)
    return CustomerRecord(customer, tuple(phones), tuple(await customers.opt_outs(conn, customer_id)))


def _fields(record: CustomerRecord) -> dict[str, Any]:
    """The changeable fields as they are now, in the shape check_changes gives them."""
    customer: Customer = record.customer
    values = {name: getattr(customer, name) for name in CHANGEABLE if name != "phones"}
    return {**values, "phones": record.phones}


async def _write(conn: AsyncConnection, customer_id: int, changed: dict[str, Any], now: datetime) -> None:
    phones = changed.pop("phones", None)
    values = {name: _column(name, value) for name, value in changed.items()}
    await customers.update_customer(conn, customer_id, {**values, "updated_at": now})
    if phones is not None:
        await customers.replace_phones(conn, customer_id, phones)


def _column(name: str, value: Any) -> Any:
    if name == "tags":
        return "\n".join(value)
    if name in ("kind", "gender"):
        return value.value if value is not None else None
    return value


def _reason(value: str) -> str:
    reason = clean_text(value)
    if len(reason) > MAX_REASON:
        raise ValidationError("opt_outs", N_("At most %(count)d characters."), count=MAX_REASON)
    return reason
