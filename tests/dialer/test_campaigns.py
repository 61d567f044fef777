"""Campaigns as supervisors run them (ctid.dialer.campaigns), each backend: made from the reminder queue (a
customer once, at their first number, the item it works), moved only where a campaign may go (audited),
and a start after a crash: the attempts in flight are unknown and their contacts wait, nothing redialled."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.audit.tables import audit_log
from ctid.calls.dnc import DoNotCall
from ctid.calls.tables import calls
from ctid.core.errors import Conflict, PermissionDenied, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm.tables import customer_opt_outs, customer_phones, customers
from ctid.dialer import store
from ctid.dialer.campaigns import Campaigns
from ctid.dialer.models import AttemptResult, CampaignState, ContactStatus, WhyNot
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_items, item_row
from tests.support.site import fast_passwords

SHOP = "Asia/Shanghai"
ACTOR = Actor.system("test")
SOURCE: dict[str, Any] = {"kind": "reminders", "types": ["insurance"]}


async def _user(db: Database, branch_id: int, name: str, role: Role) -> Any:
    accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: NOW)
    user, _ = await accounts.users.create_user(
        ACTOR, NewUser(name, role, branch_id, name, "a long password 1", False)
    )
    return user


async def _customer(db: Database, branch_id: int, name: str, *numbers: str) -> int:
    customer = await add_customer(db, branch_id, name)
    async with db.begin() as conn:
        for position, number in enumerate(numbers):
            await conn.execute(
                insert(customer_phones).values(
                    customer_id=customer, number=number, e164=number, position=position
                )
            )
    return customer


async def test_a_campaign_from_the_queue(db: Database, branch_id: int) -> None:
    sam = await _user(db, branch_id, "sam", Role.SUPERVISOR)
    wang = await _customer(db, branch_id, "王伟", "+8613800138000", "+862088886666")
    li = await _customer(db, branch_id, "李娜")  # no number: a contact that says so
    zhao = await _customer(db, branch_id, "赵六", "+8613900139000")
    await add_items(
        db,
        item_row(branch_id, wang, None, "insurance", TODAY + timedelta(days=30)),
        item_row(branch_id, wang, None, "insurance", TODAY + timedelta(days=31), subject="vehicle:99"),
        item_row(
            branch_id, li, None, "insurance", TODAY + timedelta(days=30), contact_on=TODAY - timedelta(days=1)
        ),
        item_row(branch_id, zhao, None, "birthday", TODAY),  # another type
        item_row(
            branch_id,
            zhao,
            None,
            "insurance",
            TODAY + timedelta(days=45),
            contact_on=TODAY + timedelta(days=1),
        ),
    )
    campaigns = Campaigns(db, SHOP, clock=lambda: NOW)
    made = await campaigns.create(
        ACTOR, sam, "续保 12月", "progressive", {"lines": ["modem1"], "source": SOURCE}
    )
    assert made.state == CampaignState.DRAFT and made.branch_id == branch_id
    async with db.connect() as conn:
        contacts = await store.next_due(conn, made.id, NOW, 10)
    assert sorted((c.customer_id, c.number_e164) for c in contacts) == [(wang, "+8613800138000"), (li, None)]
    assert all(c.reminder_item_id for c in contacts)


async def test_moves_and_refusals(db: Database, branch_id: int) -> None:
    sam = await _user(db, branch_id, "sam", Role.SUPERVISOR)
    olga = await _user(db, branch_id, "olga", Role.OPERATOR)
    campaigns = Campaigns(db, SHOP, clock=lambda: NOW)
    settings = {"lines": ["modem1"], "source": SOURCE}
    with pytest.raises(PermissionDenied):
        await campaigns.create(ACTOR, olga, "x", "preview", settings)
    with pytest.raises(ValidationError) as bad:
        await campaigns.create(ACTOR, sam, "x", "predictive", settings)
    assert bad.value.field == "mode"
    with pytest.raises(ValidationError) as bad:
        await campaigns.create(ACTOR, sam, "x", "preview", {"lines": [], "source": SOURCE})
    assert bad.value.field == "settings.lines"
    made = await campaigns.create(ACTOR, sam, "回访", "preview", settings)
    with pytest.raises(Conflict):
        await campaigns.move(ACTOR, sam, made.id, "pause")
    running = await campaigns.move(ACTOR, sam, made.id, "start")
    assert running.state == CampaignState.RUNNING and running.started_at is not None
    assert (await campaigns.move(ACTOR, sam, made.id, "pause")).state == CampaignState.PAUSED
    assert (await campaigns.move(ACTOR, sam, made.id, "start")).state == CampaignState.RUNNING
    stopped = await campaigns.move(ACTOR, sam, made.id, "stop")
    assert stopped.state == CampaignState.STOPPED and stopped.ended_at is not None
    with pytest.raises(Conflict):
        await campaigns.move(ACTOR, sam, made.id, "start")
    async with db.connect() as conn:
        actions = (await conn.execute(select(audit_log.c.action).order_by(audit_log.c.id))).scalars().all()
    assert [a for a in actions if a.startswith("campaign.")] == [
        "campaign.create", "campaign.start", "campaign.pause", "campaign.start", "campaign.stop",
    ]  # fmt: skip


async def test_a_start_after_a_crash_marks_the_lost_attempts_and_dials_nobody_twice(
    db: Database, branch_id: int, caplog: pytest.LogCaptureFixture
) -> None:
    sam = await _user(db, branch_id, "sam", Role.SUPERVISOR)
    wang = await _customer(db, branch_id, "王伟", "+8613800138000")
    await add_items(db, item_row(branch_id, wang, None, "insurance", TODAY + timedelta(days=30)))
    campaigns = Campaigns(db, SHOP, clock=lambda: NOW)
    made = await campaigns.create(ACTOR, sam, "续保", "progressive", {"lines": ["modem1"], "source": SOURCE})
    await campaigns.move(ACTOR, sam, made.id, "start")
    async with db.begin() as conn:
        contact = (await store.next_due(conn, made.id, NOW, 1))[0]
        assert await store.claim(conn, contact.id, NOW)
        values = {"campaign_id": made.id, "contact_id": contact.id, "number_e164": "+8613800138000",
                  "line": "modem1", "started_at": NOW}  # fmt: skip
        await store.start_attempt(conn, values)
    later = NOW + timedelta(minutes=3)  # killed mid-call, started again
    restarted = Campaigns(db, SHOP, clock=lambda: later)
    with caplog.at_level(logging.WARNING, logger="ctid.dialer.campaigns"):
        await restarted.start()  # the daemon's start, as a component
    assert "1 attempt(s) were in flight" in caplog.text and "+86" not in caplog.text
    async with db.connect() as conn:
        attempts = await store.attempts_of(conn, made.id, 5)
        again = await store.get_contact(conn, contact.id)
        assert await store.next_due(conn, made.id, later + timedelta(minutes=59), 5) == []
        assert len(await store.next_due(conn, made.id, later + timedelta(hours=1), 5)) == 1
        campaign = await store.get_campaign(conn, made.id)
    assert [(a.result, a.ended_at) for a in attempts] == [(AttemptResult.UNKNOWN, later)]
    assert again is not None and (again.status, again.attempts) == (ContactStatus.PENDING, 1)
    assert campaign is not None and campaign.state == CampaignState.RUNNING, "it runs on after the start"
    assert (await restarted.recover()).attempts == 0


async def test_why_each_contact_is_not_dialled_now(db: Database, branch_id: int) -> None:
    """The live page's column: the do-not-call list, an opt-out of what the call is about, a customer
    spoken to within the window, no number, a draft campaign, lunch time; one contact due."""
    sam = await _user(db, branch_id, "sam", Role.SUPERVISOR)
    people = {
        name: await _customer(db, branch_id, name, *([f"+861380013800{n}"] if name != "无号" else []))
        for n, name in enumerate(["名单", "拒绝", "刚联系", "无号", "可拨"])
    }
    await add_items(
        db, *(item_row(branch_id, c, None, "insurance", TODAY + timedelta(days=30)) for c in people.values())
    )
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(
                customer_id=people["拒绝"], contact_type="insurance", created_at=NOW
            )
        )
        when = NOW - timedelta(days=2)
        await conn.execute(
            insert(calls).values(id="c1", line="desk", direction="in", customer_id=people["刚联系"],
                                 started_at=when, answered_at=when)
        )  # fmt: skip
    monday_ten = NOW.replace(hour=2)  # 10:00 in Shanghai, a Monday
    campaigns = Campaigns(db, SHOP, clock=lambda: monday_ten)
    dnc = DoNotCall(db, PhoneNormaliser(), clock=lambda: NOW)
    await dnc.add(ACTOR, sam, "+8613800138000", "投诉要求")
    settings = {"lines": ["modem1"], "source": SOURCE, "contacted_window_days": 7}
    made = await campaigns.create(ACTOR, sam, "续保", "progressive", settings)
    names = {v: k for k, v in people.items()}

    async def reasons(campaign: Campaigns) -> dict[str, WhyNot | None]:
        return {names[c.customer_id or 0]: why for c, why in await campaign.explain(sam, made.id)}

    assert await reasons(campaigns) == {
        "名单": WhyNot.DO_NOT_CALL,
        "拒绝": WhyNot.OPTED_OUT,
        "刚联系": WhyNot.CONTACTED_RECENTLY,
        "无号": WhyNot.NO_NUMBER,
        "可拨": WhyNot.CAMPAIGN_NOT_RUNNING,
    }
    await campaigns.move(ACTOR, sam, made.id, "start")
    assert (await reasons(campaigns))["可拨"] is None
    lunch = Campaigns(db, SHOP, clock=lambda: NOW.replace(hour=4, minute=30))  # 12:30
    assert (await reasons(lunch))["可拨"] == WhyNot.OUTSIDE_HOURS


async def test_a_campaign_from_a_customer_search(db: Database, branch_id: int) -> None:
    """The customer list's filters pick the contacts (this branch's only), each at their first number, no
    reminder item; the call is marketing: a marketing opt-out is skipped, an insurance one is not."""
    sam = await _user(db, branch_id, "sam", Role.SUPERVISOR)
    accounts = AccountService(db, LoginThrottle(), hasher=fast_passwords(), clock=lambda: NOW)
    other = (await accounts.branches.create_branch(ACTOR, BranchFields("east", "东区店"))).id
    vip = await _customer(db, branch_id, "王伟", "+8613800138000", "+8613900139000")
    refused = await _customer(db, branch_id, "李娜", "+8613800138001")
    insured = await _customer(db, branch_id, "赵六", "+8613800138002")
    await _customer(db, branch_id, "钱七", "+8613800138003")  # another level
    far = await add_customer(db, other, "孙八", level="A")
    async with db.begin() as conn:
        await conn.execute(
            customers.update().where(customers.c.id.in_([vip, refused, insured])).values(level="A")
        )
        await conn.execute(
            insert(customer_opt_outs),
            [
                {"customer_id": refused, "contact_type": "marketing", "created_at": NOW},
                {"customer_id": insured, "contact_type": "insurance", "created_at": NOW},
            ],
        )
    monday_ten = NOW.replace(hour=2)  # 10:00 in Shanghai
    campaigns = Campaigns(db, SHOP, clock=lambda: monday_ten)
    search = {"kind": "search", "search": {"level": "A", "tag": ""}}
    made = await campaigns.create(ACTOR, sam, "A 级客户关怀", "preview", {"lines": ["m1"], "source": search})
    assert made.settings.source.search == {"level": "A"}  # an empty filter is no filter
    async with db.connect() as conn:
        contacts = await store.next_due(conn, made.id, monday_ten, 10)
    assert sorted((c.customer_id, c.number_e164) for c in contacts) == [
        (vip, "+8613800138000"), (refused, "+8613800138001"), (insured, "+8613800138002"),
    ]  # fmt: skip
    assert far not in {c.customer_id for c in contacts}
    assert all(c.reminder_item_id is None for c in contacts)
    await campaigns.move(ACTOR, sam, made.id, "start")
    why = {c.customer_id: w for c, w in await campaigns.explain(sam, made.id)}
    assert why[refused] == WhyNot.OPTED_OUT
    assert why[insured] is None and why[vip] is None
    with pytest.raises(ValidationError) as bad:
        typo = {"kind": "search", "search": {"lvl": "A"}}
        await campaigns.create(ACTOR, sam, "x", "preview", {"lines": ["m1"], "source": typo})
    assert bad.value.field == "settings.source.search.lvl"
    with pytest.raises(ValidationError) as bad:
        await campaigns.create(
            ACTOR,
            sam,
            "x",
            "preview",
            {"lines": ["m1"], "source": {"kind": "search", "search": {"due": "insurance", "within": "999"}}},
        )
    assert bad.value.field == "settings.source.search.within"
