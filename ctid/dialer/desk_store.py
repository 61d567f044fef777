"""The rows of an operator's desk: a preview card held for the operator it is shown to, a card skipped with a
reason, a contact's attempts so far, the call backs set for an operator.

A hold is a conditional update (``hold``), as ``store.claim`` is: of two operators asking at once, one wins
the contact and the other is given the next, so a card is never shown to two at once. A hold lapses by
itself at ``held_until`` (a console closed without a word), and goes at a skip, a release or a dial.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from ctid.dialer.models import AttemptResult, ContactStatus
from ctid.dialer.records import Attempt, Contact
from ctid.dialer.store import _attempt, _contact  # one reading of a row, the store's
from ctid.dialer.tables import campaign_contacts, dial_attempts

PENDING = ContactStatus.PENDING.value
c = campaign_contacts.c


def _free_for(user_id: int, now: datetime) -> ColumnElement[bool]:
    """Not held by anyone else now (a lapsed hold is no hold)."""
    return or_(c.held_by.is_(None), c.held_by == user_id, c.held_until.is_(None), c.held_until <= now)


async def held_by(conn: AsyncConnection, campaign_id: int, user_id: int, now: datetime) -> Contact | None:
    """The pending contact this operator holds now in this campaign (the card they were shown: a reload
    shows it again, not the next one)."""
    query = (
        select(campaign_contacts)
        .where(
            c.campaign_id == campaign_id,
            c.status == PENDING,
            c.held_by == user_id,
            c.held_until > now,
        )
        .order_by(c.id)
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else _contact(row)


async def candidates(
    conn: AsyncConnection, campaign_id: int, user_id: int, now: datetime, limit: int
) -> list[Contact]:
    """The next due contacts this operator may be shown: their own call backs first, then the others in
    the campaign's order (the longest waiting first: one range of ``ix_campaign_contacts_next``), none
    held by another operator, none a call back kept for another."""
    due = [c.campaign_id == campaign_id, c.status == PENDING, c.next_try_at <= now, _free_for(user_id, now)]
    mine = (
        select(campaign_contacts)
        .where(*due, c.call_back_user_id == user_id)
        .order_by(c.next_try_at, c.id)
        .limit(limit)
    )
    found = [_contact(row) for row in (await conn.execute(mine)).mappings()]
    # a call back is kept for someone only while it is one (``Runner.record`` clears it otherwise)
    anyone = (
        select(campaign_contacts).where(*due, c.call_back_user_id.is_(None)).order_by(c.next_try_at, c.id)
    )
    return found + [_contact(row) for row in (await conn.execute(anyone.limit(limit))).mappings()]


async def earliest_for(conn: AsyncConnection, campaign_id: int, user_id: int) -> datetime | None:
    """When the next contact this operator may be shown comes due (a call back kept for another is not
    theirs), or None when none is pending."""
    query = (
        select(c.next_try_at)
        .where(
            c.campaign_id == campaign_id,
            c.status == PENDING,
            or_(c.call_back_user_id.is_(None), c.call_back_user_id == user_id),
        )
        .order_by(c.next_try_at)
        .limit(1)
    )
    found: datetime | None = (await conn.execute(query)).scalar()
    return found


async def hold(conn: AsyncConnection, contact_id: int, user_id: int, now: datetime, until: datetime) -> bool:
    """The contact is shown to this operator until ``until``, if it still is pending and nobody else holds
    it: whoever wins the update is shown it."""
    query = (
        update(campaign_contacts)
        .where(c.id == contact_id, c.status == PENDING, _free_for(user_id, now))
        .values(held_by=user_id, held_until=until)
    )
    return bool((await conn.execute(query)).rowcount)


async def release(conn: AsyncConnection, contact_id: int, user_id: int | None = None) -> bool:
    """The hold goes (only this operator's, given ``user_id``)."""
    query = update(campaign_contacts).where(c.id == contact_id, c.held_by.is_not(None))
    if user_id is not None:
        query = query.where(c.held_by == user_id)
    return bool((await conn.execute(query.values(held_by=None, held_until=None))).rowcount)


async def skip(
    conn: AsyncConnection, contact_id: int, user_id: int, reason: str, next_try_at: datetime, at: datetime
) -> bool:
    """A card the operator skipped: pending again at ``next_try_at``, the reason kept, no attempt used
    (nobody was called); only a pending contact nobody else holds."""
    query = (
        update(campaign_contacts)
        .where(c.id == contact_id, c.status == PENDING, _free_for(user_id, at))
        .values(
            next_try_at=next_try_at,
            last_result=AttemptResult.SKIPPED.value,
            reason=reason[:200],
            held_by=None,
            held_until=None,
            updated_at=at,
        )
    )
    return bool((await conn.execute(query)).rowcount)


async def attempts_at(conn: AsyncConnection, contact_id: int, limit: int = 20) -> list[Attempt]:
    """A contact's attempts so far, the newest first (``ix_dial_attempts_contact_id``)."""
    query = (
        select(dial_attempts)
        .where(dial_attempts.c.contact_id == contact_id)
        .order_by(dial_attempts.c.started_at.desc(), dial_attempts.c.id.desc())
        .limit(limit)
    )
    return [_attempt(row) for row in (await conn.execute(query)).mappings()]


async def call_backs_for(
    conn: AsyncConnection, user_id: int, campaign_ids: Sequence[int], limit: int
) -> list[Contact]:
    """The call backs kept for this operator in these campaigns, still to make, the soonest first."""
    if not campaign_ids:
        return []
    query = (
        select(campaign_contacts)
        .where(
            and_(
                c.campaign_id.in_(list(campaign_ids)),
                c.status == PENDING,
                c.call_back.is_(True),
                c.call_back_user_id == user_id,
            )
        )
        .order_by(c.next_try_at, c.id)
        .limit(limit)
    )
    return [_contact(row) for row in (await conn.execute(query)).mappings()]
