"""A rig for the runner's tests: lines whose dials answer from a script (the real state machine and
events, no device), a wall clock the test moves, and a campaign made from the reminder queue."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from ctid.accounts.models import Role, User
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.crm.tables import customer_phones
from ctid.dialer.campaigns import Campaigns
from ctid.dialer.hours import ordinary
from ctid.dialer.records import Campaign
from ctid.dialer.runner import Runner
from ctid.storage.db import Database
from ctid.voicecard.driver import LineDriver, LineInfo
from ctid.voicecard.line import DIAL_RESULTS
from tests.reminders.support import NOW, TODAY, add_customer, add_items, item_row
from tests.support.site import fast_passwords

SHOP = "Asia/Shanghai"
ACTOR = Actor.system("test")


class WallClock:
    """The site's wall clock, moved by the test (NOW: a Monday 09:30 in Shanghai)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Answer:
    """How the far end answers one dial: a result code after ``delay_s``; an answered call (OK, VCON)
    ends after ``talk_s`` (None: it stays up until hung up)."""

    code: str
    delay_s: float = 0.0
    talk_s: float | None = 0.0


class ScriptedLine(LineDriver):
    """A line whose dials answer by ``answer(number)``; logs each dial. ``ring_before_dial``: a RING comes
    just as the next dial starts (inbound wins)."""

    driver = "scripted"

    def __init__(self, name: str, bus: EventBus, answer: Callable[[str], Answer], clock: WallClock) -> None:
        super().__init__(name, name, bus, ring_timeout_s=0.5, clock=clock)
        self.answer = answer
        self.dials: list[str] = []
        self.ring_before_dial = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._cancel_timer()

    async def dial(self, number: str) -> str:
        if self.ring_before_dial:
            self.ring_before_dial = False
            self.ring()
        self._apply(self.machine.dial, number)
        self.dials.append(number)
        call_id = self.machine.call_id or ""
        task = asyncio.create_task(self._play(call_id, self.answer(number)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return call_id

    async def _play(self, call_id: str, answer: Answer) -> None:
        await asyncio.sleep(answer.delay_s)
        if self.machine.call_id != call_id:
            return
        self._apply(self.machine.dial_result, answer.code)
        if DIAL_RESULTS[answer.code] is None and answer.talk_s is not None:
            await asyncio.sleep(answer.talk_s)
            if self.machine.call_id == call_id:
                self._apply(functools.partial(self.machine.onhook, by="modem"))

    async def hangup(self) -> None:
        if self.machine.state == "dialing":
            self._apply(self.machine.dial_result, "ERROR")
        if self.machine.call_id is not None:
            self._apply(functools.partial(self.machine.onhook, by="modem"))

    def end_call(self) -> None:
        """The far end hangs up a connected call."""
        self._apply(self.machine.far_end_hangup)

    def inbound_ringing(self) -> None:
        self.ring()


@dataclass
class LineSet:
    drivers: dict[str, LineDriver] = field(default_factory=dict)

    def get(self, name: str) -> LineDriver:
        return self.drivers[name]

    def infos(self) -> list[LineInfo]:
        return [driver.info for driver in self.drivers.values()]


async def make_user(db: Database, branch_id: int, name: str, role: Role) -> User:
    accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: NOW)
    user, _ = await accounts.users.create_user(
        ACTOR, NewUser(name, role, branch_id, name, "a long password 1", False)
    )
    return user


async def customers_with_items(
    db: Database, branch_id: int, count: int, type_: str = "insurance", first: int = 13800000000
) -> list[tuple[int, str]]:
    """``count`` customers, each with one number and an open item of ``type_``: (customer, E.164)."""
    made = []
    for index in range(count):
        number = f"+86{first + index}"
        customer = await add_customer(db, branch_id, f"客户{index}")
        async with db.begin() as conn:
            await conn.execute(
                insert(customer_phones).values(customer_id=customer, number=number, e164=number, position=0)
            )
        await add_items(db, item_row(branch_id, customer, None, type_, TODAY + timedelta(days=30)))
        made.append((customer, number))
    return made


@dataclass
class Rig:
    db: Database
    bus: EventBus
    clock: WallClock
    lines: LineSet
    campaigns: Campaigns
    runner: Runner
    supervisor: User
    ready: dict[str, set[int]]  # line -> the operators ready on it (the agents' state)

    async def campaign(self, mode: str, lines: list[str], **settings: Any) -> Campaign:
        values = {"lines": lines, "source": {"kind": "reminders", "types": ["insurance"]}, **settings}
        return await self.campaigns.create(ACTOR, self.supervisor, "续保", mode, values)

    async def start(self, campaign_id: int) -> None:
        await self.campaigns.move(ACTOR, self.supervisor, campaign_id, "start")


def build_rig(db: Database, supervisor: User, answer: Callable[[str], Answer], names: tuple[str, ...]) -> Rig:
    bus = EventBus()
    clock = WallClock()
    lines = LineSet({name: ScriptedLine(name, bus, answer, clock) for name in names})
    campaigns = Campaigns(db, SHOP, clock, bus=bus)
    normaliser = PhoneNormaliser("CN", "20", "")
    ready: dict[str, set[int]] = {}
    runner = Runner(
        db, bus, lines, normaliser, SHOP, clock, kind_of=ordinary, nap_s=0.2,
        ready_on=lambda line: frozenset(ready.get(line, ())),
    )  # fmt: skip
    return Rig(db, bus, clock, lines, campaigns, runner, supervisor, ready)


async def until(check: Callable[[], Any], timeout_s: float = 30.0, what: str = "") -> None:
    """Wait (polling the loop) until ``check()`` is true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}; the dialer's tasks:\n{_tasks()}")
        await asyncio.sleep(0.01)


def _tasks() -> str:
    """Where each of the dialer's tasks waits (what a test that timed out needs to know)."""
    lines = []
    for task in asyncio.all_tasks():
        if "dialer" not in task.get_name():
            continue
        where: list[str] = []
        awaited: Any = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
            if frame is not None:
                where.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None)
        lines.append(f"  {task.get_name()}: {' > '.join(where)}")
    return "\n".join(lines)
