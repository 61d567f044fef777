"""SQL for the dialer: campaigns, their contacts and the attempts. Every function takes an
open connection, so a service writes a change and its audit entry in one transaction.

The two guarantees the runner leans on are here: ``claim`` moves a contact from pending to dialling only if
it still is pending (a conditional UPDATE: of two runners, or a runner and an operator's click, one wins,
so a contact never has two attempts at once), and ``next_due`` is one range of
``ix_campaign_contacts_next`` (the longest waiting first), however many contacts a campaign holds. The
do-not-call list is the call log's (``ctid.calls.dnc_store``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.crm.tables import customer_phones, customers
from ctid.dialer.campaign_settings import settings_from_json, settings_to_json
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, ContactStatus
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.dialer.retry import AfterAttempt
from ctid.dialer.tables import campaign_contacts, campaigns, dial_attempts
from ctid.reminders.models import ItemStatus
from ctid.reminders.tables import reminder_items

CHUNK = 900


async def insert_campaign(conn: AsyncConnection, values: dict[str, Any]) -> int:
    row = {**values, "settings": json.dumps(settings_to_json(values["settings"]), ensure_ascii=False)}
    row["mode"], row["state"] = CampaignMode(row["mode"]).value, CampaignState(row["state"]).value
    return int((await conn.execute(insert(campaigns).values(**row).returning(campaigns.c.id))).scalar_one())


async def get_campaign(conn: AsyncConnection, campaign_id: int) -> Campaign | None:
    row = (await conn.execute(select(campaigns).where(campaigns.c.id == campaign_id))).mappings().first()
    return None if row is None else _campaign(row)


async def update_campaign(conn: AsyncConnection, campaign_id: int, values: dict[str, Any]) -> None:
    """A campaign's name, priority, mode or settings (``values`` as the row's, settings as a value)."""
    row = dict(values)
    if "settings" in row:
        row["settings"] = json.dumps(settings_to_json(row["settings"]), ensure_ascii=False)
    if "mode" in row:
        row["mode"] = CampaignMode(row["mode"]).value
    await conn.execute(update(campaigns).where(campaigns.c.id == campaign_id).values(**row))


async def drop_contacts(conn: AsyncConnection, campaign_id: int) -> None:
    """A draft's contacts (never dialled: a draft has no attempts), before they are read again."""
    await conn.execute(delete(campaign_contacts).where(campaign_contacts.c.campaign_id == campaign_id))


async def campaigns_in(conn: AsyncConnection, states: Collection[CampaignState]) -> list[Campaign]:
    """The campaigns in these states, the highest priority first."""
    query = (
        select(campaigns)
        .where(campaigns.c.state.in_([s.value for s in states]))
        .order_by(campaigns.c.priority.desc(), campaigns.c.id)
    )
    return [_campaign(row) for row in (await conn.execute(query)).mappings()]


async def set_state(
    conn: AsyncConnection,
    campaign_id: int,
    state: CampaignState,
    at: datetime,
    only_from: Collection[CampaignState],
    **values: Any,
) -> bool:
    """Move the campaign to ``state`` if it is in one of ``only_from`` (else nothing, False)."""
    query = (
        update(campaigns)
        .where(campaigns.c.id == campaign_id, campaigns.c.state.in_([s.value for s in only_from]))
        .values(state=state.value, updated_at=at, **values)
    )
    return bool((await conn.execute(query)).rowcount)


