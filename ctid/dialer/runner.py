"""The runner: a task per running campaign that dials its contacts through the shop's lines, follows each
call to its result and settles the contact; and the one place a result is recorded, whoever gives it (the
modem, an operator's wrap-up, a broadcast's DTMF answer).

A campaign's task wakes when something may let it call: a line coming free (the lines' events), an operator
becoming ready (progressive), a retry or a call back falling due (it sleeps until the earliest), calling
hours opening (``hours.next_open``), a change of the campaign (``CampaignChanged``). Each time it asks the
pure decisions what to do now (``pacing.calls_to_start``; ``eligibility.why_not`` for each due contact with
the lists as they are at that moment: ``checks.contact_views``), so the live page and the runner never
disagree about why a contact is not being dialled.

The safety rules, and where each is kept:

- never two attempts at one contact: ``store.claim`` (a conditional update) before each dial;
- never outside calling hours: asked at every step, in the site's time, with the clock given;
- never a line that rings or is in a call: only an idle line is free (``LineInfo.status`` "up"), and a RING
  between the choice and the dial makes ``dial`` refuse (``LineBusyError``): the contact goes back to
  pending without using an attempt and the attempt's row is dropped (nothing was dialled);
- a crash: the attempt's row is written before the dial, so a restart finds it without an end and
  ``Campaigns.recover`` marks it unknown; its contact waits its retry delay (``next_try_at``), which the
  runner honours as any other; a paused campaign's state is a row, so it stays paused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts.agents import AgentStateChanged
from ctid.accounts.models import User
from ctid.accounts.permissions import Permission, allows
from ctid.audit import store as audit
from ctid.audit.models import Actor
from ctid.calls.handlers import CallHandlers
from ctid.core.clock import utcnow
from ctid.core.errors import N_, Conflict, CtidError, NotFound, PermissionDenied, ValidationError
from ctid.core.events import EventBus, Unsubscribe
from ctid.core.phone import PhoneNormaliser, PhoneNumber
from ctid.core.tasks import TaskSet
from ctid.crm import customer_store, scope
from ctid.dialer import store
from ctid.dialer.checks import UNKNOWN_TOPIC, contact_views
from ctid.dialer.eligibility import CampaignView, Resources, why_not
from ctid.dialer.events import CampaignAttemptEnded, CampaignCallPlaced, CampaignChanged, CampaignLineOut
from ctid.dialer.hours import KindOf, closed_at, next_open
from ctid.dialer.line_health import FAULTS_IN_A_ROW, sick
from ctid.dialer.lookup import campaign_contact, visible_campaign
from ctid.dialer.models import LINE_FAULTS, AttemptResult, CampaignMode, CampaignState, ContactStatus, WhyNot
from ctid.dialer.pacing import LineView, calls_to_start, free_lines
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.dialer.results import OF_CALL, OPERATOR_RESULTS, consequences
from ctid.dialer.retry import after_attempt
from ctid.dialer.statutory import day_kind
from ctid.reminders import store as reminder_store
from ctid.reminders.item_models import ItemChange
from ctid.reminders.models import OPT_OUT_OF, Outcome, ReminderType
from ctid.reminders.outcomes import CLOSED
from ctid.reminders.worklist import record as record_item
from ctid.storage.db import Database
from ctid.voicecard.driver import LineDriver, LineInfo
from ctid.voicecard.events import CallConnected, CallDialing, CallEnded, CallEvent, LineStatusChanged
from ctid.voicecard.line import LineBusyError, LineError

log = logging.getLogger(__name__)

NAP_S = 60.0  # the longest a campaign sleeps without looking again (a clock set forward, a lost event)
WATCH_S = 30.0  # how often a call in flight checks that its line still carries it
LOOKAHEAD = 8  # due contacts read beyond the calls to start: some may be refused by the lists
SYSTEM = Actor.system("dialer")
CLOSE_AT_DIAL = frozenset(
    {WhyNot.DO_NOT_CALL, WhyNot.OPTED_OUT, WhyNot.CONTACTED_RECENTLY, WhyNot.NO_NUMBER, WhyNot.MAX_ATTEMPTS}
)
"""Reasons a due contact is closed at dial time (done, the reason kept): the lists said no."""
NO_SUCH_ATTEMPT = N_("No such attempt.")
OPT_OUT_REASON = "外呼中表示不再接听此类电话"


class LineSet(Protocol):
    """The lines as the runner uses them (``ctid.voicecard.lines.Lines``)."""

    def get(self, name: str) -> LineDriver: ...

    def infos(self) -> list[LineInfo]: ...


@dataclass
class _Call:
    """A campaign's call in flight, from the reserved line to its end."""

    campaign_id: int
    mode: CampaignMode
    attempt_id: int
    contact: Contact
    line: str
    operator_id: int | None
    call_id: str | None = None
    answered_at: datetime | None = None
    result: AttemptResult | None = None
    ended_at: datetime | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class Placed:
    """A call a campaign placed: its attempt and the line's call id."""

    campaign_id: int
    contact_id: int
    attempt_id: int
    line: str
    call_id: str


