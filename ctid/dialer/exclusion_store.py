"""The rows of a campaign's exclusions: a contact, or every contact at a number, taken out (with a reason),
and a contact let back in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.dialer.models import ContactStatus
from ctid.dialer.tables import campaign_contacts

STILL_TO_CALL = (ContactStatus.PENDING.value, ContactStatus.DIALLING.value)


async def exclude(
    conn: AsyncConnection,
    campaign_id: int,
    reason: str,
    at: datetime,
    *,
    contact_id: int | None = None,
    number_e164: str | None = None,
) -> list[int]:
    """The campaign's contacts still to call (pending, or being dialled: the call goes on, no retry after
    it) with that id or at that number are excluded; their ids."""
    where = [campaign_contacts.c.campaign_id == campaign_id, campaign_contacts.c.status.in_(STILL_TO_CALL)]
    if contact_id is not None:
        where.append(campaign_contacts.c.id == contact_id)
    if number_e164 is not None:
        where.append(campaign_contacts.c.number_e164 == number_e164)
    ids = [row[0] for row in await conn.execute(select(campaign_contacts.c.id).where(*where))]
    if ids:
        await conn.execute(
            update(campaign_contacts)
            .where(campaign_contacts.c.id.in_(ids))
            .values(status=ContactStatus.EXCLUDED.value, reason=reason, updated_at=at)
        )
    return ids


async def include(conn: AsyncConnection, contact_id: int, at: datetime) -> bool:
    """An excluded contact is pending again, due now, its attempts as they were."""
    query = (
        update(campaign_contacts)
        .where(
            campaign_contacts.c.id == contact_id,
            campaign_contacts.c.status == ContactStatus.EXCLUDED.value,
        )
        .values(status=ContactStatus.PENDING.value, reason="", next_try_at=at, updated_at=at)
    )
    return bool((await conn.execute(query)).rowcount)
