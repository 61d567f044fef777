"""A campaign's own exclusions (ctid.dialer.exclusions), each backend: a contact or a number taken out of
one campaign with a reason is never dialled by it, its "why not" says do-not-call, it is audited; let back
in, it is dialled; refused in words for what cannot be done."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from ctid.accounts.models import Role
from ctid.audit.tables import audit_log
from ctid.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.dialer.exclusions import Exclusions
from ctid.dialer.models import CampaignState, ContactStatus, WhyNot
from ctid.storage.db import Database
from tests.dialer.rig import ACTOR, Answer, build_rig, customers_with_items, make_user, until

ANSWERED = Answer("OK", 0.0, talk_s=0.0)


async def test_excluded_contacts_and_numbers_are_not_dialled_until_let_back_in(
    db: Database, branch_id: int
) -> None:
    sam = await make_user(db, branch_id, "sam", Role.SUPERVISOR)
    people = await customers_with_items(db, branch_id, 4)
    last = people[3][1].removeprefix("+86")  # a long call: the campaign still runs when one is let in

    def answer(number: str) -> Answer:
        return Answer("OK", 0.0, talk_s=1.0) if number == last else ANSWERED

    rig = build_rig(db, sam, answer, ("l1",))
    exclusions = Exclusions(db, PhoneNormaliser("CN", "20", ""), rig.bus, rig.clock)
    made = await rig.campaign("broadcast", ["l1"])
    contacts = {c.number_e164: c for c, _ in await rig.campaigns.explain(sam, made.id)}
    first, second, third, _fourth = (contacts[number] for _, number in people)

    await exclusions.exclude_contact(ACTOR, sam, made.id, first.id, "客户说这次活动别打")
    written = people[1][1].removeprefix("+86")  # as a person types it
    assert await exclusions.exclude_number(ACTOR, sam, made.id, written, "号码错") == 1
    explained = {c.id: (c.status, c.reason, why) for c, why in await rig.campaigns.explain(
        sam, made.id, [first.id, second.id])}  # fmt: skip
    assert explained == {
        first.id: (ContactStatus.EXCLUDED, "客户说这次活动别打", WhyNot.DO_NOT_CALL),
        second.id: (ContactStatus.EXCLUDED, "号码错", WhyNot.DO_NOT_CALL),
    }

    await rig.runner.start()
    try:
        await rig.start(made.id)
        line = rig.lines.get("l1")
        await until(lambda: len(line.dials) == 2, what="the two contacts left dialled")  # type: ignore[attr-defined]
        await exclusions.include_contact(ACTOR, sam, made.id, first.id)
        await until(lambda: len(line.dials) == 3, what="the one let back in dialled")  # type: ignore[attr-defined]
        dialled = Counter(line.dials)  # type: ignore[attr-defined]

        async def finished() -> bool:
            return (await rig.campaigns.get(sam, made.id)).state == CampaignState.FINISHED

        await until(finished, what="the campaign finished")
    finally:
        await rig.runner.stop()
    national = {number: number.removeprefix("+86") for _, number in people}
    assert dialled == Counter({national[n]: 1 for n in (people[0][1], people[2][1], people[3][1])})
    assert third.id != second.id
    with pytest.raises(Conflict):  # finished now: nobody is let back into it
        await exclusions.include_contact(ACTOR, sam, made.id, second.id)

    async with db.connect() as conn:
        query = select(audit_log.c.action).where(audit_log.c.action.like("campaign.%clu%"))
        actions = [row[0] for row in await conn.execute(query.order_by(audit_log.c.id))]
    assert actions == ["campaign.exclude", "campaign.exclude_number", "campaign.include"]


async def test_what_cannot_be_excluded_is_refused_in_words(db: Database, branch_id: int) -> None:
    sam = await make_user(db, branch_id, "sam", Role.SUPERVISOR)
    olga = await make_user(db, branch_id, "olga", Role.OPERATOR)
    await customers_with_items(db, branch_id, 2)
    rig = build_rig(db, sam, lambda _number: ANSWERED, ("l1",))
    exclusions = Exclusions(db, PhoneNormaliser("CN", "20", ""), rig.bus, rig.clock)
    made = await rig.campaign("broadcast", ["l1"])
    contact = (await rig.campaigns.explain(sam, made.id))[0][0]

    with pytest.raises(PermissionDenied):
        await exclusions.exclude_contact(ACTOR, olga, made.id, contact.id, "不要")
    with pytest.raises(ValidationError) as empty:
        await exclusions.exclude_contact(ACTOR, sam, made.id, contact.id, "  ")
    assert empty.value.field == "reason"
    with pytest.raises(ValidationError) as long:
        await exclusions.exclude_contact(ACTOR, sam, made.id, contact.id, "长" * 201)
    assert long.value.field == "reason"
    with pytest.raises(ValidationError) as number:
        await exclusions.exclude_number(ACTOR, sam, made.id, "not a number", "错")
    assert number.value.field == "number"
    with pytest.raises(NotFound):
        await exclusions.exclude_contact(ACTOR, sam, made.id + 1, contact.id, "错")
    with pytest.raises(NotFound):
        await exclusions.exclude_contact(ACTOR, sam, made.id, contact.id + 1000, "错")
    with pytest.raises(Conflict):
        await exclusions.include_contact(ACTOR, sam, made.id, contact.id)  # not excluded
    await exclusions.exclude_contact(ACTOR, sam, made.id, contact.id, "错")
    with pytest.raises(Conflict):
        await exclusions.exclude_contact(ACTOR, sam, made.id, contact.id, "再来")
    assert await exclusions.exclude_number(ACTOR, sam, made.id, "13999999999", "无此号") == 0
