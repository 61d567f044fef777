"""Operators' states: ready or on a break (就绪 / 小休), chosen on the console; offline while no console of
theirs is open (logged out counts as offline too: their console's socket is closed).

Why here: who is ready on which line decides who handled a call (ctid.calls.handlers) and is what the
supervisors' board shows, so it is kept once, server-side. The chosen state is a row per user
(``agent_states``); every change of the state the board shows (ready, break, offline) is a row of
``agent_state_log``, so time on break can be counted. Which consoles are open is kept in memory (a
restart closes them all; the log says offline from the start until they reconnect).

Agents are the branch's operators: supervisors and admins watch (the board) and, when they take a call
themselves, are credited as its dialler, taker or note writer, never as "the only one ready".
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.accounts import agent_store
from ctid.accounts import store as users_store
from ctid.accounts.models import Role, User
from ctid.core.clock import utcnow
from ctid.core.errors import N_, ValidationError
from ctid.core.events import Event, EventBus
from ctid.core.paging import MAX_PER_PAGE, PageRequest
from ctid.core.tasks import TaskSet
from ctid.storage.db import Database

log = logging.getLogger(__name__)


class AgentState(StrEnum):
    READY = "ready"
    BREAK = "break"
    OFFLINE = "offline"


CHOSEN = (AgentState.READY, AgentState.BREAK)
STATE_LABELS = {
    AgentState.READY: N_("Ready"),
    AgentState.BREAK: N_("On a break"),
    AgentState.OFFLINE: N_("Offline"),
}


@dataclass(frozen=True)
class AgentStateChanged(Event):
    """An operator's state as the board shows it changed (the hub tells the branch's supervisors)."""

    user_id: int
    label: str
    branch_id: int
    state: AgentState
    since: datetime


@dataclass(frozen=True)
class AgentStatus:
    user: User
    state: AgentState
    since: datetime | None
    chosen: AgentState


def effective(chosen: AgentState, consoles: int) -> AgentState:
    """What the board shows: the chosen state while a console is open, offline without one."""
    return chosen if consoles > 0 else AgentState.OFFLINE


def parse_state(value: str) -> AgentState:
    """A state an operator may choose (422 naming ``state`` otherwise)."""
    for state in CHOSEN:
        if value == state.value:
            return state
    raise ValidationError("state", N_("Choose ready or break."))


def time_in(changes: Iterable[tuple[str, datetime]], state: str, since: datetime, until: datetime) -> float:
    """Seconds spent in ``state`` within [since, until), from one user's state changes in order of time
    (the last one before ``since`` included: the state they were in when the span began)."""
    total, current, began = 0.0, "", since
    for changed_to, at in [*changes, ("", until)]:
        at = min(max(at, since), until)
        if current == state:
            total += (at - began).total_seconds()
        current, began = changed_to, at
    return total


@dataclass
class _Console:
    user: User
    lines: frozenset[str]


class Agents:
    name = "agents"

    def __init__(self, db: Database, bus: EventBus, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._bus = bus
        self._clock = clock
        self._consoles: dict[int, _Console] = {}
        self._chosen: dict[int, AgentState] = {}  # of the users with a console open
        self._handles = itertools.count(1)
        self._writes = TaskSet()
        self._in_order = asyncio.Lock()  # the log's rows are written in the order the changes happened

    async def start(self) -> None:
        """Nobody's console is open at a start: whoever the log last saw online is offline from now."""
        now = self._clock()

        async def close(conn: AsyncConnection) -> int:
            latest = await agent_store.latest(conn)
            left = [user_id for user_id, (state, _at) in latest.items() if state != AgentState.OFFLINE]
            for user_id in left:
                await agent_store.log_state(conn, user_id, AgentState.OFFLINE, now)
            return len(left)

        if closed := await self._db.write(close, "the agents' states left online by the last run"):
            log.info("%d operator(s) offline since the start", closed)

    async def stop(self) -> None:
        await self._writes.wait()
        self._consoles.clear()

    # --- consoles open and closed ---------------------------------------------------------------------

    async def connected(self, user: User, lines: frozenset[str]) -> int:
        """A console of this operator opened; returns its handle for ``disconnected``."""
        handle = next(self._handles)
        if user.role != Role.OPERATOR:
            return handle
        before = self._state(user.id)
        if user.id not in self._chosen:
            self._chosen[user.id] = await self._read_chosen(user.id)
        self._consoles[handle] = _Console(user, lines)
        self._changed(user, before)
        return handle

    def disconnected(self, handle: int) -> None:
        """Not a coroutine: the socket's handler calls it as it is torn down (and may be cancelled)."""
        console = self._consoles.get(handle)
        if console is None:
            return
        before = self._state(console.user.id)
        del self._consoles[handle]
        if self._count(console.user.id) == 0:
            self._chosen.pop(console.user.id, None)
        self._changed(console.user, before)

    def rescoped(self, user: User, lines: frozenset[str]) -> None:
        """The hub re-scoped this user's open consoles to other lines."""
        for console in self._consoles.values():
            if console.user.id == user.id:
                console.lines = lines

    # --- the chosen state -------------------------------------------------------------------------------

    async def choose(self, user: User, value: str) -> AgentStatus:
        """The operator sets ready or break on the console."""
        state = parse_state(value)
        if user.role != Role.OPERATOR:
            raise ValidationError("state", N_("Only operators take calls as ready or on a break."))
        now, before = self._clock(), self._state(user.id)
        async with self._db.begin(immediate=True) as conn:
            await agent_store.choose(conn, user.id, state, now)
        if self._count(user.id):
            self._chosen[user.id] = state
        self._changed(user, before)
        return AgentStatus(user, self._state(user.id), now, state)

    async def status(self, user: User) -> AgentStatus:
        chosen = self._chosen.get(user.id) or await self._read_chosen(user.id)
        async with self._db.connect() as conn:
            since = (await agent_store.latest(conn, [user.id])).get(user.id)
        return AgentStatus(user, effective(chosen, self._count(user.id)), since[1] if since else None, chosen)

    # --- who is ready -----------------------------------------------------------------------------------

    def ready_on(self, line: str) -> frozenset[int]:
        """The operators ready now with a console that follows this line."""
        return frozenset(
            c.user.id
            for c in self._consoles.values()
            if line in c.lines and self._chosen.get(c.user.id) == AgentState.READY
        )

    def label_of(self, user_id: int | None) -> str:
        """The display name of an operator with a console open ("" for anyone else)."""
        for console in self._consoles.values():
            if console.user.id == user_id:
                return console.user.label
        return ""

    async def of_branch(self, branch_id: int) -> list[AgentStatus]:
        """The branch's active operators with their state and since when, for the board (by name)."""
        async with self._db.connect() as conn:
            page = await users_store.list_users(conn, PageRequest(1, MAX_PER_PAGE), branch_id, Role.OPERATOR)
            users = [u for u in page.items if u.active]
            chosen = await agent_store.chosen(conn, [u.id for u in users])
            latest = await agent_store.latest(conn, [u.id for u in users])
        found = []
        for user in users:
            mine = AgentState(chosen[user.id][0]) if user.id in chosen else AgentState.READY
            state = effective(self._chosen.get(user.id, mine), self._count(user.id))
            since = latest[user.id][1] if user.id in latest else None
            found.append(AgentStatus(user, state, since, mine))
        return sorted(found, key=lambda a: a.user.label)

    async def history(
        self, user_ids: Iterable[int], since: datetime, until: datetime
    ) -> list[tuple[int, str, datetime]]:
        async with self._db.connect() as conn:
            return await agent_store.history(conn, set(user_ids), since, until)

    # --- inside -------------------------------------------------------------------------------------------

    def _count(self, user_id: int) -> int:
        return sum(1 for c in self._consoles.values() if c.user.id == user_id)

    def _state(self, user_id: int) -> AgentState:
        return effective(self._chosen.get(user_id, AgentState.READY), self._count(user_id))

    async def _log(self, user_id: int, state: AgentState, at: datetime) -> None:
        async with self._in_order:
            await self._db.write(
                lambda conn: agent_store.log_state(conn, user_id, state, at), "an operator's state"
            )

    async def _read_chosen(self, user_id: int) -> AgentState:
        async with self._db.connect() as conn:
            found = (await agent_store.chosen(conn, [user_id])).get(user_id)
        return AgentState(found[0]) if found else AgentState.READY

    def _changed(self, user: User, before: AgentState) -> None:
        """Announce the state the board shows when it changed, and log it (a write in the background, in
        order: a closing socket's handler is cancelled, and the log must not lose the offline)."""
        after = self._state(user.id)
        if after == before:
            return
        now = self._clock()
        self._writes.spawn(self._log(user.id, after, now), name="agent state")
        self._bus.publish(
            AgentStateChanged(
                user_id=user.id, label=user.label, branch_id=user.branch_id, state=after, since=now
            )
        )
