"""The issue's done-when, in process: a 50-contact broadcast campaign over two fake modems on ptys (the real
modem driver and transport), each dial answered from a script and logged by the fake.

- retries and max attempts hold: a busy number is dialled again after its delay and answers; a number that
  never answers is dialled exactly ``max_attempts`` times; an answered one once;
- the do-not-call list and the customers' opt-outs are skipped: never dialled, their contacts closed;
- calling hours pause and resume it (the clock injected): nothing is dialled at lunch, all resumes at 14:00;
- an inbound call makes it yield the line: no dial on a ringing line, the other line dials on.

The only real-time waits are the fake modem's small dial delays; the campaign's clock moves by hand.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from ctid.accounts.models import Role
from ctid.calls.tables import dnc_numbers
from ctid.core.config import ModemLineOptions
from ctid.core.events import EventBus
from ctid.core.phone import PhoneNormaliser
from ctid.crm.tables import customer_opt_outs
from ctid.dialer.campaigns import Campaigns
from ctid.dialer.hours import ordinary
from ctid.dialer.models import CampaignState, ContactStatus
from ctid.dialer.runner import Runner
from ctid.dialer.tables import campaign_contacts, campaigns, dial_attempts
from ctid.storage.db import Database
from ctid.voicecard.events import LineStatusChanged
from ctid.voicecard.modem_driver import ModemDriver, ModemTiming
from tests.dialer.rig import ACTOR, SHOP, LineSet, WallClock, customers_with_items, make_user, until
from tests.reminders.support import NOW
from tests.support.fakemodem import DialAnswer, FakeModem

CONTACTS = 50
RETRY = {"busy": 1, "no_answer": 1, "no_carrier": 1, "no_dialtone": 1, "failed": 1, "unknown": 60}
ANSWER = DialAnswer("OK", 0.03, talk_s=0.3)  # not sooner: see the note in docs/dialer.md
TIMING = ModemTiming(command_timeout_s=3, reset_timeout_s=3, dial_timeout_s=10, reopen_min_s=0.05)
"""A real modem's patience (a loaded test box must not pass for a mute modem); quick to re-open."""


def kind(index: int) -> str:
    """What the script does with the index-th customer's number."""
    return ("busy_then_answer", "never_answers", "answers", "do_not_call", "opted_out")[index % 5]


@pytest.fixture
async def modems(tmp_path: Path) -> AsyncIterator[dict[str, FakeModem]]:
    fakes = {name: FakeModem(tmp_path / f"tty{name}") for name in ("m1", "m2")}
    for fake in fakes.values():
        fake.plug()
    yield fakes
    for fake in fakes.values():
        fake.unplug()


