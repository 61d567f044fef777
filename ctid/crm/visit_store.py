"""SQL for visits / repair orders, their items, and the service-item catalogue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.paging import Page
from ctid.crm.models import VisitItemKind, VisitStatus
from ctid.crm.record_models import CatalogueFilter, CatalogueItem, VisitFilter, VisitItem, VisitRecord
from ctid.crm.tables import service_catalogue, vehicles, visit_items, visits
from ctid.storage.db import fetch_page

_VISITS = select(visits, vehicles.c.plate, vehicles.c.branch_id).join(
    vehicles, vehicles.c.id == visits.c.vehicle_id
)


async def get_visit(conn: AsyncConnection, visit_id: int) -> VisitRecord | None:
    row = (await conn.execute(_VISITS.where(visits.c.id == visit_id))).mappings().first()
    if row is None:
        return None
    [visit] = await _with_parts(conn, [_visit(row)])
    return visit


async def list_visits(conn: AsyncConnection, where: VisitFilter) -> Page[VisitRecord]:
    """Newest first, each with its items."""
    conditions: list[Any] = []
    if where.branch_id is not None:
        conditions.append(vehicles.c.branch_id == where.branch_id)
    if where.customer_id is not None:
        conditions.append(visits.c.customer_id == where.customer_id)
    if where.vehicle_id is not None:
        conditions.append(visits.c.vehicle_id == where.vehicle_id)
    if where.status is not None:
        conditions.append(visits.c.status == where.status.value)
    order = [visits.c.visited_on.desc(), visits.c.id.desc()]
    page = await fetch_page(conn, _VISITS.where(*conditions), order, where.page, _visit)
    return replace(page, items=await _with_parts(conn, page.items))


async def insert_visit(conn: AsyncConnection, values: dict[str, Any], items: Sequence[VisitItem]) -> int:
    visit_id = int((await conn.execute(insert(visits).values(**values).returning(visits.c.id))).scalar_one())
    await _insert_items(conn, visit_id, items)
    return visit_id


async def update_visit(conn: AsyncConnection, visit_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(visits).where(visits.c.id == visit_id).values(**values))


async def replace_items(conn: AsyncConnection, visit_id: int, items: Sequence[VisitItem]) -> None:
    await conn.execute(delete(visit_items).where(visit_items.c.visit_id == visit_id))
    await _insert_items(conn, visit_id, items)


async def _insert_items(conn: AsyncConnection, visit_id: int, items: Sequence[VisitItem]) -> None:
    rows = [
        {
            "visit_id": visit_id,
            "kind": item.kind.value,
            "name": item.name,
            "price": item.price,
            "quantity": item.quantity,
            "catalogue_item_id": item.catalogue_item_id,
        }
        for item in items
    ]
    if rows:
        await conn.execute(insert(visit_items), rows)


async def _with_parts(conn: AsyncConnection, found: list[VisitRecord]) -> list[VisitRecord]:
    """Each visit with its items and the ids of the visits that correct it (two queries for a page)."""
    ids = [v.id for v in found]
    if not ids:
        return found
    items: dict[int, list[VisitItem]] = defaultdict(list)
    item_query = select(visit_items).where(visit_items.c.visit_id.in_(ids)).order_by(visit_items.c.id)
    for row in await conn.execute(item_query):
        item = VisitItem(VisitItemKind(row.kind), row.name, row.price, row.quantity, row.catalogue_item_id)
        items[row.visit_id].append(item)
    corrections: dict[int, list[int]] = defaultdict(list)
    query = select(visits.c.id, visits.c.corrects_visit_id).where(visits.c.corrects_visit_id.in_(ids))
    for row in await conn.execute(query.order_by(visits.c.id)):
        corrections[row.corrects_visit_id].append(row.id)
    return [replace(v, items=tuple(items[v.id]), corrected_by=tuple(corrections[v.id])) for v in found]


def _visit(row: RowMapping) -> VisitRecord:
    return VisitRecord(
        id=row["id"],
        branch_id=row["branch_id"],
        vehicle_id=row["vehicle_id"],
        plate=row["plate"],
        customer_id=row["customer_id"],
        visited_on=row["visited_on"],
        mileage_km=row["mileage_km"],
        amount=row["amount"],
        advisor=row["advisor"],
        notes=row["notes"],
        status=VisitStatus(row["status"]),
        closed_at=row["closed_at"],
        corrects_visit_id=row["corrects_visit_id"],
        created_by=row["created_by"],
    )


# --- the catalogue ----------------------------------------------------------------------------------------


async def list_catalogue(conn: AsyncConnection, where: CatalogueFilter) -> Page[CatalogueItem]:
    conditions: list[Any] = []
    if where.active is not None:
        conditions.append(service_catalogue.c.active == where.active)
    if where.category:
        conditions.append(service_catalogue.c.category == where.category)
    order = [service_catalogue.c.position, service_catalogue.c.code]
    return await fetch_page(conn, select(service_catalogue).where(*conditions), order, where.page, _item)


async def catalogue_items(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, CatalogueItem]:
    query = select(service_catalogue).where(service_catalogue.c.id.in_(list(ids)))
    return {item.id: item for item in map(_item, (await conn.execute(query)).mappings())}


async def catalogue_id_by_code(conn: AsyncConnection, code: str) -> int | None:
    found = await conn.scalar(select(service_catalogue.c.id).where(service_catalogue.c.code == code))
    return int(found) if found is not None else None


async def insert_catalogue_item(conn: AsyncConnection, values: dict[str, Any]) -> int:
    query = insert(service_catalogue).values(**values).returning(service_catalogue.c.id)
    return int((await conn.execute(query)).scalar_one())


async def update_catalogue_item(conn: AsyncConnection, item_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(service_catalogue).where(service_catalogue.c.id == item_id).values(**values))


def _item(row: RowMapping) -> CatalogueItem:
    return CatalogueItem(**{c.name: row[c.name] for c in service_catalogue.c})
