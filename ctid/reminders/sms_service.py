"""SMS to customers: who gets it (a customer's mobile, or a number typed in), whether they may (opt-outs,
mobiles only), and the history with names. Above messaging, which knows no customers: this layer finds the
numbers in the CRM and hands the outbox finished messages.

Every call checks the user's permission and branch again (the routes do too): another branch's customer or
message is 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import store as accounts
from ctid.accounts.branch_scope import narrowed, visible
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit.models import Actor
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from ctid.core.paging import Page, PageRequest
from ctid.core.phone import PhoneNormaliser
from ctid.crm import customer_store
from ctid.crm import store as crm_store
from ctid.crm.customers import CustomerRecords, visible_record
from ctid.crm.models import ContactType
from ctid.crm.record_models import CustomerFilter, CustomerRecord
from ctid.messaging import sms_text
from ctid.messaging.models import NewSms, Purpose, SmsFilter, SmsMessage
from ctid.messaging.numbers import Unreachable, why_not_sms
from ctid.messaging.outbox import NO_SUCH_SMS, SmsOutbox
from ctid.messaging.template_service import SmsTemplates
from ctid.messaging.templates import SAMPLE, check_text, placeholders, render
from ctid.reminders.models import OPT_OUT_OF, ReminderType
from ctid.storage.db import Database

BULK_PAGE = 200
MAX_BULK = 5000  # customers of one bulk SMS: a day of a modem at 6 a minute is 8,640
OPTED_OUT = N_("This customer asked for no SMS.")
NUMBER_OPTED_OUT = N_("This number asked for no SMS.")
UNREACHABLE = {
    Unreachable.INVALID: N_("This is not a valid phone number."),
    Unreachable.LANDLINE: N_("This number is not a mobile: it cannot take an SMS."),
}


@dataclass(frozen=True)
class SmsRequest:
    """One SMS a person sends: to ``customer_id`` (their first mobile, or ``number`` if it is one of theirs)
    or to a ``number`` typed in; the ``text`` as written (templates fill it before this)."""

    text: str
    customer_id: int | None = None
    number: str | None = None
    purpose: Purpose = Purpose.SERVICE
    topic: str | None = None  # a ReminderType value: what it is about
    template_key: str | None = None
    template_code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)

    def message(self, branch_id: int, number: str, created_by: int, text: str | None = None) -> NewSms:
        """The outbox's message of this request, to ``number`` (``text``: as checked, else as written)."""
        return NewSms(
            branch_id=branch_id,
            number=number,
            text=self.text if text is None else text,
            purpose=self.purpose,
            customer_id=self.customer_id,
            template_key=self.template_key,
            template_code=self.template_code,
            params=self.params,
            topic=self.topic,
            created_by=created_by,
        )


