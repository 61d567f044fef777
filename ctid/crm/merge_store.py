"""SQL of merging two customers, for the CRM's tables: what belongs to the merged customer (vehicle links,
visits, follow-ups and complaints, prospects) counted for the preview and moved to the kept one, the merged
customer deleted (its phones, links and opt-outs go with it: the kept one has what it needed by then), and
the ``customer_merges`` row that leads its old id to the kept one.

The calls are the call log's (ctid.calls.store.move_customer), recordings belong to their calls; the merge
itself, one transaction over both, is ctid.merging's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.crm.models import FollowUpKind, VehicleRole
from ctid.crm.prospect_tables import prospects
from ctid.crm.tables import customer_merges, customer_vehicles, customers, follow_ups, vehicles, visits


@dataclass(frozen=True)
class Belongings:
    """What moves from the merged customer to the kept one, besides phones and opt-outs."""

    vehicles: tuple[tuple[int, str, VehicleRole], ...]  # (vehicle id, plate, role) links the kept one lacks
    visits: int
    follow_ups: int
    complaints: int
    prospects: int


async def belongings(conn: AsyncConnection, merged_id: int, kept_id: int) -> Belongings:
    kept_links = {(vehicle_id, role) for vehicle_id, _plate, role in await _links(conn, kept_id)}
    moving = tuple(link for link in await _links(conn, merged_id) if (link[0], link[2]) not in kept_links)
    kinds = select(follow_ups.c.kind, func.count()).where(follow_ups.c.customer_id == merged_id)
    by_kind: dict[str, int] = dict((await conn.execute(kinds.group_by(follow_ups.c.kind))).all())
    return Belongings(
        vehicles=moving,
        visits=await _count(conn, visits, merged_id),
        follow_ups=sum(n for kind, n in by_kind.items() if kind != FollowUpKind.COMPLAINT.value),
        complaints=by_kind.get(FollowUpKind.COMPLAINT.value, 0),
        prospects=await _count(conn, prospects, merged_id),
    )


async def move(conn: AsyncConnection, merged_id: int, kept_id: int, what: Belongings) -> None:
    """Give the kept customer the merged one's vehicle links (``what.vehicles``), visits, follow-ups and
    prospects."""
    if what.vehicles:
        rows = [
            {"customer_id": kept_id, "vehicle_id": v, "role": role.value} for v, _plate, role in what.vehicles
        ]
        await conn.execute(insert(customer_vehicles), rows)
    for table in (visits, follow_ups, prospects):
        await conn.execute(update(table).where(table.c.customer_id == merged_id).values(customer_id=kept_id))


async def remove(conn: AsyncConnection, merged_id: int, kept_id: int, at: datetime, by: int | None) -> None:
    """Delete the merged customer and remember where it went; earlier merges into it now lead to the kept
    one (one hop, however many merges)."""
    await conn.execute(
        update(customer_merges).where(customer_merges.c.kept_id == merged_id).values(kept_id=kept_id)
    )  # before the delete, whose cascade would take them
    await conn.execute(delete(customers).where(customers.c.id == merged_id))
    await conn.execute(
        insert(customer_merges).values(merged_id=merged_id, kept_id=kept_id, merged_at=at, merged_by=by)
    )


async def kept_for(conn: AsyncConnection, merged_id: int) -> int | None:
    """The customer a merged customer's id now leads to, or None."""
    query = select(customer_merges.c.kept_id).where(customer_merges.c.merged_id == merged_id)
    return await conn.scalar(query)


async def _links(conn: AsyncConnection, customer_id: int) -> list[tuple[int, str, VehicleRole]]:
    query = (
        select(customer_vehicles.c.vehicle_id, vehicles.c.plate, customer_vehicles.c.role)
        .join(vehicles, vehicles.c.id == customer_vehicles.c.vehicle_id)
        .where(customer_vehicles.c.customer_id == customer_id)
        .order_by(vehicles.c.plate, customer_vehicles.c.role)
    )
    return [(v, plate, VehicleRole(role)) for v, plate, role in await conn.execute(query)]


async def _count(conn: AsyncConnection, table: Table, customer_id: int) -> int:
    query = select(func.count()).select_from(table).where(table.c.customer_id == customer_id)
    return int(await conn.scalar(query) or 0)
