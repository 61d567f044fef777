"""The runner (ctid.dialer.runner) on scripted lines, each backend: it dials the due contacts on the free
lines, follows each call to its result, settles the contact by the retry rules and feeds the reminder item;
it never dials outside hours, never a line that rings, never a contact twice at once; a line that fails
three times leaves the campaign; an operator's result books, calls back or opts out."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from ctid.accounts.models import Role
from ctid.core.errors import Conflict, PermissionDenied, ValidationError
from ctid.crm.tables import customer_opt_outs
from ctid.dialer import store
from ctid.dialer.campaigns import Campaigns
from ctid.dialer.events import CampaignAttemptEnded, CampaignCallPlaced, CampaignLineOut
from ctid.dialer.models import AttemptResult, CampaignState, ContactStatus
from ctid.dialer.tables import dial_attempts
from ctid.reminders.tables import reminder_items
from ctid.storage.db import Database
from tests.dialer.rig import (
    ACTOR,
    SHOP,
    Answer,
    Rig,
    ScriptedLine,
    build_rig,
    customers_with_items,
    make_user,
    until,
)

FAST = {"busy": 1, "no_answer": 1, "no_carrier": 1, "no_dialtone": 1, "failed": 1, "unknown": 5}


@pytest.fixture
async def rig(db: Database, branch_id: int) -> AsyncIterator[Rig]:
    sam = await make_user(db, branch_id, "sam", Role.SUPERVISOR)
    answers: dict[str, list[Answer]] = {}

    def answer(number: str) -> Answer:
        script = answers.get(f"+86{number}") or [Answer("NO ANSWER")]  # dialled as a national number
        return script.pop(0) if len(script) > 1 else script[0]

    made = build_rig(db, sam, answer, ("l1", "l2"))
    made.answers = answers  # type: ignore[attr-defined]
    await made.runner.start()
    yield made
    await made.runner.stop()
    for line in made.lines.drivers.values():
        await line.stop()


async def _attempts(db: Database, campaign_id: int) -> list[tuple[str, str | None]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            select(dial_attempts.c.number_e164, dial_attempts.c.result)
            .where(dial_attempts.c.campaign_id == campaign_id)
            .order_by(dial_attempts.c.id)
        )
        return [(str(n), r) for n, r in rows]


async def _contacts(db: Database, campaign_id: int) -> dict[str, tuple[ContactStatus, int]]:
    async with db.connect() as conn:
        found = await store.contacts_of(conn, campaign_id, None, 1000)
        done = await store.contacts_of(conn, campaign_id, [c.id for c in found] or [0], 1000)
    everyone = {c.id: c for c in [*found, *done]}
    return {str(c.number_e164): (c.status, c.attempts) for c in everyone.values()}


async def _all_contacts(db: Database, campaign_id: int) -> dict[str, tuple[ContactStatus, int]]:
    from ctid.dialer.tables import campaign_contacts

    async with db.connect() as conn:
        rows = await conn.execute(
            select(
                campaign_contacts.c.number_e164, campaign_contacts.c.status, campaign_contacts.c.attempts
            ).where(campaign_contacts.c.campaign_id == campaign_id)
        )
        return {str(n): (ContactStatus(s), int(a)) for n, s, a in rows}


async def test_a_broadcast_dials_retries_and_finishes(rig: Rig, db: Database, branch_id: int) -> None:
    people = await customers_with_items(db, branch_id, 4)
    (_, first), (_, second), (_, third), (_, fourth) = people
    rig.answers.update(  # type: ignore[attr-defined]
        {first: [Answer("BUSY"), Answer("VCON")], second: [Answer("VCON")], third: [Answer("NO CARRIER")]}
    )
    placed: list[CampaignCallPlaced] = []
    ended: list[CampaignAttemptEnded] = []
    rig.bus.subscribe(CampaignCallPlaced, placed.append)
    rig.bus.subscribe(CampaignAttemptEnded, ended.append)
    made = await rig.campaign("broadcast", ["l1", "l2"], max_attempts=2, retry_minutes=FAST)
    await rig.start(made.id)
    await until(lambda: len(ended) == 4, what="the first round")
    assert Counter(e.result for e in ended) == Counter(
        {
            AttemptResult.BUSY: 1,
            AttemptResult.ANSWERED: 1,
            AttemptResult.NO_CARRIER: 1,
            AttemptResult.NO_ANSWER: 1,
        }
    )
    assert {p.line for p in placed} == {"l1", "l2"} and all(p.operator_id is None for p in placed)
    contacts = await _all_contacts(db, made.id)
    assert contacts[second] == (ContactStatus.DONE, 1)
    assert contacts[first] == (ContactStatus.PENDING, 1)
    rig.clock.advance(seconds=30)  # not due yet: nothing more is dialled
    rig.runner.wake()
    await until(lambda: True)
    await asyncio.sleep(0.3)
    assert len(ended) == 4
    rig.clock.advance(minutes=1)
    rig.runner.wake()
    await until(lambda: len(ended) == 7, what="the second round")
    contacts = await _all_contacts(db, made.id)
    assert contacts == {
        first: (ContactStatus.DONE, 2),
        second: (ContactStatus.DONE, 1),
        third: (ContactStatus.DONE, 2),  # max attempts
        fourth: (ContactStatus.DONE, 2),
    }
    dialled = Counter(n for line in rig.lines.drivers.values() for n in line.dials)  # type: ignore[attr-defined]
    assert sorted(dialled.values()) == [1, 2, 2, 2]
    await until(lambda: _state(db, made.id, CampaignState.FINISHED), what="the campaign to finish")
    async with db.connect() as conn:
        items = dict(
            (await conn.execute(select(reminder_items.c.customer_id, reminder_items.c.outcome))).all()
        )
    assert items[people[1][0]] == "reached"  # a broadcast's answer without DTMF: the message was heard
    assert items[people[3][0]] == "no_answer"


async def _state(db: Database, campaign_id: int, state: CampaignState) -> bool:
    async with db.connect() as conn:
        found = await store.get_campaign(conn, campaign_id)
    return found is not None and found.state == state


async def test_inbound_wins_the_line_and_costs_no_attempt(rig: Rig, db: Database, branch_id: int) -> None:
    (_, number), *_ = await customers_with_items(db, branch_id, 1)
    line = rig.lines.drivers["l1"]
    assert isinstance(line, ScriptedLine)
    line.ring_before_dial = True  # a caller rings just as the dial would start
    made = await rig.campaign("broadcast", ["l1"], retry_minutes=FAST)
    await rig.start(made.id)
    await until(lambda: line.machine.state != "idle", what="the ring")
    await until(lambda: _contacts_are(db, made.id, {number: (ContactStatus.PENDING, 0)}), what="yielded")
    assert line.dials == [] and await _attempts(db, made.id) == []
    await until(lambda: line.machine.state == "idle", what="the missed call's end")  # rang 0.5 s
    await until(lambda: len(line.dials) == 1, what="the dial once the line is free")


async def _contacts_are(db: Database, campaign_id: int, wanted: dict[str, tuple[ContactStatus, int]]) -> bool:
    return await _all_contacts(db, campaign_id) == wanted


async def test_never_outside_calling_hours(rig: Rig, db: Database, branch_id: int) -> None:
    await customers_with_items(db, branch_id, 1)
    rig.clock.advance(hours=3)  # 12:30: lunch
    made = await rig.campaign("broadcast", ["l1"])
    await rig.start(made.id)
    await asyncio.sleep(0.5)
    assert await _attempts(db, made.id) == []
    rig.clock.advance(hours=1, minutes=30)  # 14:00: open again
    rig.runner.wake()
    await until(lambda: len(rig.lines.drivers["l1"].dials) == 1, what="a dial at 14:00")  # type: ignore[attr-defined]


async def test_a_failing_line_leaves_the_campaign(rig: Rig, db: Database, branch_id: int) -> None:
    people = await customers_with_items(db, branch_id, 5)
    for _, number in people:
        rig.answers[number] = [Answer("NO DIALTONE")]  # type: ignore[attr-defined]
    out: list[CampaignLineOut] = []
    rig.bus.subscribe(CampaignLineOut, out.append)
    made = await rig.campaign("broadcast", ["l1"], retry_minutes=FAST)
    await rig.start(made.id)
    await until(lambda: out, what="the line out")
    assert out[0].line == "l1" and out[0].last_result == AttemptResult.NO_DIALTONE
    await asyncio.sleep(0.3)
    assert len(rig.lines.drivers["l1"].dials) == 3  # type: ignore[attr-defined]
    contacts = await _all_contacts(db, made.id)
    assert all(attempts == 0 for _, attempts in contacts.values())  # the line's fault: no attempt used
    assert [line.out for line in rig.runner.lines_of(made)] == [True]


async def test_pause_stops_dialling(rig: Rig, db: Database, branch_id: int) -> None:
    people = await customers_with_items(db, branch_id, 3)
    for _, number in people:
        rig.answers[number] = [Answer("NO ANSWER", delay_s=0.3)]  # type: ignore[attr-defined]
    made = await rig.campaign("broadcast", ["l1"], retry_minutes=FAST)
    await rig.start(made.id)
    await until(lambda: len(rig.lines.drivers["l1"].dials) == 1)  # type: ignore[attr-defined]
    await rig.campaigns.move(ACTOR, rig.supervisor, made.id, "pause")
    await asyncio.sleep(0.8)
    assert len(rig.lines.drivers["l1"].dials) == 1  # type: ignore[attr-defined]
    assert [r for _, r in await _attempts(db, made.id)] == ["no_answer"]  # the call in flight settled
    await rig.start(made.id)
    await until(lambda: len(rig.lines.drivers["l1"].dials) == 3)  # type: ignore[attr-defined]


async def test_after_a_crash_the_lost_attempt_waits_its_delay(rig: Rig, db: Database, branch_id: int) -> None:
    (_, number), *_ = await customers_with_items(db, branch_id, 1)
    made = await rig.campaign("broadcast", ["l1"], retry_minutes=FAST)
    await rig.start(made.id)
    await rig.runner.stop()
    async with db.begin() as conn:  # as a killed daemon left it: claimed, the attempt written, no end
        contact = (await store.next_due(conn, made.id, rig.clock(), 1))[0]
        assert await store.claim(conn, contact.id, rig.clock())
        values = {"campaign_id": made.id, "contact_id": contact.id, "number_e164": number, "line": "l1",
                  "started_at": rig.clock()}  # fmt: skip
        await store.start_attempt(conn, values)
    rig.lines.drivers["l1"].dials.clear()  # type: ignore[attr-defined]
    await Campaigns(db, SHOP, rig.clock).recover()
    await rig.runner.start()
    await asyncio.sleep(0.5)
    assert rig.lines.drivers["l1"].dials == []  # type: ignore[attr-defined]
    rig.clock.advance(minutes=5)
    rig.runner.wake()
    await until(lambda: len(rig.lines.drivers["l1"].dials) == 1)  # type: ignore[attr-defined]


async def test_an_operator_dials_a_card_and_gives_results(rig: Rig, db: Database, branch_id: int) -> None:
    people = await customers_with_items(db, branch_id, 3)
    for _, number in people:
        rig.answers[number] = [Answer("OK", talk_s=None)]  # type: ignore[attr-defined]
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    ivan = await make_user(db, branch_id, "ivan", Role.OPERATOR)
    made = await rig.campaign("preview", ["l1", "l2"], operators=[olga.id])
    await rig.start(made.id)
    async with db.connect() as conn:
        contacts = await store.next_due(conn, made.id, rig.clock(), 10)
    with pytest.raises(PermissionDenied):
        await rig.runner.dial_contact(ivan, made.id, contacts[0].id, "l1")
    placed = await rig.runner.dial_contact(olga, made.id, contacts[0].id, "l1")
    with pytest.raises(Conflict):  # the same contact again: in flight
        await rig.runner.dial_contact(olga, made.id, contacts[0].id, "l2")
    line = rig.lines.drivers["l1"]
    assert isinstance(line, ScriptedLine)
    await until(lambda: line.machine.state == "connected")
    line.end_call()
    await until(lambda: _attempt_result(db, placed.attempt_id, "answered"), what="the modem's answered")
    with pytest.raises(PermissionDenied):
        await rig.runner.give_result(ivan, placed.attempt_id, "confirmed")
    with pytest.raises(ValidationError):
        await rig.runner.give_result(olga, placed.attempt_id, "unknown")
    await rig.runner.give_result(olga, placed.attempt_id, "confirmed", note="周三来")
    with pytest.raises(Conflict):
        await rig.runner.give_result(olga, placed.attempt_id, "declined")
    # a call back for her at a time, then an opt-out
    second = await rig.runner.dial_contact(olga, made.id, contacts[1].id, "l2")
    await until(lambda: rig.lines.drivers["l2"].machine.state == "connected")
    when = rig.clock() + timedelta(days=1)
    await rig.runner.give_result(olga, second.attempt_id, "call_back", call_back_at=when)  # during the call
    rig.lines.drivers["l2"].end_call()  # type: ignore[attr-defined]
    third = await _dial_when_free(rig, olga, made.id, contacts[2].id)
    await until(lambda: rig.lines.drivers[third.line].machine.state == "connected")
    rig.lines.drivers[third.line].end_call()  # type: ignore[attr-defined]
    await until(lambda: _attempt_result(db, third.attempt_id, "answered"))
    await rig.runner.give_result(olga, third.attempt_id, "opted_out")
    async with db.connect() as conn:
        first_contact = await store.get_contact(conn, contacts[0].id)
        second_contact = await store.get_contact(conn, contacts[1].id)
        items = dict(
            (await conn.execute(select(reminder_items.c.customer_id, reminder_items.c.outcome))).all()
        )
        opted = (
            await conn.execute(select(customer_opt_outs.c.customer_id, customer_opt_outs.c.contact_type))
        ).all()
    assert first_contact is not None and first_contact.status == ContactStatus.DONE
    assert second_contact is not None and second_contact.status == ContactStatus.PENDING
    assert second_contact.call_back and second_contact.call_back_user_id == olga.id
    assert second_contact.next_try_at == when and second_contact.attempts == 1
    assert items[contacts[0].customer_id] == "booked" and items[contacts[1].customer_id] == "call_back"
    assert items[contacts[2].customer_id] == "declined"
    assert [tuple(row) for row in opted] == [(contacts[2].customer_id, "insurance")]


async def _dial_when_free(rig: Rig, user: object, campaign_id: int, contact_id: int):  # type: ignore[no-untyped-def]
    for _ in range(200):
        try:
            return await rig.runner.dial_contact(user, campaign_id, contact_id, "l2")  # type: ignore[arg-type]
        except Conflict:
            await asyncio.sleep(0.02)
    raise AssertionError("line l2 never came free")


async def _attempt_result(db: Database, attempt_id: int, result: str) -> bool:
    async with db.connect() as conn:
        found = await store.get_attempt(conn, attempt_id)
    return found is not None and found.result is not None and found.result.value == result


async def test_progressive_calls_for_a_ready_operator_one_at_a_time(
    rig: Rig, db: Database, branch_id: int
) -> None:
    people = await customers_with_items(db, branch_id, 3)
    for _, number in people:
        rig.answers[number] = [Answer("OK", talk_s=None)]  # type: ignore[attr-defined]
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    placed: list[CampaignCallPlaced] = []
    rig.bus.subscribe(CampaignCallPlaced, placed.append)
    made = await rig.campaign("progressive", ["l1", "l2"], operators=[olga.id])
    await rig.start(made.id)
    await asyncio.sleep(0.5)
    assert placed == []  # free lines, due contacts, but nobody ready: no call without an operator
    handlers = Handlers({olga.id})  # ready, but on another call (the call handlers know)
    rig.runner._handlers = handlers  # type: ignore[assignment]
    rig.ready["l1"] = {olga.id}
    rig.runner.wake()
    await asyncio.sleep(0.5)
    assert placed == []
    handlers.talking.clear()
    rig.runner.wake()
    await until(lambda: len(placed) == 1, what="a call for olga")
    assert placed[0].operator_id == olga.id and placed[0].line == "l1"
    assert handlers.credited == [(placed[0].call_id, "l1", olga.id)]  # hers in the call log
    line = rig.lines.drivers["l1"]
    assert isinstance(line, ScriptedLine)
    await until(lambda: line.machine.state == "connected")
    line.end_call()
    await until(lambda: _attempt_result(db, placed[0].attempt_id, "answered"))
    await asyncio.sleep(0.5)
    assert len(placed) == 1  # her result first: she is wrapping the call up
    assert rig.runner.operators_busy() == {olga.id: placed[0].attempt_id}
    await rig.runner.give_result(olga, placed[0].attempt_id, "declined")
    await until(lambda: len(placed) == 2, what="her next call")
    assert placed[1].operator_id == olga.id and placed[1].contact_id != placed[0].contact_id


class Handlers:
    """The call handlers as the runner asks them: who is talking, and whose a campaign call is."""

    def __init__(self, talking: set[int]) -> None:
        self.talking = talking
        self.credited: list[tuple[str, str, int]] = []

    def busy(self) -> frozenset[int]:
        return frozenset(self.talking)

    def dialled_for(self, call_id: str, line: str, user_id: int, label: str = "") -> None:
        self.credited.append((call_id, line, user_id))
