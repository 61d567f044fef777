"""The dialer's store on a real database, each backend: a contact is claimed by one dialler only, the next
contacts are the longest waiting whose time has come, an attempt ends once, the attempts a stopped daemon
left are found."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from ctid.dialer import store
from ctid.dialer.campaign_settings import settings_from_json
from ctid.dialer.models import AttemptResult, CampaignState, ContactStatus
from ctid.dialer.retry import RetryRules, after_attempt
from ctid.storage.db import Database
from tests.reminders.support import NOW, add_customer

SETTINGS = settings_from_json({"lines": ["modem1"], "source": {"kind": "reminders", "types": ["insurance"]}})


async def _campaign(db: Database, branch_id: int, contacts: int) -> tuple[int, list[int]]:
    customers = [await add_customer(db, branch_id, f"客户{n}") for n in range(contacts)]
    async with db.begin() as conn:
        campaign = await store.insert_campaign(
            conn,
            {"branch_id": branch_id, "name": "续保 12月", "mode": "progressive", "state": "draft",
             "settings": SETTINGS, "created_at": NOW, "updated_at": NOW},
        )  # fmt: skip
        rows = [
            {"campaign_id": campaign, "customer_id": c, "number_e164": f"+86138001380{n:02d}",
             "next_try_at": NOW + timedelta(minutes=n % 3), "updated_at": NOW}
            for n, c in enumerate(customers)
        ]  # fmt: skip
        assert await store.add_contacts(conn, rows) == contacts
        assert await store.add_contacts(conn, rows[:2]) == 0, "a customer once a campaign"
    return campaign, customers


async def test_a_campaign_is_read_back_and_moves_only_from_where_it_may(db: Database, branch_id: int) -> None:
    campaign, _ = await _campaign(db, branch_id, 0)
    async with db.begin() as conn:
        read = await store.get_campaign(conn, campaign)
        assert read is not None and read.settings == SETTINGS and read.state == CampaignState.DRAFT
        assert await store.set_state(
            conn, campaign, CampaignState.RUNNING, NOW, {CampaignState.DRAFT}, started_at=NOW
        )
        assert not await store.set_state(conn, campaign, CampaignState.RUNNING, NOW, {CampaignState.PAUSED})
        assert [c.id for c in await store.campaigns_in(conn, {CampaignState.RUNNING})] == [campaign]


async def test_the_next_contacts_are_the_longest_waiting_whose_time_has_come(
    db: Database, branch_id: int
) -> None:
    campaign, customers = await _campaign(db, branch_id, 6)
    async with db.connect() as conn:
        now_due = await store.next_due(conn, campaign, NOW, 10)
        assert [c.customer_id for c in now_due] == [customers[0], customers[3]]
        later = await store.next_due(conn, campaign, NOW + timedelta(minutes=5), 4)
        assert [c.customer_id for c in later] == [customers[0], customers[3], customers[1], customers[4]]


async def test_one_dialler_wins_a_contact(db: Database, branch_id: int) -> None:
    campaign, _ = await _campaign(db, branch_id, 1)
    async with db.connect() as conn:
        contact = (await store.next_due(conn, campaign, NOW, 1))[0]

    async def claim() -> bool:
        async with db.begin(immediate=True) as conn:
            return await store.claim(conn, contact.id, NOW)

    won = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(won) == [False, False, False, False, True]
    async with db.connect() as conn:
        assert await store.next_due(conn, campaign, NOW + timedelta(hours=1), 5) == []


async def test_an_attempt_ends_once_and_the_lost_ones_are_found(db: Database, branch_id: int) -> None:
    campaign, _ = await _campaign(db, branch_id, 2)
    async with db.begin() as conn:
        first, second = await store.next_due(conn, campaign, NOW + timedelta(hours=1), 2)
        ids = []
        for contact in (first, second):
            assert await store.claim(conn, contact.id, NOW)
            ids.append(
                await store.start_attempt(
                    conn,
                    {
                        "campaign_id": campaign,
                        "contact_id": contact.id,
                        "number_e164": contact.number_e164,
                        "line": "modem1",
                        "started_at": NOW,
                    },
                )
            )
        ended = NOW + timedelta(seconds=40)
        assert await store.end_attempt(conn, ids[0], AttemptResult.BUSY, ended)
        assert not await store.end_attempt(conn, ids[0], AttemptResult.ANSWERED, ended)
        after = after_attempt(AttemptResult.BUSY, first.attempts, ended, RetryRules())
        await store.settle(conn, first.id, after, AttemptResult.BUSY, ended)
        assert [a.id for a in await store.attempts_in_flight(conn)] == [ids[1]]
        again = await store.get_contact(conn, first.id)
        assert again is not None
        assert (again.status, again.attempts, again.last_result) == (
            ContactStatus.PENDING,
            1,
            AttemptResult.BUSY,
        )
        assert again.next_try_at == ended + timedelta(minutes=10)
        assert await store.line_results(conn, "modem1", 5) == [AttemptResult.BUSY]
        assert await store.contact_counts(conn, campaign) == {
            ContactStatus.PENDING: 1,
            ContactStatus.DIALLING: 1,
        }
        assert await store.result_counts(conn, campaign) == {AttemptResult.BUSY: 1}
        newest_first = [a.result for a in await store.attempts_of(conn, campaign, 10)]
        assert newest_first == [None, AttemptResult.BUSY]
