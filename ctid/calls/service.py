"""The call log as a component: line events in, one row per call out.

Events reach it through its own bounded queue (a slow disk never holds up the line that publishes), and
are written in order, one short transaction per stage. At start, calls a killed daemon left open are
closed with the reason "daemon restart", so the log never shows a call ringing forever; they end when the
last run was last alive (``lifecycle.Heartbeat``), so their duration is what was heard, not the downtime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.branch_scope import narrowed
from ctid.accounts.models import User
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.calls import store, wrap_up_store
from ctid.calls.attribution import NOTE
from ctid.calls.events import CallHandled, CallMatched
from ctid.calls.models import Call, CallFilter
from ctid.calls.wrap_up import usable
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.core.events import Event, EventBus, EventQueue
from ctid.core.paging import Page
from ctid.core.phone import PhoneNormaliser
from ctid.lineplan.source import LinePlanSource
from ctid.storage.db import Database
from ctid.voicecard.callerid import CallerId
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallDialing,
    CallEnded,
    CallEvent,
    CallFailed,
    CallIdentified,
    CallIdUpdated,
    CallMissed,
    CallRinging,
)

log = logging.getLogger(__name__)
QUEUE_SIZE = 10_000
DRAIN_S = 2.0
MAX_NOTE = 2000


@dataclass(frozen=True)
class _Stop(Event):
    """Queued last at stop: everything before it is written first."""


class CallLog:
    name = "call log"

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        normaliser: PhoneNormaliser,
        clock: Callable[[], datetime] = utcnow,
        last_alive: datetime | None = None,
        plan: LinePlanSource | None = None,
    ) -> None:
        self._db = db
        self._plan = plan  # None: no line is any branch's (only admins see calls)
        self._last_alive = last_alive  # when a killed last run was last alive (its heartbeat)
        self._bus = bus
        self._normaliser = normaliser
        self._clock = clock
        self._queue: EventQueue | None = None
        self._task: asyncio.Task[None] | None = None
        self._known: set[str] = set()

    async def start(self) -> None:
        now, last_alive = self._clock(), self._last_alive
        closed = await self._db.write(
            lambda conn: store.close_unfinished(conn, now, "daemon restart", last_alive),
            "the calls left open by the last run",
        )
        if closed:
            when = f"last alive at {self._last_alive:%Y-%m-%d %H:%M:%S} UTC" if self._last_alive else "now"
            log.warning("closed %d call(s) left open by the last run (ended: %s)", closed, when)
        self._queue = self._bus.queue(CallEvent, maxsize=QUEUE_SIZE)
        self._task = asyncio.create_task(self._run(self._queue), name="call-log")

    async def stop(self) -> None:
        """Write what is queued (for up to DRAIN_S), then stop."""
        if self._queue is None or self._task is None:
            return
        self._queue.close()
        self._queue.put(_Stop())
        try:
            await asyncio.wait_for(asyncio.shield(self._task), DRAIN_S)
        except TimeoutError:
            log.error("the call log could not write everything within %.0f s", DRAIN_S)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        if self._queue.dropped:
            log.error("the call log dropped %d event(s): the database was too slow", self._queue.dropped)

    async def _run(self, queue: EventQueue) -> None:
        while not isinstance(event := await queue.get(), _Stop):
            if not isinstance(event, CallEvent):
                continue
            try:
                await self.record(event)
            except Exception:
                log.exception("could not log %s for call %s", type(event).__name__, event.call_id)

    async def record(self, event: CallEvent) -> None:
        """Write one stage of a call (public for tests and for replaying); a database that cannot take it
        (locked, disk full) is retried until it can, the later stages waiting behind in the queue."""
        values = self._values(event)

        async def write(conn: AsyncConnection) -> None:
            if event.call_id in self._known or await store.get_call(conn, event.call_id):
                if values:
                    await store.update_call(conn, event.call_id, values)
            else:
                await store.insert_call(conn, {**self._new_row(event), **values})
            if isinstance(event, CallHandled) and event.missed_by:
                await store.add_missed_by(conn, event.call_id, event.missed_by)

        await self._db.write(write, f"the call log ({type(event).__name__}, call {event.call_id})")
        if isinstance(event, CallEnded | CallHandled):
            self._known.discard(event.call_id)
        else:
            self._known.add(event.call_id)

    def _new_row(self, event: CallEvent) -> dict[str, Any]:
        direction = "outbound" if isinstance(event, CallDialing | CallConnected | CallFailed) else "inbound"
        if isinstance(event, CallEnded | CallHandled):
            direction = event.direction
        return {"id": event.call_id, "line": event.line, "direction": direction, "started_at": event.at}

    def _values(self, event: CallEvent) -> dict[str, Any]:
        match event:
            case CallRinging():
                return {"rings": event.ring_count}
            case CallIdentified() | CallIdUpdated():
                values = self._caller(event.caller_id)
                return {**values, "identified_at": event.at} if isinstance(event, CallIdentified) else values
            case CallAnswered():
                return {"answered_at": event.at, "outcome": "answered"}
            case CallConnected():
                return {"answered_at": event.at, "outcome": "connected"}
            case CallMissed():
                return {"outcome": "missed", "rings": event.rings}
            case CallDialing():
                return {
                    "number": event.number,
                    "number_e164": self._normaliser.normalise(event.number, dialed=True).e164,
                }
            case CallFailed():
                return {"outcome": event.failure}
            case CallMatched():
                return {"customer_id": event.customer_id}
            case CallHandled() if event.user_id is not None:
                return {"handled_by": event.user_id, "handled_how": event.how}
            case CallEnded():
                return {
                    "ended_at": event.at,
                    "outcome": event.outcome,
                    "end_reason": event.reason,
                    "rings": event.rings,
                    "duration_s": round(event.duration_s, 3),
                    "talk_s": None if event.talk_s is None else round(event.talk_s, 3),
                }
        return {}

    def _caller(self, caller_id: CallerId) -> dict[str, Any]:
        number = caller_id.number
        return {
            "number": number,
            "number_e164": self._normaliser.normalise(number).e164 if number else None,
            "name": caller_id.name,
            "reason": caller_id.reason,
        }

    async def search(self, user: User, where: CallFilter) -> Page[Call]:
        """The call log as this user may see it: the calls on their branch's lines; admins every call (a
        call on a line no longer configured too), or one branch's with ``where.branch_id``."""
        branch = narrowed(user, where.branch_id)
        lines = None if branch is None else await self.lines_in(branch)
        async with self._db.connect() as conn:
            return await store.search(conn, where, lines)

    async def lines_in(self, branch_id: int) -> list[str]:
        """The lines of a branch, whose calls are that branch's."""
        return [] if self._plan is None else (await self._plan.get()).lines_in(branch_id)

    async def recent_with(
        self, e164s: Collection[str], branch_id: int, limit: int = 5, before: str | None = None
    ) -> list[Call]:
        """The last calls with these numbers on the lines of one branch (a customer's card shows its own
        branch's calls only), leaving out the call ``before``."""
        lines = await self.lines_in(branch_id)
        return await self._db.read(store.recent_with, sorted(e164s), limit, before, lines)

    async def get(self, call_id: str) -> Call | None:
        async with self._db.connect() as conn:
            return await store.get_call(conn, call_id)

    async def missed_by(self, call_id: str) -> list[int]:
        """The operators a missed call counts against."""
        async with self._db.connect() as conn:
            return await store.missed_by(conn, call_id)

    async def missed(self, lines: Collection[str], since: datetime, limit: int = 50) -> list[Call]:
        """Missed calls on these lines that nobody has returned yet, newest first."""
        if not lines:
            return []
        async with self._db.connect() as conn:
            return await store.missed(conn, sorted(lines), since, limit)

    async def save_note(self, actor: Actor, call_id: str, note: str) -> Call:
        """The operator's note on a call (replacing the last one); audited with the text before and after."""
        text = clean_note(note)
        now = self._clock()
        async with self._db.begin() as conn:
            before = await store.get_call(conn, call_id)
            if before is None:
                raise NotFound(N_("No such call."))
            values: dict[str, Any] = {"note": text or None, "note_by": actor.user_id, "note_at": now}
            if before.handled_by is None and before.answered_at is not None and text:
                values |= {"handled_by": actor.user_id, "handled_how": NOTE}  # nobody else was sure
            await store.update_call(conn, call_id, values)
            entity = ("call", call_id)
            await audit.record(conn, actor, "call.note", entity, now, {"note": before.note}, {"note": text})
        return replace(before, **values)

    async def save_result(self, actor: Actor, call_id: str, result: str | None) -> Call:
        """The wrap-up result the operator gave the call (None: none after all); audited. A code must be in
        the list and not retired (422 naming ``result``), except the one the call already has."""
        now = self._clock()
        async with self._db.begin() as conn:
            before = await store.get_call(conn, call_id)
            if before is None:
                raise NotFound(N_("No such call."))
            if result is not None and result != before.result:
                usable(await wrap_up_store.find_code(conn, result))
            values = {"result": result, "result_by": actor.user_id, "result_at": now}
            await store.update_call(conn, call_id, values)
            change = ({"result": before.result}, {"result": result})
            await audit.record(conn, actor, "call.result", ("call", call_id), now, *change)
        return replace(before, result=result, result_by=actor.user_id, result_at=now)

    async def link_customer(self, actor: Actor, call_id: str, customer_id: int) -> None:
        """Say who called, when the operator knows better than the match (a new customer, one of several)."""
        async with self._db.begin() as conn:
            before = await store.get_call(conn, call_id)
            if before is None:
                raise NotFound(N_("No such call."))
            await store.update_call(conn, call_id, {"customer_id": customer_id})
            changed = ({"customer_id": before.customer_id}, {"customer_id": customer_id})
            await audit.record(conn, actor, "call.customer", ("call", call_id), self._clock(), *changed)


def clean_note(note: str) -> str:
    """A note as stored: trimmed, at most MAX_NOTE characters (ValidationError beyond)."""
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise ValidationError("note", N_("At most %(count)d characters."), count=MAX_NOTE)
    return text
