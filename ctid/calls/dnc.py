"""The do-not-call list (不再呼叫): numbers the shop must not call, with why and since when. A campaign
skips them and a dial by hand from the console is refused, saying why; a supervisor may dial anyway, and
that is audited (``ctid.screenpop.console``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.calls import dnc_store
from ctid.calls.models import DncEntry
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, NotFound, PermissionDenied, ValidationError
from ctid.core.paging import Page, PageRequest
from ctid.core.phone import PhoneNormaliser
from ctid.storage.db import Database

REASON_LIMIT = 200


class DoNotCall:
    def __init__(
        self, db: Database, normaliser: PhoneNormaliser, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = db
        self._normaliser = normaliser
        self._clock = clock

    async def add(self, actor: Actor, user: User, raw: str, reason: str) -> DncEntry:
        """A number on the list (409 when it is on it already); audited."""
        _require(user)
        number = self.e164(raw)
        if len(reason) > REASON_LIMIT:
            raise ValidationError(
                "reason",
                N_("%(field)s must be at most %(count)d characters."),
                field="reason",
                count=REASON_LIMIT,
            )
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            if not await dnc_store.add(conn, number, reason.strip(), now, user.id):
                raise Conflict(N_("%(number)s is on the do-not-call list already."), number=raw)
            await audit.record(conn, actor, "dnc.add", ("dnc", number), now, after={"reason": reason.strip()})
        return DncEntry(number, reason.strip(), now, user.id)

    async def remove(self, actor: Actor, user: User, raw: str) -> None:
        _require(user)
        number = self.e164(raw)
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            before = await dnc_store.entry(conn, number)
            if before is None or not await dnc_store.remove(conn, number):
                raise NotFound(N_("%(number)s is not on the do-not-call list."), number=raw)
            await audit.record(
                conn, actor, "dnc.remove", ("dnc", number), now, before={"reason": before.reason}
            )

    async def page(self, user: User, request: PageRequest) -> Page[DncEntry]:
        """The list, newest first: everyone who dials may read it (the refusals name it anyway)."""
        async with self._db.connect() as conn:
            found, total = await dnc_store.entries(conn, request.per_page, request.offset)
        return Page(found, total, request)

    async def entry(self, number_e164: str) -> DncEntry | None:
        """The number's entry, if it is on the list: what a dial checks."""
        async with self._db.connect() as conn:
            return await dnc_store.entry(conn, number_e164)

    async def overridden(self, actor: Actor, number_e164: str, why: list[str]) -> None:
        """A supervisor dialled a number the list or an opt-out refuses: audited with why it was refused."""
        now = self._clock()
        async with self._db.begin(immediate=True) as conn:
            await audit.record(
                conn, actor, "call.override", ("number", number_e164), now, after={"refused": why}
            )

    def e164(self, raw: str) -> str:
        number = self._normaliser.normalise(raw)
        if number.e164 is None:
            raise ValidationError("number", N_("%(number)s is not a phone number."), number=raw)
        return number.e164


def _require(user: User) -> None:
    if not allows(user, Permission.CAMPAIGNS_MANAGE):
        raise PermissionDenied(N_("You are not allowed to do this."))
