"""The screen-pop service: follows every inbound call and publishes what its line's consoles must show.

Why it publishes ``PopEvent``s on the bus instead of writing to sockets: the websocket hub lives in the web
layer, above this one. The hub decides who may see a line; this service decides what a pop says.

A pop never fails silently: the customer lookup gets ``lookup_budget_s``; if it is slower, the pop goes out
at once with the number and ``lookup: "pending"``, and a ``call.updated`` carries the customer when it comes
(or ``lookup: "failed"``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from ctid.calls.events import CallHandled, CallMatched
from ctid.core.events import Event, EventBus, Unsubscribe
from ctid.core.phone import PhoneNormaliser
from ctid.core.tasks import TaskSet
from ctid.crm.service import CustomerDirectory
from ctid.lineplan.plan import LinePlan
from ctid.lineplan.source import LinePlanSource
from ctid.recording.events import RecordingChanged
from ctid.screenpop import messages
from ctid.screenpop.lookup import PopRead, read_pop
from ctid.screenpop.messages import Message, PopCall
from ctid.storage.db import Database
from ctid.voicecard.events import (
    CallAnswered,
    CallConnected,
    CallDialing,
    CallEnded,
    CallIdentified,
    CallIdUpdated,
    CallRinging,
    CallWaiting,
    LineEvent,
    LineStatusChanged,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PopEvent(Event):
    """A message for the consoles that follow ``line`` (its operators, its branch's supervisors), or, with
    ``user_id``, for that user's consoles only (a call they dialled)."""

    line: str
    branch_id: int
    message: Message
    user_id: int | None = None
    board_only: bool = False
    """For the supervisors' boards only (``call.handled``): consoles are not sent it."""


@dataclass(frozen=True)
class Dialler:
    """Who is dialling on a line from the console, and what: the pop of the call the dial makes is theirs."""

    user_id: int
    number: str
    e164: str


@dataclass
class _ActivePop:
    call: PopCall
    last: Message
    state: dict[str, Message] = field(default_factory=dict)
    handled: Message | None = None  # the latest ``call.handled``, replayed to boards only
    """The latest ``call.answered`` / ``call.recording`` / ``call.waiting``: a console that connects mid-call
    replays them after ``last``, so it shows the call as it is, not as it was when it was identified."""


class ScreenPops:
    name = "screen pops"

    def __init__(
        self,
        bus: EventBus,
        directory: CustomerDirectory,
        db: Database,
        normaliser: PhoneNormaliser,
        plan: LinePlanSource,
        lookup_budget_s: float = 0.25,
    ) -> None:
        self._bus = bus
        self._directory = directory
        self._db = db
        self._normaliser = normaliser
        self._plan_source = plan
        self._plan = LinePlan()  # resolved at start
        self._branch_lines: dict[int, tuple[str, ...]] = {}  # the lines of each branch, for the pop's read
        self._budget = lookup_budget_s
        self._active: dict[str, _ActivePop] = {}
        self._pending: set[str] = set()  # calls popped with lookup "pending"; the customer follows
        self._diallers: dict[str, Dialler] = {}  # line -> who dials on it now (while the dial is asked)
        self._tasks = TaskSet()
        self._unsubscribe: Unsubscribe | None = None

    async def start(self) -> None:
        self._plan = await self._plan_source.get()
        self._branch_lines = self._plan.by_branch()
        self._unsubscribe = self._bus.subscribe(LineEvent, self._on_line_event)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self._tasks.cancel()

    def active_messages(
        self, lines: set[str], user_id: int | None = None, board: bool = False
    ) -> list[Message]:
        """The latest message of every call now active on these lines, for a console that (re)connects
        (the calls another user dialled are theirs alone; a board: with who handles each call)."""
        return [
            message
            for pop in self._active.values()
            if pop.call.line in lines and pop.call.dialled_by in (None, user_id)
            for message in (pop.last, *pop.state.values(), *([pop.handled] if board and pop.handled else []))
        ]

    @contextmanager
    def dialling(self, line: str, dialler: Dialler) -> Iterator[None]:
        """Around a console's dial: the ``CallDialing`` the line publishes while it dials (synchronously,
        before the dial returns) pops the dialled number's customer on the dialler's consoles.

        Why around the dial and not after it: the line's events come during the dial, and a call dialled
        by no console (the dialer, a program) pops nowhere, as before."""
        self._diallers[line] = dialler
        try:
            yield
        finally:
            self._diallers.pop(line, None)

    # --- line events (called synchronously by the bus: no waiting here) -----------------------------------

    def _on_line_event(self, event: LineEvent) -> None:
        match event:
            case LineStatusChanged():
                label = self._plan.label(event.line)
                status = messages.line_status(event.line, label, event.status, event.detail)
                self._publish_line(event.line, status)
            case CallRinging() if event.call_id not in self._active:
                label = self._plan.label(event.line)
                call = PopCall(event.call_id, event.line, label, "inbound", event.at)
                self._active[call.id] = _ActivePop(call, messages.ringing(call))
                self._publish(call, self._active[call.id].last)
            case CallDialing() if event.call_id not in self._active and event.line in self._diallers:
                self._dialled(event, self._diallers.pop(event.line))
            case CallConnected() if event.call_id in self._active:
                pop = self._active[event.call_id]
                pop.state["answered"] = messages.connected(pop.call)
                self._publish(pop.call, pop.state["answered"])
            case CallIdentified() if event.call_id in self._active:
                pop = self._active[event.call_id]
                pop.call = self._with_caller(pop.call, event)
                self._identified(pop, event.at)
            case CallIdUpdated() if event.call_id in self._active:
                pop = self._active[event.call_id]
                before = pop.call.number_e164
                pop.call = self._with_caller(pop.call, event)
                self._publish(pop.call, messages.updated(pop.call))
                if pop.call.number_e164 and pop.call.number_e164 != before:
                    self._identified(pop, event.at)  # another number: another customer, looked up afresh
            case CallAnswered() if event.call_id in self._active:
                pop = self._active[event.call_id]
                pop.state["answered"] = messages.answered(pop.call)
                self._publish(pop.call, pop.state["answered"])
            case CallWaiting() if event.call_id in self._active:
                pop = self._active[event.call_id]
                caller = event.caller_id
                e164 = self._normaliser.normalise(caller.number).e164 if caller.number else None
                waiting = messages.waiting_caller(caller.number, e164, caller.name, caller.reason, event.at)
                pop.state["waiting"] = messages.waiting(pop.call, waiting)
                self._publish(pop.call, pop.state["waiting"])
            case RecordingChanged() if event.call_id in self._active:
                pop = self._active[event.call_id]
                message = messages.recording(pop.call, event.state, event.recording_id, event.problem)
                pop.state["recording"] = message
                self._publish(pop.call, message)
            case CallHandled():
                message = messages.handled(
                    event.call_id, event.line, event.user_id, event.label, event.how, event.missed_by
                )
                if (handled := self._active.get(event.call_id)) is not None:
                    handled.handled = message  # a board opened mid-call shows who has it
                self._publish_line(event.line, message, board_only=True)
            case CallEnded() if event.call_id in self._active:
                pop = self._active.pop(event.call_id)
                self._publish(pop.call, messages.ended(pop.call, event.outcome, event.duration_s))

    def _dialled(self, event: CallDialing, dialler: Dialler) -> None:
        label = self._plan.label(event.line)
        call = PopCall(event.call_id, event.line, label, "outbound", event.at, dialled_by=dialler.user_id)
        call = call.with_caller(dialler.number, dialler.e164, None, None)
        self._active[call.id] = _ActivePop(call, messages.dialing(call, None, [], lookup="pending"))
        self._identified(self._active[call.id], event.at)

    def _with_caller(self, call: PopCall, event: CallIdentified | CallIdUpdated) -> PopCall:
        caller = event.caller_id
        e164 = self._normaliser.normalise(caller.number).e164 if caller.number else None
        return call.with_caller(caller.number, e164, caller.name, caller.reason)

    def _identified(self, pop: _ActivePop, at: datetime) -> None:
        """Pop the caller: at once when there is no number to look up, else after the customer lookup.

        The lookup starts as soon as the loop has finished the bytes in hand (``call_soon``): the NAME line
        that follows NMBR in the same burst is applied first (its update is not held up by the read, and the
        pop carries the name), and no task has to be scheduled before the read starts. The read itself runs
        on the loop when the file is kept in memory (Database.read_here), else in the reader thread."""
        call = pop.call
        if call.number_e164 is None:
            self._remember(call, messages.popped(call, None, []))
            return
        release = self._bus.urgent()  # the call log and other background consumers wait for the pop
        asyncio.get_running_loop().call_soon(self._start_lookup, call, at, release)

    def _start_lookup(self, asked: PopCall, at: datetime, release: Callable[[], None]) -> None:
        pop = self._active.get(asked.id)
        if pop is None or pop.call.number_e164 != asked.number_e164:
            release()  # ended meanwhile, or another number came: its own lookup pops it
            return
        call = pop.call  # with whatever caller-ID update came in the same burst
        branch = self._plan.branch_of(call.line)
        if call.number_e164 is None or branch is None:
            release()  # a line of no branch pops nowhere (see _publish)
            return
        today, lines = self._directory.today(), self._branch_lines[branch]
        reading = self._db.read_here(read_pop, call.number_e164, today, call.id, branch, lines)
        self._tasks.spawn(self._lookup_and_pop(call, at, reading)).add_done_callback(lambda _: release())

    # --- the customer lookup ----------------------------------------------------------------------------

    async def _lookup_and_pop(self, call: PopCall, at: datetime, reading: Awaitable[PopRead]) -> None:
        """Pop with the customer. If the lookup outlasts the budget, a timer pops the number first
        (``lookup: "pending"``) and the customer follows in a ``call.updated``.

        Why a timer and not ``wait_for``: the lookup is already running, and waiting for it directly saves
        the task hops ``wait_for`` adds (each one costs the pop ~0.3 ms under load).
        """
        timer = asyncio.get_running_loop().call_later(self._budget, self._pop_number_first, call)
        try:
            customer, candidates = _pop_json(await reading)
        except Exception:
            log.exception("customer lookup for call %s failed", call.id)
            if self._was_pending(call, timer):
                self._publish(call, messages.updated(call, lookup="failed"))
            else:
                self._remember(call, messages.popped(call, None, [], lookup="failed"))
            return
        if not self._was_pending(call, timer):
            self._remember(call, messages.popped(call, customer, candidates))
        elif (pop := self._active.get(call.id)) is not None:
            pop.last = messages.popped(call, customer, candidates)
            extra = {"customer": customer, "candidates": candidates, "lookup": "done"}
            self._publish(call, messages.updated(call, **extra))
        self._matched(call, at, customer, candidates)

    def _pop_number_first(self, call: PopCall) -> None:
        log.warning("customer lookup for call %s is slow: popping the number first", call.id)
        self._pending.add(call.id)
        self._remember(call, messages.popped(call, None, [], lookup="pending"))

    def _was_pending(self, call: PopCall, timer: asyncio.TimerHandle) -> bool:
        timer.cancel()
        if call.id in self._pending:
            self._pending.discard(call.id)
            return True
        return False

    def _matched(
        self, call: PopCall, at: datetime, customer: Message | None, candidates: list[Message]
    ) -> None:
        ids = tuple(c["id"] for c in candidates) or ((customer["id"],) if customer else ())
        if ids:
            customer_id = customer["id"] if customer else None
            self._bus.publish(
                CallMatched(line=call.line, at=at, call_id=call.id, customer_id=customer_id, candidates=ids)
            )

    # --- publishing ---------------------------------------------------------------------------------------

    def _remember(self, call: PopCall, message: Message) -> None:
        """Publish a call's newest state, unless the call has ended meanwhile (a late lookup)."""
        pop = self._active.get(call.id)
        if pop is None:
            return
        pop.call, pop.last = call, message
        self._publish(call, message)

    def _publish(self, call: PopCall, message: Message) -> None:
        """A call's message: to whoever follows its line, or to the user who dialled it."""
        self._publish_line(call.line, message, call.dialled_by)

    def _publish_line(
        self, line: str, message: Message, user_id: int | None = None, board_only: bool = False
    ) -> None:
        branch = self._plan.branch_of(line)
        if branch is None:
            log.error("line %s has no branch: its pops reach no one", line)
            return
        self._bus.publish(
            PopEvent(line=line, branch_id=branch, message=message, user_id=user_id, board_only=board_only)
        )


def _pop_json(read: PopRead) -> tuple[Message | None, list[Message]]:
    """The customer's card (with the recent calls) and, when several share the number, the candidates."""
    candidates = [messages.candidate_json(s) for s in read.found] if len(read.found) > 1 else []
    return (messages.card_json(read.card, read.recent_calls) if read.card else None), candidates