async def add_contacts(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int:
    """The contacts not in the campaign yet (a customer once a campaign); how many were added."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        query = postgresql.insert(campaign_contacts).on_conflict_do_nothing(
            index_elements=["campaign_id", "customer_id"]
        )
        return len((await conn.execute(query.returning(campaign_contacts.c.id), list(rows))).all())
    plain = sqlite.insert(campaign_contacts).on_conflict_do_nothing(
        index_elements=["campaign_id", "customer_id"]
    )
    return max(int((await conn.execute(plain, list(rows))).rowcount or 0), 0)


async def next_due(conn: AsyncConnection, campaign_id: int, now: datetime, limit: int) -> list[Contact]:
    """Pending contacts whose time has come, the longest waiting first."""
    query = (
        select(campaign_contacts)
        .where(
            campaign_contacts.c.campaign_id == campaign_id,
            campaign_contacts.c.status == ContactStatus.PENDING.value,
            campaign_contacts.c.next_try_at <= now,
        )
        .order_by(campaign_contacts.c.next_try_at, campaign_contacts.c.id)
        .limit(limit)
    )
    return [_contact(row) for row in (await conn.execute(query)).mappings()]


async def get_contact(conn: AsyncConnection, contact_id: int) -> Contact | None:
    query = select(campaign_contacts).where(campaign_contacts.c.id == contact_id)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _contact(row)


async def claim(conn: AsyncConnection, contact_id: int, at: datetime) -> bool:
    """The contact is being dialled now, if it was pending: whoever wins the update dials it."""
    query = (
        update(campaign_contacts)
        .where(
            campaign_contacts.c.id == contact_id,
            campaign_contacts.c.status == ContactStatus.PENDING.value,
        )
        .values(status=ContactStatus.DIALLING.value, updated_at=at)
    )
    return bool((await conn.execute(query)).rowcount)


async def settle(
    conn: AsyncConnection,
    contact_id: int,
    after: AfterAttempt,
    result: AttemptResult,
    at: datetime,
    **values: Any,
) -> None:
    """The contact after an attempt (``ctid.dialer.retry.after_attempt``): done or pending again."""
    changes = {
        "status": after.status.value,
        "attempts": after.attempts,
        "last_result": result.value,
        "updated_at": at,
        **values,
    }
    if after.next_try_at is not None:
        changes["next_try_at"] = after.next_try_at
    await conn.execute(
        update(campaign_contacts).where(campaign_contacts.c.id == contact_id).values(**changes)
    )


async def start_attempt(conn: AsyncConnection, values: dict[str, Any]) -> int:
    """An attempt's row, written before the dial."""
    query = insert(dial_attempts).values(**values).returning(dial_attempts.c.id)
    return int((await conn.execute(query)).scalar_one())


async def end_attempt(
    conn: AsyncConnection, attempt_id: int, result: AttemptResult, ended_at: datetime, **values: Any
) -> bool:
    """The attempt's end, once (an attempt ended already is left as it was: False)."""
    query = (
        update(dial_attempts)
        .where(dial_attempts.c.id == attempt_id, dial_attempts.c.ended_at.is_(None))
        .values(result=result.value, ended_at=ended_at, **values)
    )
    return bool((await conn.execute(query)).rowcount)


async def attempts_in_flight(conn: AsyncConnection) -> list[Attempt]:
    """Attempts without an end: at a start, the ones a stopped daemon left (``ix_dial_attempts_ended_at``)."""
    query = select(dial_attempts).where(dial_attempts.c.ended_at.is_(None)).order_by(dial_attempts.c.id)
    return [_attempt(row) for row in (await conn.execute(query)).mappings()]


async def attempts_of(conn: AsyncConnection, campaign_id: int, limit: int, offset: int = 0) -> list[Attempt]:
    query = (
        select(dial_attempts)
        .where(dial_attempts.c.campaign_id == campaign_id)
        .order_by(dial_attempts.c.started_at.desc(), dial_attempts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_attempt(row) for row in (await conn.execute(query)).mappings()]


async def line_results(conn: AsyncConnection, line: str, limit: int) -> list[AttemptResult]:
    """A line's newest attempt results, newest first (``ctid.dialer.line_health``)."""
    query = (
        select(dial_attempts.c.result)
        .where(dial_attempts.c.line == line, dial_attempts.c.result.is_not(None))
        .order_by(dial_attempts.c.started_at.desc(), dial_attempts.c.id.desc())
        .limit(limit)
    )
    return [AttemptResult(r) for r in (await conn.execute(query)).scalars()]


async def contact_counts(conn: AsyncConnection, campaign_id: int) -> dict[ContactStatus, int]:
    query = (
        select(campaign_contacts.c.status, func.count())
        .where(campaign_contacts.c.campaign_id == campaign_id)
        .group_by(campaign_contacts.c.status)
    )
    return {ContactStatus(status): int(count) for status, count in await conn.execute(query)}


async def result_counts(conn: AsyncConnection, campaign_id: int) -> dict[AttemptResult, int]:
    query = (
        select(dial_attempts.c.result, func.count())
        .where(dial_attempts.c.campaign_id == campaign_id, dial_attempts.c.result.is_not(None))
        .group_by(dial_attempts.c.result)
    )
    return {AttemptResult(result): int(count) for result, count in await conn.execute(query)}


def _campaign(row: RowMapping) -> Campaign:
    values = {c.name: row[c.name] for c in campaigns.c}
    values["mode"] = CampaignMode(row["mode"])
    values["state"] = CampaignState(row["state"])
    values["settings"] = settings_from_json(json.loads(row["settings"]))
    return Campaign(**values)


def _contact(row: RowMapping) -> Contact:
    values = {c.name: row[c.name] for c in campaign_contacts.c}
    values["status"] = ContactStatus(row["status"])
    values["call_back"] = bool(row["call_back"])
    values["last_result"] = None if row["last_result"] is None else AttemptResult(row["last_result"])
    return Contact(**values)


def _attempt(row: RowMapping) -> Attempt:
    values = {c.name: row[c.name] for c in dial_attempts.c}
    values["result"] = None if row["result"] is None else AttemptResult(row["result"])
    return Attempt(**values)


async def reminder_contacts(
    conn: AsyncConnection,
    branch_id: int,
    types: Sequence[str],
    last_day: date,
    first_day: date | None,
    assignee: int | Literal["pool"] | None,
) -> list[tuple[int, int, str | None]]:
    """The open reminder items a campaign works (of ``types``, all when empty; contact day within the
    window, up to ``last_day``; given to ``assignee``, the pool's, or anyone's with None): one per customer
    (the earliest contact day's), with the customer's first number: (customer, item, E.164 or None)."""
    query = (
        select(reminder_items.c.customer_id, reminder_items.c.id)
        .where(
            reminder_items.c.branch_id == branch_id,
            reminder_items.c.status == ItemStatus.OPEN.value,
            reminder_items.c.contact_on <= last_day,
        )
        .order_by(reminder_items.c.contact_on, reminder_items.c.id)
    )
    if types:
        query = query.where(reminder_items.c.type.in_(list(types)))
    if first_day is not None:
        query = query.where(reminder_items.c.contact_on >= first_day)
    if assignee == "pool":
        query = query.where(reminder_items.c.assignee_id.is_(None))
    elif assignee is not None:
        query = query.where(reminder_items.c.assignee_id == assignee)
    first_item: dict[int, int] = {}
    for customer_id, item_id in await conn.execute(query):
        first_item.setdefault(int(customer_id), int(item_id))
    numbers = await first_numbers(conn, list(first_item))
    return [(customer, item, numbers.get(customer)) for customer, item in first_item.items()]


async def first_numbers(conn: AsyncConnection, customer_ids: Sequence[int]) -> dict[int, str]:
    """Each customer's first phone number with an E.164 form (the card's order)."""
    found: dict[int, str] = {}
    for start in range(0, len(customer_ids), CHUNK):
        query = (
            select(customer_phones.c.customer_id, customer_phones.c.e164)
            .where(
                customer_phones.c.customer_id.in_(customer_ids[start : start + CHUNK]),
                customer_phones.c.e164.is_not(None),
            )
            .order_by(customer_phones.c.customer_id, customer_phones.c.position, customer_phones.c.id)
        )
        for customer_id, e164 in await conn.execute(query):
            found.setdefault(int(customer_id), str(e164))
    return found


async def dialling(conn: AsyncConnection) -> list[Contact]:
    """The contacts marked as being dialled (at a start: those a stopped daemon was dialling)."""
    query = select(campaign_contacts).where(campaign_contacts.c.status == ContactStatus.DIALLING.value)
    return [_contact(row) for row in (await conn.execute(query)).mappings()]


async def contacts_of(
    conn: AsyncConnection, campaign_id: int, ids: Sequence[int] | None, limit: int
) -> list[Contact]:
    """The contacts ``ids`` of the campaign, or its next ``limit`` still to dial (pending or being dialled,
    the longest waiting first): what the live page explains."""
    query = select(campaign_contacts).where(campaign_contacts.c.campaign_id == campaign_id)
    if ids is not None:
        query = query.where(campaign_contacts.c.id.in_(list(ids)[:CHUNK]))
    else:
        still = [ContactStatus.PENDING.value, ContactStatus.DIALLING.value]
        query = query.where(campaign_contacts.c.status.in_(still))
    query = query.order_by(campaign_contacts.c.next_try_at, campaign_contacts.c.id).limit(limit)
    return [_contact(row) for row in (await conn.execute(query)).mappings()]


async def item_types(conn: AsyncConnection, item_ids: Sequence[int]) -> dict[int, str]:
    """The reminder type of each item (what a call about it is about)."""
    found: dict[int, str] = {}
    for start in range(0, len(item_ids), CHUNK):
        query = select(reminder_items.c.id, reminder_items.c.type).where(
            reminder_items.c.id.in_(item_ids[start : start + CHUNK])
        )
        found.update({int(i): str(t) for i, t in await conn.execute(query)})
    return found


async def list_campaigns(conn: AsyncConnection, branch_id: int | None) -> list[Campaign]:
    """The campaigns of a branch (None: every branch's), the newest first."""
    query = select(campaigns).order_by(campaigns.c.id.desc())
    if branch_id is not None:
        query = query.where(campaigns.c.branch_id == branch_id)
    return [_campaign(row) for row in (await conn.execute(query)).mappings()]


async def attempt_count(conn: AsyncConnection, campaign_id: int) -> int:
    query = select(func.count()).select_from(dial_attempts).where(dial_attempts.c.campaign_id == campaign_id)
    return int(await conn.scalar(query) or 0)


async def earliest_pending(conn: AsyncConnection, campaign_id: int) -> datetime | None:
    """When the campaign's next pending contact comes due (a retry's or a call back's time), or None when
    none is pending: what the runner sleeps until."""
    query = (
        select(campaign_contacts.c.next_try_at)
        .where(
            campaign_contacts.c.campaign_id == campaign_id,
            campaign_contacts.c.status == ContactStatus.PENDING.value,
        )
        .order_by(campaign_contacts.c.next_try_at)
        .limit(1)
    )
    found: datetime | None = (await conn.execute(query)).scalar()
    return found


async def unclaim(conn: AsyncConnection, contact_id: int, at: datetime) -> None:
    """Back to pending without using an attempt (the line rang before the dial could start)."""
    await conn.execute(
        update(campaign_contacts)
        .where(
            campaign_contacts.c.id == contact_id,
            campaign_contacts.c.status == ContactStatus.DIALLING.value,
        )
        .values(status=ContactStatus.PENDING.value, updated_at=at)
    )


async def close_contact(conn: AsyncConnection, contact_id: int, reason: str, at: datetime) -> None:
    """A pending contact the lists forbid at dial time (do-not-call, opted out, contacted lately, no number):
    done without an attempt, ``reason`` saying why (a ``WhyNot`` value)."""
    await conn.execute(
        update(campaign_contacts)
        .where(
            campaign_contacts.c.id == contact_id,
            campaign_contacts.c.status == ContactStatus.PENDING.value,
        )
        .values(status=ContactStatus.DONE.value, reason=reason[:200], updated_at=at)
    )


async def get_attempt(conn: AsyncConnection, attempt_id: int) -> Attempt | None:
    row = (
        (await conn.execute(select(dial_attempts).where(dial_attempts.c.id == attempt_id))).mappings().first()
    )
    return None if row is None else _attempt(row)


async def delete_attempt(conn: AsyncConnection, attempt_id: int) -> None:
    """An attempt whose dial never started (the line rang first): no attempt at all."""
    await conn.execute(delete(dial_attempts).where(dial_attempts.c.id == attempt_id))


async def refine_result(
    conn: AsyncConnection, attempt_id: int, result: AttemptResult, only_from: AttemptResult, **values: Any
) -> bool:
    """An ended attempt's result as the operator gives it (the modem's "answered" was only that the line
    was handed to the handset), if it still is ``only_from``."""
    query = (
        update(dial_attempts)
        .where(dial_attempts.c.id == attempt_id, dial_attempts.c.result == only_from.value)
        .values(result=result.value, **values)
    )
    return bool((await conn.execute(query)).rowcount)


async def has_open_contacts(conn: AsyncConnection, campaign_id: int) -> bool:
    """Whether a contact of the campaign is still pending or in flight (two probes of the next-contact
    index, however many contacts are done)."""
    for status in (ContactStatus.PENDING, ContactStatus.DIALLING):
        query = (
            select(campaign_contacts.c.id)
            .where(campaign_contacts.c.campaign_id == campaign_id, campaign_contacts.c.status == status.value)
            .limit(1)
        )
        if (await conn.execute(query)).first() is not None:
            return True
    return False


async def contacts_at(conn: AsyncConnection, campaign_id: int, e164: str) -> list[int]:
    """The campaign's contacts dialled at this number (the live page's lookup)."""
    query = (
        select(campaign_contacts.c.id)
        .where(campaign_contacts.c.campaign_id == campaign_id, campaign_contacts.c.number_e164 == e164)
        .order_by(campaign_contacts.c.id)
        .limit(CHUNK)
    )
    return [int(i) for i in (await conn.execute(query)).scalars()]


async def customer_names(conn: AsyncConnection, customer_ids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(customer_ids), CHUNK):
        query = select(customers.c.id, customers.c.name).where(
            customers.c.id.in_(customer_ids[start : start + CHUNK])
        )
        found.update({int(i): str(n) for i, n in await conn.execute(query)})
    return found


async def item_attempts(conn: AsyncConnection, item_ids: Sequence[int]) -> list[tuple[int, Attempt]]:
    """The attempts made about these reminder items, with each one's item, the newest first (a reminder
    item's history)."""
    query = (
        select(campaign_contacts.c.reminder_item_id, dial_attempts)
        .join(campaign_contacts, campaign_contacts.c.id == dial_attempts.c.contact_id)
        .where(campaign_contacts.c.reminder_item_id.in_(list(item_ids)[:CHUNK]))
        .order_by(dial_attempts.c.started_at.desc(), dial_attempts.c.id.desc())
    )
    return [(int(row["reminder_item_id"]), _attempt(row)) for row in (await conn.execute(query)).mappings()]


async def contact_names(conn: AsyncConnection, contact_ids: Sequence[int]) -> dict[int, str]:
    """Each contact's customer's name, by the contact's id (the attempts' CSV)."""
    found: dict[int, str] = {}
    for start in range(0, len(contact_ids), CHUNK):
        query = (
            select(campaign_contacts.c.id, customers.c.name)
            .join(customers, customers.c.id == campaign_contacts.c.customer_id)
            .where(campaign_contacts.c.id.in_(contact_ids[start : start + CHUNK]))
        )
        found.update({int(i): str(n) for i, n in await conn.execute(query)})
    return found
