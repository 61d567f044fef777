"""Follows each call and says who handled it (the rule: ctid.calls.attribution), as ``CallHandled`` events
the call log writes in order with the call's other stages.

Who was ready on a line when it rang or was answered is known only at that moment (ctid.accounts.agents
keeps it in memory), so it is read then, not reconstructed later from the state history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ctid.accounts.agents import Agents, AgentState, AgentStateChanged
from ctid.accounts.models import User
from ctid.calls.attribution import DIALLED, NOBODY, Handler, answered_by, missed_against, outranks
from ctid.calls.events import CallHandled
from ctid.core.clock import utcnow
from ctid.core.events import EventBus, Unsubscribe
from ctid.voicecard.events import CallAnswered, CallDialing, CallEnded, CallRinging, LineEvent


@dataclass
class _Call:
    line: str
    direction: str
    ready: set[int] = field(default_factory=set)  # ready on the line at any moment while it rang
    answered: bool = False
    handler: Handler = NOBODY


class CallHandlers:
    name = "call handlers"

    def __init__(self, bus: EventBus, agents: Agents, clock: Callable[[], datetime] = utcnow) -> None:
        self._bus = bus
        self._agents = agents
        self._clock = clock
        self._calls: dict[str, _Call] = {}
        self._unsubscribe: list[Unsubscribe] = []

    async def start(self) -> None:
        self._unsubscribe = [
            self._bus.subscribe(LineEvent, self._on_line),
            self._bus.subscribe(AgentStateChanged, self._on_agent),
        ]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._calls.clear()

    def dialled(self, call_id: str, line: str, user: User) -> None:
        """An operator dialled this call from the console: it is theirs."""
        self.dialled_for(call_id, line, user.id, user.label)

    def dialled_for(self, call_id: str, line: str, user_id: int, label: str = "") -> None:
        """This call was dialled for an operator (a campaign's call for the ready operator, or the one who
        clicked a preview card): it is theirs, in the call log as a call they dialled."""
        call = self._calls.setdefault(call_id, _Call(line, "outbound"))
        self._give(call_id, call, Handler(user_id, DIALLED), label or self._agents.label_of(user_id))

    def busy(self) -> frozenset[int]:
        """The operators who may be on a call now: each call's handler while it lasts, and for an answered
        call nobody is known to have taken, everyone who was ready on its line (any of them may be on
        it). A progressive campaign gives its next call to none of them: a card popped on the console
        of someone who is talking is an abandoned call."""
        found: set[int] = set()
        for call in self._calls.values():
            if call.handler.user_id is not None:
                found.add(call.handler.user_id)
            elif call.answered:
                found |= call.ready | self._agents.ready_on(call.line)
        return frozenset(found)

    # --- events (called synchronously by the bus) -------------------------------------------------------

    def _on_line(self, event: LineEvent) -> None:
        match event:
            case CallRinging() if event.call_id not in self._calls:
                self._calls[event.call_id] = _Call(
                    event.line, "inbound", set(self._agents.ready_on(event.line))
                )
            case CallDialing() if event.call_id not in self._calls:
                self._calls[event.call_id] = _Call(event.line, "outbound")
            case CallAnswered() if (call := self._calls.get(event.call_id)) is not None:
                call.answered = True
                handler = answered_by(None, self._agents.ready_on(call.line))
                self._give(event.call_id, call, handler, self._agents.label_of(handler.user_id))
            case CallEnded() if (call := self._calls.pop(event.call_id, None)) is not None:
                missed = missed_against(event.outcome, call.direction, call.ready)
                if missed:
                    self._publish(event.call_id, call, NOBODY, "", tuple(sorted(missed)))

    def _on_agent(self, event: AgentStateChanged) -> None:
        """Someone became ready while a call rang: it counts against them too if it is missed."""
        if event.state != AgentState.READY:
            return
        for call in self._calls.values():
            if not call.answered and call.direction == "inbound":
                call.ready |= self._agents.ready_on(call.line)

    def _give(self, call_id: str, call: _Call, handler: Handler, label: str) -> None:
        if outranks(handler, call.handler):
            call.handler = handler
            self._publish(call_id, call, handler, label, ())

    def _publish(
        self, call_id: str, call: _Call, handler: Handler, label: str, missed_by: tuple[int, ...]
    ) -> None:
        self._bus.publish(
            CallHandled(
                line=call.line,
                at=self._clock(),
                call_id=call_id,
                direction=call.direction,
                user_id=handler.user_id,
                label=label,
                how=handler.how,
                missed_by=missed_by,
            )
        )
