"""An operator's desk (ctid.dialer.desk) on scripted lines, each backend: a preview card is held for the
operator it is shown to (never shown to two at once; the same card again on a reload; free again when
released, skipped, dialled, or when the hold lapses), a card skipped with a reason uses no attempt, a card
is dialled on the operator's line through the runner, the lists' forbidden contacts are closed and not
shown, and a call back kept for an operator comes back to them, and to nobody else, at its time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from ctid.accounts.models import Role, User
from ctid.audit.tables import audit_log
from ctid.calls.dnc import DoNotCall
from ctid.core.errors import Conflict, PermissionDenied, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.dialer import store
from ctid.dialer.desk import Card, Desk, NoCard
from ctid.dialer.hours import ordinary
from ctid.dialer.models import AttemptResult, ContactStatus, WhyNot
from ctid.dialer.records import Campaign
from ctid.storage.db import Database
from tests.dialer.rig import ACTOR, Answer, Rig, build_rig, customers_with_items, make_user, until

MINE = frozenset({"l1", "l2"})


@pytest.fixture
async def rig(db: Database, branch_id: int) -> AsyncIterator[Rig]:
    sam = await make_user(db, branch_id, "sam", Role.SUPERVISOR)
    made = build_rig(db, sam, lambda _number: Answer("OK", talk_s=None), ("l1", "l2"))
    await made.runner.start()
    yield made
    await made.runner.stop()
    for line in made.lines.drivers.values():
        await line.stop()


def _desk(rig: Rig, lines: frozenset[str] = MINE) -> Desk:
    async def lines_of(_user: User) -> frozenset[str]:
        return lines

    return Desk(rig.db, rig.runner, "Asia/Shanghai", lines_of, rig.clock, kind_of=ordinary)


async def _preview(rig: Rig, db: Database, branch_id: int, count: int, *operators: User) -> Campaign:
    await customers_with_items(db, branch_id, count)
    made = await rig.campaign("preview", ["l1", "l2"], operators=[o.id for o in operators])
    await rig.start(made.id)
    return made


def _card(found: Card | NoCard) -> Card:
    assert isinstance(found, Card), found
    return found


async def test_a_card_is_held_for_the_operator_it_is_shown_to(rig: Rig, db: Database, branch_id: int) -> None:
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    ivan = await make_user(db, branch_id, "ivan", Role.OPERATOR)
    made = await _preview(rig, db, branch_id, 3, olga, ivan)
    desk = _desk(rig)

    first = _card(await desk.next_card(olga, made.id))
    second = _card(await desk.next_card(ivan, made.id))
    assert first.contact.id != second.contact.id  # never one card on two screens
    assert first.item is not None and first.item.type == "insurance" and first.attempts == ()
    assert first.lines == ("l1", "l2") and first.held_until == rig.clock() + timedelta(minutes=10)
    again = _card(await desk.next_card(olga, made.id))
    assert again.contact.id == first.contact.id  # a reload shows the same card, not the next

    await desk.release(olga, made.id, first.contact.id)  # closed: free for the others at once
    pete = await make_user(db, branch_id, "pete", Role.SUPERVISOR)  # a supervisor may work it too
    assert _card(await desk.next_card(pete, made.id)).contact.id == first.contact.id
    rig.clock.advance(minutes=11)  # pete and ivan left their cards: their holds lapse
    assert _card(await desk.next_card(olga, made.id)).contact.id == first.contact.id
    assert _card(await desk.next_card(pete, made.id)).contact.id == second.contact.id


async def test_two_operators_asking_at_once_get_two_cards(rig: Rig, db: Database, branch_id: int) -> None:
    import asyncio

    people = [await make_user(db, branch_id, f"op{i}", Role.OPERATOR) for i in range(4)]
    made = await _preview(rig, db, branch_id, 3, *people)
    desk = _desk(rig)
    found = await asyncio.gather(*(desk.next_card(person, made.id) for person in people))
    shown = [f.contact.id for f in found if isinstance(f, Card)]
    assert len(shown) == 3 and len(set(shown)) == 3  # three cards, three operators; the fourth none
    assert [f for f in found if isinstance(f, NoCard)] == [NoCard(None, rig.clock())]  # all held, due now


async def test_a_skipped_card_uses_no_attempt_and_comes_round_later(
    rig: Rig, db: Database, branch_id: int
) -> None:
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    ivan = await make_user(db, branch_id, "ivan", Role.OPERATOR)
    made = await _preview(rig, db, branch_id, 2, olga, ivan)
    desk = _desk(rig)
    card = _card(await desk.next_card(olga, made.id))
    with pytest.raises(ValidationError) as refused:
        await desk.skip(ACTOR, olga, made.id, card.contact.id, "  ")
    assert refused.value.field == "reason"
    with pytest.raises(Conflict):  # ivan may not skip the card olga is reading
        await desk.skip(ACTOR, ivan, made.id, card.contact.id, "不是我的")
    await desk.skip(ACTOR, olga, made.id, card.contact.id, "客户正在店里")
    async with db.connect() as conn:
        skipped = await store.get_contact(conn, card.contact.id)
        audited = (await conn.execute(select(audit_log.c.action, audit_log.c.entity_id))).all()
    assert skipped is not None
    assert (skipped.status, skipped.attempts, skipped.last_result) == (
        ContactStatus.PENDING,
        0,
        AttemptResult.SKIPPED,
    )
    assert skipped.reason == "客户正在店里" and skipped.held_by is None
    assert skipped.next_try_at == rig.clock() + timedelta(hours=4)
    assert ("campaign.skip", str(card.contact.id)) in [tuple(row) for row in audited]
    other = _card(await desk.next_card(olga, made.id))
    assert other.contact.id != card.contact.id  # the skipped one waits
    await desk.skip(ACTOR, olga, made.id, other.contact.id, "号码不对")
    assert await desk.next_card(olga, made.id) == NoCard(None, rig.clock() + timedelta(hours=4))


async def test_a_card_is_dialled_on_the_operators_line_and_given_a_result(
    rig: Rig, db: Database, branch_id: int
) -> None:
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    ivan = await make_user(db, branch_id, "ivan", Role.OPERATOR)
    made = await _preview(rig, db, branch_id, 2, olga, ivan)
    desk = _desk(rig)
    card = _card(await desk.next_card(olga, made.id))
    with pytest.raises(Conflict):  # shown to olga: ivan cannot dial it
        await desk.dial(ivan, made.id, card.contact.id, "l1")
    with pytest.raises(PermissionDenied):  # not one of her lines
        await _desk(rig, frozenset({"l2"})).dial(olga, made.id, card.contact.id, "l1")
    placed = await desk.dial(olga, made.id, card.contact.id, "l1")
    await until(lambda: rig.lines.drivers["l1"].machine.state == "connected")
    ended = await rig.runner.give_result(olga, placed.attempt_id, "declined", note="已在别家续保")
    assert ended.result == AttemptResult.DECLINED and ended.operator_id == olga.id
    async with db.connect() as conn:
        contact = await store.get_contact(conn, card.contact.id)
    assert contact is not None and contact.status == ContactStatus.DONE and contact.held_by is None
    # the next card shows the attempts so far of its contact
    await rig.lines.drivers["l1"].hangup()
    rest = _card(await desk.next_card(olga, made.id))
    assert rest.contact.id != card.contact.id and rest.attempts == ()
    shown = await desk.card(made.id, card.contact.id)
    assert [(a.result, a.note) for a in shown.attempts] == [(AttemptResult.DECLINED, "已在别家续保")]


async def test_forbidden_contacts_are_closed_and_the_next_is_shown(
    rig: Rig, db: Database, branch_id: int
) -> None:
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    made = await _preview(rig, db, branch_id, 2, olga)
    dnc = DoNotCall(db, PhoneNormaliser("CN", "20", ""), rig.clock)
    await dnc.add(ACTOR, rig.supervisor, "+8613800000000", "投诉过")
    card = _card(await _desk(rig).next_card(olga, made.id))
    assert card.contact.number_e164 == "+8613800000001"
    async with db.connect() as conn:
        closed = await store.contacts_of(conn, made.id, None, 10)
        listed = await store.contacts_of(conn, made.id, [c.id for c in closed] + [card.contact.id - 1], 10)
    assert {(c.number_e164, c.status, c.reason) for c in listed} >= {
        ("+8613800000000", ContactStatus.DONE, "do_not_call")
    }


async def test_no_card_says_why(rig: Rig, db: Database, branch_id: int) -> None:
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    ivan = await make_user(db, branch_id, "ivan", Role.OPERATOR)
    made = await _preview(rig, db, branch_id, 1, olga)
    desk = _desk(rig)
    with pytest.raises(PermissionDenied):
        await desk.next_card(ivan, made.id)
    assert [c.id for c in await desk.campaigns(olga)] == [made.id] and await desk.campaigns(ivan) == []
    rig.clock.advance(hours=3)  # 12:30: lunch
    lunch = await desk.next_card(olga, made.id)
    assert isinstance(lunch, NoCard) and lunch.why == WhyNot.OUTSIDE_HOURS
    assert lunch.next_at is not None and lunch.next_at.hour == 14
    await rig.campaigns.move(ACTOR, rig.supervisor, made.id, "pause")
    assert await desk.next_card(olga, made.id) == NoCard(WhyNot.CAMPAIGN_NOT_RUNNING, None)
    progressive = await rig.campaign("progressive", ["l1"])
    with pytest.raises(Conflict):  # it dials by itself
        await desk.next_card(olga, progressive.id)


async def test_a_call_back_for_me_comes_back_to_me_only_at_its_time(
    rig: Rig, db: Database, branch_id: int
) -> None:
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    ivan = await make_user(db, branch_id, "ivan", Role.OPERATOR)
    made = await _preview(rig, db, branch_id, 2, olga, ivan)
    desk = _desk(rig)
    card = _card(await desk.next_card(olga, made.id))
    placed = await desk.dial(olga, made.id, card.contact.id, "l1")
    at = rig.clock() + timedelta(hours=1)
    await rig.runner.give_result(olga, placed.attempt_id, "call_back", call_back_at=at, for_anyone=False)
    await rig.lines.drivers["l1"].hangup()
    [back] = await desk.call_backs(olga)
    assert (back.contact.id, back.due, back.contact.next_try_at) == (card.contact.id, False, at)
    assert await desk.call_backs(ivan) == []
    other = _card(await desk.next_card(ivan, made.id))
    await desk.skip(ACTOR, ivan, made.id, other.contact.id, "稍后")
    rig.clock.advance(hours=1)
    assert await desk.next_card(ivan, made.id) == NoCard(None, rig.clock() + timedelta(hours=3))  # not his
    [due] = await desk.call_backs(olga)
    assert due.due
    mine = _card(await desk.next_card(olga, made.id))
    assert mine.contact.id == card.contact.id and mine.contact.call_back
    assert [a.result for a in mine.attempts] == [AttemptResult.CALL_BACK]
