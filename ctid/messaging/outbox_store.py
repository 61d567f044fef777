"""SQL for the SMS outbox (sms_messages, sms_parts). Each status change is one conditional update, so the
sending task and a person's resend never both move the same row."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.paging import Page, PageRequest
from ctid.messaging.models import NewSms, Purpose, SmsFilter, SmsMessage, SmsStatus
from ctid.messaging.tables import sms_messages, sms_parts
from ctid.storage.db import fetch_page

M = sms_messages.c


async def insert_message(conn: AsyncConnection, new: NewSms, now: datetime) -> int:
    values = {
        "branch_id": new.branch_id,
        "customer_id": new.customer_id,
        "number": new.number,
        "text": new.text,
        "template_key": new.template_key,
        "template_code": new.template_code,
        "params": json.dumps(dict(new.params), ensure_ascii=False) if new.params else None,
        "purpose": new.purpose.value,
        "topic": new.topic,
        "status": SmsStatus.QUEUED.value,
        "attempts": 0,
        "created_by": new.created_by,
        "created_at": now,
    }
    return int((await conn.execute(insert(sms_messages).values(**values).returning(M.id))).scalar_one())


async def get_message(conn: AsyncConnection, message_id: int) -> SmsMessage | None:
    row = (await conn.execute(select(sms_messages).where(M.id == message_id))).mappings().first()
    return _message(row) if row else None


async def due(
    conn: AsyncConnection, now: datetime, purposes: Collection[Purpose], limit: int
) -> list[SmsMessage]:
    """Queued messages whose time has come, oldest first."""
    query = (
        select(sms_messages)
        .where(
            M.status == SmsStatus.QUEUED.value,
            or_(M.next_try_at.is_(None), M.next_try_at <= now),
            M.purpose.in_([p.value for p in purposes]),
        )
        .order_by(M.id)
        .limit(limit)
    )
    return [_message(row) for row in (await conn.execute(query)).mappings()]


async def next_try(conn: AsyncConnection, purposes: Collection[Purpose]) -> datetime | None:
    """The earliest time a queued message of these purposes waits for (None: none waits)."""
    query = (
        select(M.next_try_at)
        .where(
            M.status == SmsStatus.QUEUED.value,
            M.next_try_at.is_not(None),
            M.purpose.in_([p.value for p in purposes]),
        )
        .order_by(M.next_try_at)
        .limit(1)
    )
    found: datetime | None = await conn.scalar(query)
    return found


async def claim(conn: AsyncConnection, message_id: int, sender: str) -> bool:
    """Queued -> sending, one more attempt, with the sender that will send it; False when the row was no
    longer queued (a person cancelled it meanwhile)."""
    query = (
        update(sms_messages)
        .where(M.id == message_id, M.status == SmsStatus.QUEUED.value)
        .values(status=SmsStatus.SENDING.value, sender=sender, attempts=M.attempts + 1)
    )
    return (await conn.execute(query)).rowcount == 1


async def settle(
    conn: AsyncConnection, message_id: int, status: SmsStatus, values: dict[str, Any] | None = None
) -> None:
    """What became of a send: sent, failed, unknown, or queued again (``next_try_at``) after a retryable
    failure. Only a row still ``sending`` is changed."""
    query = (
        update(sms_messages)
        .where(M.id == message_id, M.status == SmsStatus.SENDING.value)
        .values(status=status.value, **(values or {}))
    )
    await conn.execute(query)


async def add_parts(conn: AsyncConnection, message_id: int, sender: str, provider_ids: Iterable[str]) -> None:
    rows = [{"message_id": message_id, "sender": sender, "provider_id": pid} for pid in provider_ids]
    if rows:
        await conn.execute(insert(sms_parts), rows)


async def recover_sending(conn: AsyncConnection, requeue: Collection[str], error: str) -> tuple[int, int]:
    """At start: rows left ``sending`` by a killed daemon. A row whose sender's provider deduplicates by
    our reference goes back to the queue; every other becomes ``unknown``. Returns (unknown, requeued)."""
    sending = M.status == SmsStatus.SENDING.value
    requeued = 0
    if requeue:
        again = update(sms_messages).where(sending, M.sender.in_(list(requeue)))
        requeued = (await conn.execute(again.values(status=SmsStatus.QUEUED.value))).rowcount
    lost = update(sms_messages).where(sending).values(status=SmsStatus.UNKNOWN.value, error=error)
    return (await conn.execute(lost)).rowcount, requeued


async def requeue(conn: AsyncConnection, message_id: int, from_status: Collection[SmsStatus]) -> bool:
    """A person's resend of an unknown or failed message: queued again now, its error cleared."""
    query = (
        update(sms_messages)
        .where(M.id == message_id, M.status.in_([s.value for s in from_status]))
        .values(status=SmsStatus.QUEUED.value, next_try_at=None, error=None)
    )
    return (await conn.execute(query)).rowcount == 1


