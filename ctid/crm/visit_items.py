"""The lines of a repair order: services and parts, priced from the catalogue or by hand.

A line that names a catalogue item takes the item's name and current price unless it gives its own: the
price is copied, so a later change to the catalogue never rewrites an old repair order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncConnection

from ctid.core.errors import N_, ValidationError
from ctid.core.text import clean_text
from ctid.crm import visit_store
from ctid.crm.models import VisitItemKind
from ctid.crm.record_models import VisitItem

MAX_ITEMS = 100
MAX_QUANTITY = 9999
MAX_PRICE = Decimal("10000000")
FEN = Decimal("0.01")
_NAME_LIMIT = 100


@dataclass(frozen=True)
class NewVisitItem:
    name: str = ""
    price: Decimal | None = None  # None: the catalogue's price
    quantity: int = 1
    kind: VisitItemKind = VisitItemKind.SERVICE
    catalogue_item_id: int | None = None


async def resolve(conn: AsyncConnection, given: Sequence[NewVisitItem]) -> tuple[VisitItem, ...]:
    """The items as they will be stored: names and prices filled from the catalogue, every one checked."""
    if len(given) > MAX_ITEMS:
        raise ValidationError("items", N_("At most %(count)d items."), count=MAX_ITEMS)
    wanted = [item.catalogue_item_id for item in given if item.catalogue_item_id is not None]
    catalogue = await visit_store.catalogue_items(conn, wanted) if wanted else {}
    resolved = []
    for item in given:
        name, price = clean_text(item.name), item.price
        if item.catalogue_item_id is not None:
            known = catalogue.get(item.catalogue_item_id)
            if known is None:
                raise ValidationError("items", N_("No such catalogue item."))
            name, price = name or known.name, known.price if price is None else price
        resolved.append(
            _checked(VisitItem(item.kind, name, price or Decimal(0), item.quantity, item.catalogue_item_id))
        )
    return tuple(resolved)


def total(items: Sequence[VisitItem]) -> Decimal:
    return sum((item.total for item in items), Decimal("0.00")).quantize(FEN)


def _checked(item: VisitItem) -> VisitItem:
    if not item.name:
        raise ValidationError("items", N_("Every item needs a name."))
    if len(item.name) > _NAME_LIMIT:
        raise ValidationError("items", N_("At most %(count)d characters."), count=_NAME_LIMIT)
    if not Decimal(0) <= item.price <= MAX_PRICE:
        raise ValidationError("items", N_("A price is between 0 and %(max)s yuan."), max=str(MAX_PRICE))
    if not 1 <= item.quantity <= MAX_QUANTITY:
        raise ValidationError("items", N_("A quantity is between 1 and %(max)d."), max=MAX_QUANTITY)
    return replace(item, price=item.price.quantize(FEN, rounding=ROUND_HALF_UP))
