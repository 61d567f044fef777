"""Follow-ups and complaints: status moves along next_statuses only, resolving needs a result, closed is
final; the queue filters by status, kind, handler and due date, within the user's branch."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ctid.core.errors import Conflict, NotFound, ValidationError
from ctid.crm.follow_ups import NewFollowUp, check_content
from ctid.crm.models import FollowUpKind, FollowUpStatus, next_statuses
from ctid.crm.record_models import FollowUpFilter
from tests.crm.records.support import World
from tests.crm.support import NOW

S = FollowUpStatus


def test_next_statuses() -> None:
    assert next_statuses(S.OPEN) == (S.IN_PROGRESS, S.RESOLVED)
    assert next_statuses(S.IN_PROGRESS) == (S.RESOLVED,)
    assert next_statuses(S.RESOLVED) == (S.CLOSED, S.IN_PROGRESS)
    assert next_statuses(S.CLOSED) == ()
    assert all(s not in next_statuses(s) for s in S)


async def test_a_complaint_is_handled_resolved_and_closed(world: World) -> None:
    customer = (await world.customer(world.olga)).customer.id
    follow_ups, actor = world.records.follow_ups, world.actor(world.olga)
    new = NewFollowUp(
        customer, FollowUpKind.COMPLAINT, "维修价格", "电话", "嫌贵", date(2026, 3, 25), world.supervisor.id
    )
    complaint = await follow_ups.create(actor, world.olga, new)
    assert (complaint.status, complaint.recorder_id, complaint.handler_id) == (
        S.OPEN,
        world.olga.id,
        world.supervisor.id,
    )
    update = follow_ups.update
    complaint = await update(actor, world.olga, complaint.id, {"status": S.IN_PROGRESS})
    with pytest.raises(Conflict) as refused:
        await update(actor, world.olga, complaint.id, {"status": S.CLOSED})
    assert "in_progress cannot become closed" in str(refused.value)
    with pytest.raises(ValidationError) as missing:
        await update(actor, world.olga, complaint.id, {"status": S.RESOLVED})
    assert missing.value.field == "result"
    complaint = await update(
        actor, world.olga, complaint.id, {"status": S.RESOLVED, "result": "退差价 50 元"}
    )
    complaint = await update(actor, world.supervisor, complaint.id, {"status": S.CLOSED})
    assert (complaint.status, complaint.closed_at, complaint.result) == (S.CLOSED, NOW, "退差价 50 元")
    with pytest.raises(Conflict):
        await update(actor, world.olga, complaint.id, {"content": "改"})
    entries = list(await _changes(world, complaint.id))
    assert entries == [
        ("status", "resolved", "closed"),
        ("result", "", "退差价 50 元"),
        ("status", "in_progress", "resolved"),
        ("status", "open", "in_progress"),
    ]


async def _changes(world: World, follow_up_id: int) -> list[tuple[str, object, object]]:
    from ctid.crm.history import read_history

    async with world.db.connect() as conn:
        lines = await read_history(conn, "follow_up", follow_up_id)
    return [(h.field, h.before, h.after) for h in lines if h.action == "follow_up.update"]


async def test_the_handler_is_staff_of_the_branch(world: World) -> None:
    customer = (await world.customer(world.olga)).customer.id
    follow_ups, actor = world.records.follow_ups, world.actor(world.olga)
    with pytest.raises(ValidationError) as refused:
        new = NewFollowUp(customer, content="回访", handler_id=world.erin.id)
        await follow_ups.create(actor, world.olga, new)
    assert refused.value.field == "handler_id"
    with pytest.raises(ValidationError) as refused:
        await follow_ups.create(actor, world.erin, NewFollowUp(customer, content="回访"))
    assert refused.value.field == "customer_id", "another branch's customer does not exist for erin"


async def test_the_queue_filters_within_the_branch(world: World) -> None:
    customer = (await world.customer(world.olga)).customer.id
    theirs = (await world.customer(world.erin, "李娜", "13900139000")).customer.id
    follow_ups = world.records.follow_ups
    for due, kind, handler in [
        (date(2026, 3, 30), FollowUpKind.FOLLOW_UP, None),
        (date(2026, 3, 20), FollowUpKind.COMPLAINT, world.supervisor.id),
        (None, FollowUpKind.FOLLOW_UP, world.supervisor.id),
    ]:
        new = NewFollowUp(customer, kind, content="回访", due_on=due, handler_id=handler)
        await follow_ups.create(world.actor(world.olga), world.olga, new)
    mine = await follow_ups.create(world.actor(world.erin), world.erin, NewFollowUp(theirs, content="回访"))
    queue = await follow_ups.page(world.olga, FollowUpFilter())
    assert [f.due_on for f in queue.items] == [date(2026, 3, 20), date(2026, 3, 30), None]
    assert (await follow_ups.page(world.olga, FollowUpFilter(kind=FollowUpKind.COMPLAINT))).total == 1
    assert (await follow_ups.page(world.olga, FollowUpFilter(handler_id=world.supervisor.id))).total == 2
    due = await follow_ups.page(
        world.olga, FollowUpFilter(due_from=date(2026, 3, 21), due_to=date(2026, 3, 30))
    )
    assert [f.due_on for f in due.items] == [date(2026, 3, 30)]
    assert (await follow_ups.page(world.olga, FollowUpFilter(status=S.CLOSED))).total == 0
    assert (await follow_ups.page(world.admin, FollowUpFilter())).total == 4
    with pytest.raises(NotFound):
        await follow_ups.get(world.olga, mine.id)


# whitespace of every kind, line breaks and the invisible characters a paste or an IME leaves behind
BLANKS = st.text(alphabet=st.characters(whitelist_categories=("Zs", "Zl", "Zp", "Cc", "Cf")))


@given(BLANKS)
def test_content_of_blanks_alone_is_refused(content: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_content(content)
    assert refused.value.field == "content"


# U+FFFD, the mark of a failed decode, is a symbol that clean_text removes on purpose: it shows nothing
VISIBLE = st.characters(whitelist_categories=("L", "N", "P", "S"), blacklist_characters="\ufffd")


@given(BLANKS, VISIBLE, BLANKS)
@example("", "\ufffd", "").xfail(raises=ValidationError, reason="a failed decode's mark alone is nothing")
def test_content_with_anything_visible_is_kept(before: str, visible: str, after: str) -> None:
    check_content(before + visible + after)


async def test_a_follow_up_or_complaint_says_what_it_is_about(world: World) -> None:
    customer = (await world.customer(world.olga)).customer.id
    follow_ups, actor = world.records.follow_ups, world.actor(world.olga)
    for kind in FollowUpKind:
        for content in ("", "   ", "\n\t\u3000", "\u200b"):
            with pytest.raises(ValidationError) as refused:
                await follow_ups.create(actor, world.olga, NewFollowUp(customer, kind, content=content))
            assert (refused.value.field, str(refused.value)) == (
                "content",
                "Write what the follow-up or complaint is about.",
            )
    assert (await follow_ups.page(world.olga, FollowUpFilter())).total == 0, "nothing was written"
    complaint = await follow_ups.create(
        actor, world.olga, NewFollowUp(customer, FollowUpKind.COMPLAINT, content="  等待时间太长\n  ")
    )
    assert complaint.content == "等待时间太长"
    with pytest.raises(ValidationError) as refused:
        await follow_ups.update(actor, world.olga, complaint.id, {"content": " \u3000 "})
    assert refused.value.field == "content"
    assert (await follow_ups.get(world.olga, complaint.id)).content == "等待时间太长"