async def test_a_campaign_over_two_fake_modems(
    db: Database, branch_id: int, modems: dict[str, FakeModem]
) -> None:
    people = await customers_with_items(db, branch_id, CONTACTS)
    national = {number: number.removeprefix("+86") for _, number in people}
    kinds = {national[number]: kind(index) for index, (_, number) in enumerate(people)}
    async with db.begin() as conn:
        for index, (customer, number) in enumerate(people):
            if kind(index) == "do_not_call":
                await conn.execute(
                    insert(dnc_numbers).values(number_e164=number, reason="投诉", created_at=NOW)
                )
            elif kind(index) == "opted_out":
                await conn.execute(
                    insert(customer_opt_outs).values(
                        customer_id=customer, contact_type="insurance", reason="不要", created_at=NOW
                    )
                )
    busy_once: set[str] = set()

    def script(number: str) -> DialAnswer:
        what = kinds[number]
        if what == "busy_then_answer" and number not in busy_once:
            busy_once.add(number)
            return DialAnswer("BUSY", 0.03)
        if what == "never_answers":
            return DialAnswer("NO ANSWER", 0.03)
        return ANSWER

    for fake in modems.values():
        fake.dial_script = script
    bus, clock = EventBus(), WallClock()
    drivers = {
        name: ModemDriver(
            name, name, bus, ModemLineOptions(device=str(fake.path), ring_timeout_s=1.5), timing=TIMING
        )
        for name, fake in modems.items()
    }
    idle_at: list[tuple[str, float]] = []
    bus.subscribe(
        LineStatusChanged, lambda e: idle_at.append((e.line, time.monotonic())) if e.status == "up" else None
    )
    for driver in drivers.values():
        await driver.start()
    await until(lambda: all(d.info.status == "up" for d in drivers.values()), what="the modems ready")
    sam = await make_user(db, branch_id, "sam", Role.SUPERVISOR)
    campaigns_ = Campaigns(db, SHOP, clock, bus=bus)
    runner = Runner(
        db, bus, LineSet(dict(drivers)), PhoneNormaliser("CN", "20", ""), SHOP, clock, kind_of=ordinary
    )
    await runner.start()
    try:
        settings = {"lines": ["m1", "m2"], "source": {"kind": "reminders", "types": ["insurance"]},
                    "max_attempts": 3, "retry_minutes": RETRY}  # fmt: skip
        made = await campaigns_.create(ACTOR, sam, "续保 50", "broadcast", settings)
        await campaigns_.move(ACTOR, sam, made.id, "start")

        def dials() -> list[tuple[float, str, str]]:
            return sorted((d.at, name, d.number) for name, fake in modems.items() for d in fake.dials)

        # round 1 (09:30): every contact the lists allow, once; then all wait their retry delay
        await until(lambda: len(dials()) == 30, what="the first round's 30 dials")
        await until(lambda: _settled(db, made.id, dialling=0), what="the first round settled")
        await asyncio.sleep(0.2)
        assert len(dials()) == 30

        # lunch (12:10): retries are due, but no call starts outside the calling hours
        clock.now = NOW + timedelta(hours=2, minutes=40)
        runner.wake()
        await asyncio.sleep(0.5)
        assert len(dials()) == 30

        # 14:00, and a caller rings m2: the campaign dials on m1 only until m2 is free again
        modems["m2"].ring()
        modems["m2"].caller_id("13912345678")
        await until(lambda: drivers["m2"].info.status == "ringing", what="m2 ringing")
        rang_at = time.monotonic()
        clock.now = NOW + timedelta(hours=4, minutes=30)
        runner.wake()
        for _ in range(100):  # the caller rings on until m1 has dialled a few
            if sum(1 for at, name, _ in dials() if name == "m1" and at > rang_at) >= 3:
                break
            await asyncio.sleep(0.3)
            modems["m2"].ring()
        await until(lambda: any(name == "m2" for name, _ in idle_at if _ > rang_at), what="m2 free again")
        free_at = next(at for name, at in idle_at if name == "m2" and at > rang_at)
        during = [(name, at) for at, name, _ in dials() if rang_at <= at <= free_at]
        assert during and all(name == "m1" for name, _ in during), "a ringing line was dialled"
        await until(lambda: len(dials()) == 50, what="the second round's 20 dials")
        await until(lambda: _settled(db, made.id, dialling=0))

        # 14:31: the last tries of the numbers that never answer; then the campaign is finished
        clock.now += timedelta(minutes=1)
        runner.wake()
        await until(lambda: len(dials()) == 60, what="the third round's 10 dials")
        await until(lambda: _finished(db, made.id), what="the campaign finished")

        per_number = Counter(number for _, _, number in dials())
        expected = {"busy_then_answer": 2, "never_answers": 3, "answers": 1, "do_not_call": 0, "opted_out": 0}
        assert {n: per_number[n] for n in kinds} == {n: expected[k] for n, k in kinds.items()}
        async with db.connect() as conn:
            rows = (await conn.execute(select(campaign_contacts.c.status, campaign_contacts.c.reason))).all()
            attempts = (
                await conn.execute(select(dial_attempts.c.number_e164, dial_attempts.c.started_at))
            ).all()
        assert Counter(tuple(r) for r in rows) == Counter(
            {("done", ""): 30, ("done", "do_not_call"): 10, ("done", "opted_out"): 10}
        )
        assert len(attempts) == 60  # every dial a row, no row without its dial
        by_number: dict[str, list] = {}
        for number, started in attempts:
            by_number.setdefault(number, []).append(started)
        for times in by_number.values():  # never two attempts at once; each retry after its delay
            times.sort()
            assert all(
                later - earlier >= timedelta(minutes=1) for earlier, later in itertools.pairwise(times)
            )
    finally:
        await runner.stop()
        for driver in drivers.values():
            await driver.stop()


async def _settled(db: Database, campaign_id: int, dialling: int) -> bool:
    async with db.connect() as conn:
        rows = await conn.execute(
            select(campaign_contacts.c.status).where(
                campaign_contacts.c.campaign_id == campaign_id,
                campaign_contacts.c.status == ContactStatus.DIALLING.value,
            )
        )
        return len(rows.all()) == dialling


async def _finished(db: Database, campaign_id: int) -> bool:
    async with db.connect() as conn:
        state = (await conn.execute(select(campaigns.c.state).where(campaigns.c.id == campaign_id))).scalar()
    return state == CampaignState.FINISHED.value