@dataclass(frozen=True)
class CampaignLine:
    """A campaign's line as the live page shows it."""

    name: str
    status: str  # the line's own ("up", "down", "ringing", "in call"), or "unknown" for a name not configured
    in_use: bool  # carrying one of this campaign's calls
    out: bool  # taken out of the campaign by line health (an alert)


class Runner:
    """The campaigns' dialling, a component of the daemon (started after the lines, stopped before)."""

    name = "dialer"

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        lines: LineSet,
        normaliser: PhoneNormaliser,
        timezone: str,
        clock: Callable[[], datetime] = utcnow,
        ready_on: Callable[[str], frozenset[int]] = lambda _line: frozenset(),
        kind_of: KindOf = day_kind,
        nap_s: float = NAP_S,
        handlers: CallHandlers | None = None,
    ) -> None:
        """``ready_on(line)``: the operators ready now on a console that follows the line (the agents'
        state: ``Agents.ready_on``). ``handlers``: who is on a call now (never given a progressive call),
        and where a call placed for an operator is credited to them (the call log's "dialled")."""
        self._db = db
        self._bus = bus
        self._lines = lines
        self._normaliser = normaliser
        self._zone = ZoneInfo(timezone)
        self._clock = clock
        self._ready_on = ready_on
        self._kind_of = kind_of
        self._nap_s = nap_s
        self._handlers = handlers
        self._campaigns: dict[int, asyncio.Task[None]] = {}
        self._wakes: dict[int, asyncio.Event] = {}
        self._held: dict[str, _Call] = {}  # line -> the campaign call on it
        self._busy: dict[int, int] = {}  # operator -> the attempt they have not given a result for yet
        self._out: dict[int, dict[str, AttemptResult]] = {}  # campaign -> lines taken out, their last fault
        self._calls = TaskSet()
        self._undo: list[Unsubscribe] = []
        self._known: dict[int, tuple[float, Campaign]] = {}  # read at (monotonic), until it changes
        self._writing = asyncio.Lock()  # the runner's writes one at a time: never SQLite's busy-wait sleeps
        self._dials_waiting = 0
        self._no_dials = asyncio.Event()
        self._no_dials.set()

    # --- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._undo = [
            self._bus.subscribe(CallEvent, self._on_call),
            self._bus.subscribe(LineStatusChanged, self._on_line),
            self._bus.subscribe(AgentStateChanged, self._on_agent),
            self._bus.subscribe(CampaignChanged, self._on_campaign),
        ]
        async with self._db.connect() as conn:
            running = await store.campaigns_in(conn, [CampaignState.RUNNING])
        for campaign in running:
            self._launch(campaign.id, campaign.mode)
        if running:
            log.info("dialer: %d campaign(s) running", len(running))

    async def stop(self) -> None:
        """Calls in flight are left to the lines (stopped next): their attempts stay without an end, and
        the next start marks them unknown (``Campaigns.recover``)."""
        for undo in self._undo:
            undo()
        tasks = list(self._campaigns.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._calls.cancel()
        self._campaigns.clear()

    def wake(self, campaign_id: int | None = None) -> None:
        """Look again now (one campaign, or all): the clock moved, a list changed."""
        for cid, event in self._wakes.items():
            if campaign_id is None or cid == campaign_id:
                event.set()

    # --- what the live page reads ---------------------------------------------------------------------------

    def lines_of(self, campaign: Campaign) -> list[CampaignLine]:
        """The campaign's lines: their state, which carry its calls, which left it (line health)."""
        infos = {info.name: info for info in self._lines.infos()}
        out = self._out.get(campaign.id, {})
        return [
            CampaignLine(
                name,
                infos[name].status if name in infos else "unknown",
                (held := self._held.get(name)) is not None and held.campaign_id == campaign.id,
                name in out,
            )
            for name in campaign.settings.lines
        ]

    def operators_busy(self) -> dict[int, int]:
        """Operators with a campaign call they have not given a result for yet: operator -> attempt."""
        return dict(self._busy)

    # --- bus ------------------------------------------------------------------------------------------------

    def _on_call(self, event: CallEvent) -> None:
        call = self._held.get(event.line)
        if call is None:
            return
        if isinstance(event, CallDialing) and call.call_id is None:
            call.call_id = event.call_id  # may come before ``dial`` returns
            return
        if event.call_id != call.call_id:
            return
        if isinstance(event, CallConnected):
            call.answered_at = self._clock()  # the campaign's clock (the retry delays run from it)
        elif isinstance(event, CallEnded):
            call.result = OF_CALL.get(event.outcome, AttemptResult.UNKNOWN)
            call.ended_at = self._clock()
            call.ended.set()
            if call.result not in LINE_FAULTS:  # a fault keeps the line until its health is known
                del self._held[event.line]  # free for the next call now; the attempt settles meanwhile
                self.wake()

    def _on_line(self, event: LineStatusChanged) -> None:
        if event.status == "up":
            self.wake()

    def _on_agent(self, _event: AgentStateChanged) -> None:
        self.wake()

    def _on_campaign(self, event: CampaignChanged) -> None:
        self._known.pop(event.campaign_id, None)  # read it again before the next dial
        if event.state == CampaignState.RUNNING:
            self._out.pop(event.campaign_id, None)  # a person started it again: its lines get another chance
            if event.campaign_id not in self._campaigns:
                self._launch(event.campaign_id, None)
        self.wake(event.campaign_id)

    # --- a campaign's task ----------------------------------------------------------------------------------

    def _launch(self, campaign_id: int, mode: CampaignMode | None) -> None:
        if mode == CampaignMode.PREVIEW:
            return  # an operator dials each card (``dial_contact``): nothing to do by itself
        wake = self._wakes.setdefault(campaign_id, asyncio.Event())
        task = asyncio.create_task(self._run(campaign_id, wake), name=f"dialer: campaign {campaign_id}")
        self._campaigns[campaign_id] = task

    async def _run(self, campaign_id: int, wake: asyncio.Event) -> None:
        try:
            while True:
                wake.clear()
                try:
                    delay = await self._step(campaign_id)
                except Exception:
                    log.exception("dialer: campaign %d: a step failed (trying again in a while)", campaign_id)
                    delay = self._nap_s
                if delay is False:
                    return
                if delay is True:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), min(delay, self._nap_s))
        finally:
            self._campaigns.pop(campaign_id, None)
            self._wakes.pop(campaign_id, None)

    async def _step(self, campaign_id: int) -> float | bool:
        """Start the calls allowed now. False: the campaign runs no more; True: look again at once; a
        number: wait that long (or until woken)."""
        now = self._clock()
        campaign = await self._campaign(campaign_id)
        if campaign is None or campaign.state != CampaignState.RUNNING:
            return False
        if campaign.mode == CampaignMode.PREVIEW:
            return False
        local = now.astimezone(self._zone)
        hours = campaign.settings.hours
        if closed_at(local, hours, self._kind_of) is not None:
            opens = next_open(local, hours, self._kind_of)
            return self._nap_s if opens is None else max(0.0, (opens - local).total_seconds())
        free = self._free(campaign)
        ready = self._ready(campaign, free)
        wanted = calls_to_start(campaign.mode, len(free), len(ready), 0)
        if wanted < 1:
            return self._nap_s  # a line coming free or an operator ready wakes it
        async with self._db.connect() as conn:
            due = await store.next_due(conn, campaign_id, now, wanted + LOOKAHEAD)
            views = await contact_views(conn, due, campaign.settings, now)
        if not due:
            return await self._nothing_due(campaign, now)
        view = CampaignView(campaign.state, campaign.mode, campaign.settings.retry.max_attempts, hours)
        resources = Resources(len(free), len(ready))
        placed = closed = 0
        for contact in due:
            if placed >= wanted:
                break
            why = why_not(views[contact.id], view, local, self._kind_of, resources)
            if why is not None:
                if why in CLOSE_AT_DIAL:
                    await self._close(contact, why, now)
                    closed += 1
                continue
            line, operator = self._pair(free, ready)
            if line is None:
                break
            if await self._place(campaign, contact, line, operator) is not None:
                placed += 1
                free.remove(line)
                if operator is not None:
                    ready.remove(operator)
        if closed and not placed:
            await self._finish_if_done(campaign.id)
        return True if placed or closed else self._nap_s

    @contextlib.asynccontextmanager
    async def _write(self, dial: bool = False) -> AsyncIterator[AsyncConnection]:
        """One write transaction of the runner's, one at a time (SQLite's lock is never fought over, so
        never slept on); a dial's (a line is free now) goes before the bookkeeping of calls that ended."""
        if dial:
            self._dials_waiting += 1
            self._no_dials.clear()
        try:
            while True:
                while not dial and self._dials_waiting:
                    await self._no_dials.wait()
                await self._writing.acquire()
                if dial or not self._dials_waiting:
                    break
                self._writing.release()  # a dial came while this waited in the queue: it goes first
            try:
                async with self._db.begin(immediate=True) as conn:
                    yield conn
            finally:
                self._writing.release()
        finally:
            if dial:
                self._dials_waiting -= 1
                if not self._dials_waiting:
                    self._no_dials.set()

    async def _campaign(self, campaign_id: int, conn: Any = None) -> Campaign | None:
        """The campaign as last read: read again after a ``CampaignChanged`` (a move, a change: published
        by whoever made it, as it commits) and at least every ``nap_s`` (a change the bus did not carry)."""
        known = self._known.get(campaign_id)
        loop = asyncio.get_running_loop()
        if known is not None and loop.time() - known[0] < self._nap_s:
            return known[1]
        if conn is None:
            async with self._db.connect() as conn:
                found = await store.get_campaign(conn, campaign_id)
        else:
            found = await store.get_campaign(conn, campaign_id)
        if found is not None:
            self._known[campaign_id] = (loop.time(), found)
        return found

    def _free(self, campaign: Campaign) -> list[str]:
        """The campaign's lines a call may start on now: idle (not ringing, not in a call, not off hook,
        not down), not carrying another campaign's call, not taken out by line health."""
        infos = {info.name: info for info in self._lines.infos()}
        out = self._out.get(campaign.id, {})
        views = [
            LineView(
                name,
                idle=name in infos and infos[name].status == "up" and name not in self._held,
                healthy=name not in out,
            )
            for name in campaign.settings.lines
        ]
        return free_lines(views)

    def _ready(self, campaign: Campaign, free: list[str]) -> list[int]:
        """Progressive: the campaign's operators ready on one of its free lines and not in one of its calls
        (or wrapping one up); a broadcast needs none."""
        if campaign.mode != CampaignMode.PROGRESSIVE:
            return []
        assigned = set(campaign.settings.operators)
        found: set[int] = set()
        for line in free:
            found |= self._ready_on(line)
        talking = self._handlers.busy() if self._handlers is not None else frozenset()
        return sorted(
            op
            for op in found
            if op not in self._busy and op not in talking and (not assigned or op in assigned)
        )

    def _pair(self, free: list[str], ready: list[int]) -> tuple[str | None, int | None]:
        """A free line, and (progressive) a ready operator who follows it."""
        if not ready:
            return (free[0] if free else None), None
        for line in free:
            on = self._ready_on(line)
            for operator in ready:
                if operator in on:
                    return line, operator
        return None, None

    async def _nothing_due(self, campaign: Campaign, now: datetime) -> float | bool:
        async with self._db.connect() as conn:
            earliest = await store.earliest_pending(conn, campaign.id)
        if earliest is None:
            return False if await self._finish_if_done(campaign.id) else self._nap_s
        return max(0.0, (earliest - now).total_seconds())

    async def _close(self, contact: Contact, why: WhyNot, now: datetime) -> None:
        async with self._write() as conn:
            await store.close_contact(conn, contact.id, why.value, now)
        log.info(
            "dialer: contact %d of campaign %d not dialled: %s", contact.id, contact.campaign_id, why.value
        )

    async def _finish_if_done(self, campaign_id: int) -> bool:
        """A running campaign with no contact pending or in flight is finished (audited as the dialer's)."""
        now = self._clock()
        async with self._db.connect() as conn:
            if await store.has_open_contacts(conn, campaign_id):
                return False
        async with self._write() as conn:
            if await store.has_open_contacts(conn, campaign_id):
                return False
            running = frozenset({CampaignState.RUNNING})
            if not await store.set_state(
                conn, campaign_id, CampaignState.FINISHED, now, running, ended_at=now
            ):
                return False
            before, after = {"state": CampaignState.RUNNING.value}, {"state": CampaignState.FINISHED.value}
            await audit.record(conn, SYSTEM, "campaign.finish", ("campaign", campaign_id), now, before, after)
        log.info("dialer: campaign %d finished: every contact done", campaign_id)
        self._bus.publish(CampaignChanged(campaign_id=campaign_id, state=CampaignState.FINISHED, at=now))
        return True

    # --- one call -------------------------------------------------------------------------------------------

    async def _place(
        self, campaign: Campaign, contact: Contact, line: str, operator: int | None
    ) -> Placed | None:
        """Claim the contact, write the attempt, dial; None when the contact was taken meanwhile or the
        line refused (a RING first: the contact is pending again, no attempt used)."""
        if contact.number_e164 is None:
            return None
        number = self._normaliser.dial_string(PhoneNumber(contact.number_e164, contact.number_e164))
        now = self._clock()
        call = _Call(campaign.id, campaign.mode, 0, contact, line, operator)
        self._held[line] = call  # before any await: no other campaign takes this line meanwhile
        try:
            async with self._write(dial=True) as conn:
                if not await store.claim(conn, contact.id, now):
                    self._held.pop(line, None)
                    return None
                values = {"campaign_id": campaign.id, "contact_id": contact.id,
                          "number_e164": contact.number_e164, "line": line, "operator_id": operator,
                          "started_at": now}  # fmt: skip
                call.attempt_id = await store.start_attempt(conn, values)
        except BaseException:
            self._held.pop(line, None)
            raise
        if operator is not None:
            self._busy[operator] = call.attempt_id
        try:
            call_id = await self._lines.get(line).dial(number)
        except LineBusyError:
            await self._yielded(call)
            return None
        except Exception as error:  # down, gone from the config, a driver's bug: the line's fault
            level = logging.WARNING if isinstance(error, (LineError, NotFound)) else logging.ERROR
            log.log(level, "dialer: line %s refused campaign %d's dial: %s", line, campaign.id, error,
                    exc_info=level == logging.ERROR)  # fmt: skip
            call.result, call.ended_at = AttemptResult.FAILED, self._clock()
            self._calls.spawn(self._settle_call(call), f"dialer: attempt {call.attempt_id}")
            return None
        call.call_id = call_id
        if operator is not None and self._handlers is not None:
            self._handlers.dialled_for(call_id, line, operator)  # theirs in the call log
        placed = CampaignCallPlaced(
            campaign_id=campaign.id, mode=campaign.mode, contact_id=contact.id, attempt_id=call.attempt_id,
            line=line, call_id=call_id, number=contact.number_e164, operator_id=operator,
            customer_id=contact.customer_id, reminder_item_id=contact.reminder_item_id, at=now,
        )  # fmt: skip
        self._bus.publish(placed)
        self._calls.spawn(self._follow(call), f"dialer: attempt {call.attempt_id}")
        return Placed(campaign.id, contact.id, call.attempt_id, line, call_id)

    async def _yielded(self, call: _Call) -> None:
        """Inbound wins: the line rang between the choice and the dial. Nothing was dialled: the attempt's
        row goes, the contact is pending again with its attempts as they were."""
        self._held.pop(call.line, None)
        self._free_operator(call)
        async with self._write() as conn:
            await store.delete_attempt(conn, call.attempt_id)
            await store.unclaim(conn, call.contact.id, self._clock())
        log.info("dialer: line %s rang before campaign %d's dial: yielded", call.line, call.campaign_id)

    async def _follow(self, call: _Call) -> None:
        """Wait for the call's end (its line's events), then settle it. A call whose line no longer carries
        it without an end having come (an event lost) is settled as unknown."""
        while not call.ended.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.ended.wait(), WATCH_S)
            if not call.ended.is_set() and self._carries(call) is False:
                log.warning("dialer: line %s lost campaign call %s without an end", call.line, call.call_id)
                call.result, call.ended_at = AttemptResult.UNKNOWN, self._clock()
                break
        await self._settle_call(call)

    def _carries(self, call: _Call) -> bool | None:
        try:
            return self._lines.get(call.line).info.call_id == call.call_id
        except NotFound:
            return False

    async def _settle_call(self, call: _Call) -> None:
        result = call.result or AttemptResult.UNKNOWN
        at = call.ended_at or self._clock()
        operator_follows = result == AttemptResult.ANSWERED and call.mode != CampaignMode.BROADCAST
        recorded: Attempt | None = None
        try:
            recorded = await self.record(
                call.attempt_id,
                result,
                at=at,
                answered_at=call.answered_at,
                call_id=call.call_id,
                wrapped=not operator_follows,
                quiet=True,
            )
        except Exception:
            log.exception("dialer: attempt %d: could not record its result", call.attempt_id)
        if not operator_follows or recorded is None:  # no result to wait for, or given during the call
            self._free_operator(call)
        try:
            await self._check_line(call, result, at)
        finally:
            if self._held.get(call.line) is call:
                del self._held[call.line]
        self.wake()

    def _free_operator(self, call: _Call) -> None:
        if call.operator_id is not None and self._busy.get(call.operator_id) == call.attempt_id:
            del self._busy[call.operator_id]

    async def _check_line(self, call: _Call, result: AttemptResult, at: datetime) -> None:
        """Three faults in a row and the line leaves the campaign, with an alert (log and live page)."""
        if result not in LINE_FAULTS:
            return
        async with self._db.connect() as conn:
            newest = await store.line_results(conn, call.line, FAULTS_IN_A_ROW)
        out = self._out.setdefault(call.campaign_id, {})
        if not sick(newest) or call.line in out:
            return
        out[call.line] = result
        log.error(
            "dialer: line %s failed %d times in a row (%s): it leaves campaign %d; check the line and start "
            "the campaign again",
            call.line,
            FAULTS_IN_A_ROW,
            result.value,
            call.campaign_id,
        )
        self._bus.publish(
            CampaignLineOut(campaign_id=call.campaign_id, line=call.line, last_result=result, at=at)
        )

    # --- results --------------------------------------------------------------------------------------------

    async def record(
        self,
        attempt_id: int,
        result: AttemptResult,
        *,
        at: datetime | None = None,
        by: int | None = None,
        actor: Actor = SYSTEM,
        note: str = "",
        dtmf: str = "",
        call_back_at: datetime | None = None,
        for_anyone: bool = True,
        answered_at: datetime | None = None,
        call_id: str | None = None,
        wrapped: bool = True,
        quiet: bool = False,
    ) -> Attempt | None:
        """The one place an attempt's result is recorded, with all it does: the attempt ended (once) or,
        after the modem's "answered", given its real result; the contact settled by the retry rules; the
        reminder item's outcome; a call back; an opt-out. The runner (the modem's result), ``give_result``
        (an operator's wrap-up) and a broadcast (a DTMF answer: ``dtmf``) all come here.

        ``by``: the operator giving it (None: the system), ``actor`` who is audited; ``for_anyone``
        False keeps a call back for ``by``. ``wrapped`` False: an operator's result follows (the item
        waits). A result the attempt has already (anything but the modem's "answered") is a Conflict, or
        None when ``quiet``."""
        at = at or self._clock()
        async with self._write() as conn:
            attempt = await store.get_attempt(conn, attempt_id)
            if attempt is None:
                raise NotFound(NO_SUCH_ATTEMPT)
            contact = await store.get_contact(conn, attempt.contact_id)
            campaign = await self._campaign(attempt.campaign_id, conn)
            assert contact is not None and campaign is not None  # cascades with the attempt
            extra: dict[str, Any] = {"note": note[:2000]} if note else {}
            extra |= {"dtmf": dtmf[:16]} if dtmf else {}
            if attempt.ended_at is None:
                stamps: dict[str, Any] = {"answered_at": answered_at} if answered_at else {}
                stamps |= {"call_id": call_id} if call_id else {}
                await store.end_attempt(conn, attempt_id, result, at, **stamps, **extra)
                before = contact.attempts
            elif attempt.result == AttemptResult.ANSWERED and await store.refine_result(
                conn, attempt_id, result, AttemptResult.ANSWERED, **extra
            ):
                before = max(0, contact.attempts - 1)  # the modem's "answered" counted one: this is it
            elif quiet:
                return None
            else:
                raise Conflict(N_("This attempt has its result already."))
            rules = campaign.settings.retry
            then = consequences(result, has_item=contact.reminder_item_id is not None, at=at, rules=rules,
                                call_back_at=call_back_at, wrapped=wrapped)  # fmt: skip
            if contact.status != ContactStatus.EXCLUDED:
                after = after_attempt(then.settle_as, before, at, rules, then.call_back_at)
                back = then.settle_as == AttemptResult.CALL_BACK and after.status == ContactStatus.PENDING
                values = {"call_back": back, "call_back_user_id": by if back and not for_anyone else None}
                await store.settle(conn, contact.id, after, result, at, **values)
            if then.item_outcome is not None and contact.reminder_item_id is not None:
                change = ItemChange(
                    outcome=then.item_outcome,
                    note=note or None,
                    call_back_at=then.call_back_at if then.item_outcome == Outcome.CALL_BACK else None,
                    call_id=call_id or attempt.call_id,
                )
                await self._item(conn, actor, by, contact.reminder_item_id, change, at)
            if then.opt_out and contact.customer_id is not None:
                topic = await self._topic(conn, contact)
                await self._opt_out(conn, actor, contact.customer_id, topic, note, at)
        stamps = {"call_id": call_id or attempt.call_id, "answered_at": answered_at or attempt.answered_at}
        ended = replace(attempt, result=result, ended_at=attempt.ended_at or at, **stamps, **extra)
        self._bus.publish(
            CampaignAttemptEnded(
                campaign_id=campaign.id, contact_id=contact.id, attempt_id=attempt_id, line=attempt.line,
                call_id=ended.call_id, operator_id=ended.operator_id, result=result, at=at,
            )
        )  # fmt: skip
        if contact.status != ContactStatus.EXCLUDED and after.status == ContactStatus.DONE:
            await self._finish_if_done(campaign.id)
        return ended

    async def _topic(self, conn: Any, contact: Contact) -> ReminderType:
        if contact.reminder_item_id is None:
            return UNKNOWN_TOPIC
        types = await store.item_types(conn, [contact.reminder_item_id])
        try:
            return ReminderType(types.get(contact.reminder_item_id, UNKNOWN_TOPIC.value))
        except ValueError:
            return UNKNOWN_TOPIC

    async def _item(
        self, conn: Any, actor: Actor, by: int | None, item_id: int, change: ItemChange, at: datetime
    ) -> None:
        """The reminder item's outcome; an item closed meanwhile (worked by hand, expired) is left as is."""
        item = await reminder_store.get_item(conn, item_id)
        if item is None or item.status in CLOSED:
            return
        try:
            await record_item(conn, actor, by, item, change, at, self._zone)
        except CtidError as error:  # refused before anything was written (the outcome's own checks)
            log.warning("dialer: reminder %d kept its outcome: %s", item_id, error)

    async def _opt_out(
        self, conn: Any, actor: Actor, customer_id: int, topic: ReminderType, note: str, at: datetime
    ) -> None:
        kind = OPT_OUT_OF[topic]
        current = {o.contact_type.value: o.reason for o in await customer_store.opt_outs(conn, customer_id)}
        reason = (note or OPT_OUT_REASON)[:200]
        if not await customer_store.add_opt_out(conn, customer_id, kind, reason, at):
            return
        change = ({"opt_outs": current}, {"opt_outs": dict(sorted({**current, kind.value: reason}.items()))})
        await audit.record(conn, actor, "customer.opt_outs", ("customer", customer_id), at, *change)

    # --- for people: one call, one result -------------------------------------------------------------------

    async def dial_contact(self, user: User, campaign_id: int, contact_id: int, line: str) -> Placed:
        """An operator dials one contact of a campaign on one of its lines (a preview card's click; a call
        back). Refused in words: not the campaign's operator, not running, not a line of it, the line busy,
        or a reason not to dial the contact now (the same ``why_not`` as the runner's)."""
        scope.require(user, Permission.USE_CONSOLE)
        now = self._clock()
        async with self._db.connect() as conn:
            campaign = await visible_campaign(conn, user, campaign_id)
            contact = await campaign_contact(conn, campaign_id, contact_id)
            views = await contact_views(conn, [contact], campaign.settings, now)
        self._require_operator(user, campaign)
        if line not in campaign.settings.lines:
            raise ValidationError("line", N_("Line %(name)s is not one of this campaign's lines."), name=line)
        if line in self._out.get(campaign_id, {}):
            raise Conflict(N_("Line %(name)s left this campaign after repeated faults."), name=line)
        if line not in self._free(campaign):
            raise LineBusyError(N_("Line %(line)s is in use: cannot dial."), line=line)
        view = CampaignView(campaign.state, campaign.mode, campaign.settings.retry.max_attempts,
                            campaign.settings.hours)  # fmt: skip
        local = now.astimezone(self._zone)
        why = why_not(views[contact.id], view, local, self._kind_of, Resources(1, 1))
        if why is not None:
            raise Conflict(N_("This contact is not to be dialled now: %(why)s."), why=why.value)
        if user.id in self._busy:
            raise Conflict(N_("Give the result of your last campaign call first."))
        placed = await self._place(campaign, contact, line, user.id)
        if placed is None:
            raise Conflict(
                N_("This contact cannot be dialled now: the line rang, or someone else dialled it.")
            )
        return placed

    async def give_result(
        self,
        user: User,
        attempt_id: int,
        result: Any,
        note: str = "",
        call_back_at: datetime | None = None,
        for_anyone: bool = False,
        actor: Actor | None = None,
    ) -> Attempt:
        """An operator's result for an attempt (the wrap-up list), with all it does (``record``). Theirs
        (or a supervisor's, campaigns.manage), of their branch; once, after the modem's "answered"."""
        scope.require(user, Permission.USE_CONSOLE)
        try:
            given = AttemptResult(result)
        except ValueError:
            given = None
        if given not in OPERATOR_RESULTS:
            choices = ", ".join(sorted(r.value for r in OPERATOR_RESULTS))
            raise ValidationError("result", N_("%(field)s must be one of: %(choices)s."), field="result",
                                  choices=choices)  # fmt: skip
        assert given is not None
        if call_back_at is not None and given != AttemptResult.CALL_BACK:
            raise ValidationError("call_back_at", N_("Only a call back has a time (call_back_at)."))
        now = self._clock()
        if call_back_at is not None and not now - timedelta(hours=1) <= call_back_at <= now + timedelta(
            days=366
        ):
            raise ValidationError("call_back_at", N_("Call back at a time from now, within a year."))
        async with self._db.connect() as conn:
            attempt = await store.get_attempt(conn, attempt_id)
            if attempt is None:
                raise NotFound(NO_SUCH_ATTEMPT)
            await visible_campaign(conn, user, attempt.campaign_id, NO_SUCH_ATTEMPT)
        if attempt.operator_id != user.id and not allows(user, Permission.CAMPAIGNS_MANAGE):
            raise PermissionDenied(N_("This is another operator's call."))
        recorded = await self.record(
            attempt_id, given, at=now, by=user.id, actor=actor or Actor.of(user), note=note,
            call_back_at=call_back_at, for_anyone=for_anyone,
        )  # fmt: skip
        assert recorded is not None
        on_line = self._held.get(attempt.line)
        still_talking = on_line is not None and on_line.attempt_id == attempt_id
        if (
            attempt.operator_id is not None
            and self._busy.get(attempt.operator_id) == attempt_id
            and not still_talking
        ):
            del self._busy[attempt.operator_id]  # wrapped up: ready for the next progressive call
        self.wake(attempt.campaign_id)
        return recorded

    @staticmethod
    def _require_operator(user: User, campaign: Campaign) -> None:
        operators = campaign.settings.operators
        if operators and user.id not in operators and not allows(user, Permission.CAMPAIGNS_MANAGE):
            raise PermissionDenied(N_("You are not one of this campaign's operators."))