async def cancel_queued(conn: AsyncConnection, number: str, purpose: Purpose, error: str) -> int:
    """Queued messages of ``purpose`` to ``number`` fail (the number opted out meanwhile)."""
    query = (
        update(sms_messages)
        .where(M.number == number, M.purpose == purpose.value, M.status == SmsStatus.QUEUED.value)
        .values(status=SmsStatus.FAILED.value, error=error)
    )
    return (await conn.execute(query)).rowcount


async def find_part(conn: AsyncConnection, sender: str, provider_id: str) -> tuple[int, int] | None:
    """(part id, message id) of the newest message of ``sender`` with that provider id (a modem reuses its
    references after 255)."""
    query = (
        select(sms_parts.c.id, sms_parts.c.message_id)
        .where(sms_parts.c.sender == sender, sms_parts.c.provider_id == provider_id)
        .order_by(sms_parts.c.id.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return (int(row.id), int(row.message_id)) if row else None


async def set_part_status(conn: AsyncConnection, part_id: int, status: str) -> None:
    await conn.execute(update(sms_parts).where(sms_parts.c.id == part_id).values(status=status))


async def part_statuses(conn: AsyncConnection, message_id: int) -> list[str | None]:
    query = select(sms_parts.c.status).where(sms_parts.c.message_id == message_id).order_by(sms_parts.c.id)
    return [row.status for row in await conn.execute(query)]


async def provider_ids(conn: AsyncConnection, message_id: int) -> list[str]:
    query = (
        select(sms_parts.c.provider_id).where(sms_parts.c.message_id == message_id).order_by(sms_parts.c.id)
    )
    return [row.provider_id for row in await conn.execute(query)]


async def report(
    conn: AsyncConnection, message_id: int, status: SmsStatus, at: datetime, error: str | None = None
) -> None:
    """A delivery report's verdict on a sent message (delivered, or failed with the network's words)."""
    values: dict[str, Any] = {"status": status.value}
    if status is SmsStatus.DELIVERED:
        values["delivered_at"] = at
    if error is not None:
        values["error"] = error
    settled = (SmsStatus.SENT.value, SmsStatus.DELIVERED.value, SmsStatus.UNKNOWN.value)
    await conn.execute(update(sms_messages).where(M.id == message_id, M.status.in_(settled)).values(values))


async def move_customer(conn: AsyncConnection, merged_id: int, kept_id: int) -> None:
    """A merged customer's messages become the kept one's (its SMS history follows it)."""
    await conn.execute(update(sms_messages).where(M.customer_id == merged_id).values(customer_id=kept_id))


async def search(conn: AsyncConnection, where: SmsFilter, page: PageRequest) -> Page[SmsMessage]:
    return await fetch_page(
        conn, select(sms_messages).where(*_conditions(where)), [M.id.desc()], page, _message
    )


async def counts(conn: AsyncConnection, branch_id: int | None = None) -> dict[SmsStatus, int]:
    query = select(M.status, func.count()).group_by(M.status)
    if branch_id is not None:
        query = query.where(M.branch_id == branch_id)
    return {SmsStatus(row[0]): int(row[1]) for row in await conn.execute(query)}


def _conditions(where: SmsFilter) -> list[Any]:
    conditions: list[Any] = []
    pairs: list[tuple[Any, Any]] = [
        (M.branch_id, where.branch_id),
        (M.customer_id, where.customer_id),
        (M.number, where.number),
        (M.status, where.status.value if where.status else None),
        (M.purpose, where.purpose.value if where.purpose else None),
        (M.created_by, where.created_by),
    ]
    conditions += [column == value for column, value in pairs if value is not None]
    if where.since is not None:
        conditions.append(M.created_at >= where.since)
    if where.until is not None:
        conditions.append(M.created_at < where.until)
    return [and_(*conditions)] if conditions else []


def _message(row: RowMapping) -> SmsMessage:
    return SmsMessage(
        id=row["id"],
        branch_id=row["branch_id"],
        customer_id=row["customer_id"],
        number=row["number"],
        text=row["text"],
        template_key=row["template_key"],
        template_code=row["template_code"],
        params=json.loads(row["params"]) if row["params"] else {},
        purpose=Purpose(row["purpose"]),
        topic=row["topic"],
        status=SmsStatus(row["status"]),
        attempts=row["attempts"],
        next_try_at=row["next_try_at"],
        sender=row["sender"],
        error=row["error"] or "",
        created_by=row["created_by"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        delivered_at=row["delivered_at"],
    )