@dataclass(frozen=True)
class TemplateRequest:
    """A message written from a template: its ``key`` and the values the caller gives (they win over what
    the CRM knows: the customer's name, their first vehicle's plate, their advisor, the shop)."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    """What the sender sees while writing: the text as it goes, its length in the encoding's units, the
    encoding (gsm7 or ucs2) and the number of parts; ``sampled`` the placeholders filled with samples."""

    text: str
    length: int
    encoding: str
    parts: int
    sampled: tuple[str, ...] = ()


def preview_of(text: str, sampled: tuple[str, ...] = ()) -> Preview:
    counted = sms_text.count(text)
    return Preview(text, counted.length, counted.encoding.value, counted.parts, sampled)


@dataclass(frozen=True)
class Skipped:
    """A customer of a bulk SMS who gets none, and why: ``no_mobile`` (their numbers, each a landline or
    invalid, are listed), ``opted_out``."""

    customer_id: int
    name: str
    reason: str
    numbers: tuple[tuple[str, str], ...] = ()  # (number as written, why it takes no SMS)


@dataclass(frozen=True)
class Bulk:
    """A bulk SMS to a search, counted (``queued`` 0 when it was only looked at) with a sample."""

    recipients: int
    queued: int
    skipped: tuple[Skipped, ...]
    sample: str | None  # the first recipient's text
    capped: bool  # the search has more than MAX_BULK customers: only the first are sent to


@dataclass(frozen=True)
class SmsEntry:
    """A message as the history shows it: with the customer's and the operator's names."""

    message: SmsMessage
    customer_name: str | None
    operator_name: str | None


class SmsService:
    def __init__(
        self,
        db: Database,
        outbox: SmsOutbox,
        templates: SmsTemplates,
        records: CustomerRecords,
        normaliser: PhoneNormaliser,
        shop: str = "",
    ) -> None:
        self._records = records
        self._db = db
        self._outbox = outbox
        self._templates = templates
        self._normaliser = normaliser
        self._shop = shop

    async def written(
        self,
        user: User,
        template: TemplateRequest,
        customer_id: int | None,
        number: str | None = None,
        purpose: Purpose | None = None,
    ) -> SmsRequest:
        """The request a template makes for this customer (or for a number: only the given values and the
        shop): rendered, with the template's provider code and the values it used, its purpose (a preset
        for a reminder is marketing, an appointment's confirmation service) and topic."""
        found = await self._templates.usable(template.key)
        values = dict(template.values)
        if customer_id is not None:
            async with self._db.connect() as conn:
                values = {**await self._customer_values(conn, user, customer_id), **values}
        values.setdefault("shop", self._shop)
        text = render(found.text, values)
        used = {name: values[name] for name in placeholders(found.text)}
        default = Purpose.MARKETING if found.reminder_type else Purpose.SERVICE
        return SmsRequest(
            text=text,
            customer_id=customer_id,
            number=number,
            purpose=purpose or default,
            topic=found.reminder_type,
            template_key=found.key,
            template_code=found.provider_code,
            params=used,
        )

    async def preview(
        self,
        user: User,
        text: str | None,
        template: TemplateRequest | None,
        customer_id: int | None,
        template_text: str | None = None,
    ) -> Preview:
        """The text as it would go (a template rendered for the customer, placeholders nobody filled taken
        from samples) with its length, encoding and parts. ``template_text``: a template not saved yet (the
        templates page, while an admin writes it), filled as a saved one would be."""
        _require(user, Permission.SMS_SEND)
        if template_text is not None:
            check_text(template_text, "template_text")
            return self._filled(template_text, {"shop": self._shop})
        if template is None:
            return preview_of((text or "").strip())
        found = await self._templates.usable(template.key)
        values = dict(template.values)
        if customer_id is not None:
            async with self._db.connect() as conn:
                values = {**await self._customer_values(conn, user, customer_id), **values}
        values.setdefault("shop", self._shop)
        return self._filled(found.text, values)

    @staticmethod
    def _filled(text: str, values: Mapping[str, str]) -> Preview:
        sampled = tuple(n for n in placeholders(text) if not values.get(n, "").strip() and n in SAMPLE)
        return preview_of(render(text, {**values, **{n: SAMPLE[n] for n in sampled}}), sampled)

    async def bulk(
        self,
        actor: Actor,
        user: User,
        where: CustomerFilter,
        text: str | None,
        template: TemplateRequest | None,
        send: bool,
    ) -> Bulk:
        """A marketing SMS to every customer of a search (the customer list's filters) with a mobile who did
        not opt out: their first mobile. ``send`` false counts and lists without queueing anything."""
        _require(user, Permission.SMS_BULK)
        messages: list[NewSms] = []
        skipped: list[Skipped] = []
        names: dict[int, str] = {}
        capped = False
        for number in range(1, MAX_BULK // BULK_PAGE + 1):
            page = await self._records.page(user, replace(where, page=PageRequest(number, BULK_PAGE)))
            names.update({r.customer.id: r.customer.name for r in page.items})
            messages += [
                m for r in page.items if (m := await self._bulk_one(user, r, text, template, skipped))
            ]
            capped = page.total > MAX_BULK
            if number >= page.pages:
                break
        async with self._db.connect() as conn:
            refused = await customer_store.customers_opted_out(
                conn,
                [m.customer_id for m in messages if m.customer_id],
                (ContactType.SMS, ContactType.MARKETING),
            )
        skipped += [Skipped(i, names.get(i, ""), "opted_out") for i in sorted(refused)]
        messages = [m for m in messages if m.customer_id not in refused]
        queued = len(await self._outbox.queue(actor, messages)) if send and messages else 0
        sample = messages[0].text if messages else None
        return Bulk(len(messages), queued, tuple(skipped), sample, capped)

    async def _bulk_one(
        self,
        user: User,
        record: CustomerRecord,
        text: str | None,
        template: TemplateRequest | None,
        skipped: list[Skipped],
    ) -> NewSms | None:
        customer = record.customer
        mobiles = [p.e164 for p in record.phones if p.e164 and why_not_sms(p.e164) is None]
        if not mobiles:
            reasons = tuple((p.number, str(why_not_sms(p.e164) or "")) for p in record.phones)
            skipped.append(Skipped(customer.id, customer.name, "no_mobile", reasons))
            return None
        if template is not None:
            request = await self.written(user, template, customer.id, purpose=Purpose.MARKETING)
        else:
            request = SmsRequest(text=text or "", customer_id=customer.id, purpose=Purpose.MARKETING)
        return request.message(customer.branch_id, mobiles[0], user.id)

    async def _customer_values(self, conn: AsyncConnection, user: User, customer_id: int) -> dict[str, str]:
        record = await visible_record(conn, user, customer_id)
        values = {"customer": record.customer.name}
        vehicles = await conn.run_sync(crm_store.vehicles, customer_id)
        if vehicles:
            values["plate"] = vehicles[0].plate
        if (advisor := record.customer.assigned_user_id) is not None:
            found = await accounts.users_by_ids(conn, {advisor})
            if advisor in found:
                values["advisor"] = found[advisor].label
        return values

    async def send(self, actor: Actor, user: User, request: SmsRequest) -> SmsEntry:
        _require(user, Permission.SMS_SEND)
        async with self._db.connect() as conn:
            new = await self._addressed(conn, user, request)
        [message] = await self._outbox.queue(actor, [new])
        return (await self._named([message]))[0]

    async def history(self, user: User, where: SmsFilter, page: PageRequest) -> Page[SmsEntry]:
        """The branch's messages, newest first; a customer's only when that customer is the user's to see."""
        _require(user, Permission.SMS_SEND)
        if where.customer_id is not None:
            async with self._db.connect() as conn:
                await visible_record(conn, user, where.customer_id)
        where = replace(where, branch_id=narrowed(user, where.branch_id))
        if where.number:
            where = replace(where, number=self._normaliser.normalise(where.number).e164 or where.number)
        found = await self._outbox.search(where, page)
        return Page(await self._named(found.items), found.total, found.request)

    async def get(self, user: User, message_id: int) -> SmsEntry:
        _require(user, Permission.SMS_SEND)
        message = await self._outbox.get(message_id)
        if not visible(user, message.branch_id):
            raise NotFound(NO_SUCH_SMS)
        return (await self._named([message]))[0]

    async def resend(self, actor: Actor, user: User, message_id: int) -> SmsEntry:
        """An ``unknown`` or ``failed`` message sent again, by a person who looked."""
        await self.get(user, message_id)
        message = await self._outbox.resend(actor, message_id)
        return (await self._named([message]))[0]

    async def _addressed(self, conn: AsyncConnection, user: User, request: SmsRequest) -> NewSms:
        text = request.text.strip()
        if not text:
            raise ValidationError("text", N_("%(what)s is required."), what="text")
        if request.customer_id is not None:
            record = await visible_record(conn, user, request.customer_id)
            number = self._customer_number(record, request.number)
            _check_opt_outs(record, request)
            branch = record.customer.branch_id
        else:
            number = self._typed_number(request.number)
            if await customer_store.numbers_opted_out(conn, [number], ContactType.SMS):
                raise Conflict(NUMBER_OPTED_OUT)
            branch = user.branch_id
        return request.message(branch, number, user.id, text)

    def _customer_number(self, record: CustomerRecord, chosen: str | None) -> str:
        """The chosen number (one of theirs, a mobile) or their first mobile."""
        theirs = [p.e164 for p in record.phones if p.e164]
        if chosen:
            number = self._typed_number(chosen)
            if number not in theirs:
                raise ValidationError("number", N_("This is not one of the customer's numbers."))
            return number
        mobiles = [n for n in theirs if why_not_sms(n) is None]
        if not mobiles:
            raise ValidationError("customer_id", N_("This customer has no mobile number."))
        return mobiles[0]

    def _typed_number(self, raw: str | None) -> str:
        if not raw:
            raise ValidationError("number", N_("%(what)s is required."), what="number")
        e164 = self._normaliser.normalise(raw).e164
        if (why := why_not_sms(e164)) is not None:
            raise ValidationError("number", UNREACHABLE[why])
        assert e164 is not None
        return e164

    async def _named(self, messages: list[SmsMessage]) -> list[SmsEntry]:
        customer_ids = sorted({m.customer_id for m in messages if m.customer_id is not None})
        user_ids = {m.created_by for m in messages if m.created_by is not None}
        async with self._db.connect() as conn:
            names = await conn.run_sync(crm_store.names, customer_ids) if customer_ids else {}
            users = await accounts.users_by_ids(conn, user_ids) if user_ids else {}
        return [
            SmsEntry(
                m,
                names.get(m.customer_id) if m.customer_id is not None else None,
                users[m.created_by].label if m.created_by in users else None,
            )
            for m in messages
        ]


def _check_opt_outs(record: CustomerRecord, request: SmsRequest) -> None:
    """No SMS to a customer who refused SMS; no marketing about what they refused (an insurance reminder to
    one who said "no insurance calls")."""
    refused = {o.contact_type for o in record.opt_outs}
    if ContactType.SMS in refused:
        raise Conflict(OPTED_OUT)
    if request.purpose is not Purpose.MARKETING:
        return
    kind = ContactType.MARKETING
    if request.topic in set(ReminderType):
        kind = OPT_OUT_OF[ReminderType(request.topic)]
    if kind in refused:
        raise Conflict(N_("This customer asked not to be contacted about this."))


def _require(user: User, permission: Permission) -> None:
    if not allows(user, permission):
        raise PermissionDenied(N_("You are not allowed to do this."))
