"""The service-item catalogue: everyone reads it, admins change it, codes are unique, prices audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ctid.core.errors import PermissionDenied, ValidationError
from ctid.crm.catalogue import NewCatalogueItem
from ctid.crm.record_models import CatalogueFilter
from ctid.crm.scope import Taken
from tests.crm.records.support import World


async def test_admins_keep_the_catalogue(world: World) -> None:
    catalogue, admin = world.records.catalogue, world.actor(world.admin)
    wash = await catalogue.create(
        admin, world.admin, NewCatalogueItem("WASH", "洗车", Decimal(30), "洗车", position=2)
    )
    await catalogue.create(
        admin, world.admin, NewCatalogueItem("OIL", "小保养", Decimal("398.5"), "保养", position=1)
    )
    with pytest.raises(Taken) as taken:
        await catalogue.create(admin, world.admin, NewCatalogueItem(" WASH ", "精洗", Decimal(50)))
    assert taken.value.field == "code"
    with pytest.raises(ValidationError) as refused:
        await catalogue.create(admin, world.admin, NewCatalogueItem("X", "贵", Decimal("1e9")))
    assert refused.value.field == "price"
    for user in (world.olga, world.supervisor):
        with pytest.raises(PermissionDenied):
            await catalogue.create(world.actor(user), user, NewCatalogueItem("DETAIL", "美容", Decimal(200)))
        with pytest.raises(PermissionDenied):
            await catalogue.update(world.actor(user), user, wash.id, {"price": Decimal(1)})
    changed = await catalogue.update(admin, world.admin, wash.id, {"price": Decimal(35), "active": False})
    assert (changed.price, changed.active) == (Decimal("35.00"), False)
    listed = await catalogue.page(world.olga, CatalogueFilter())
    assert [i.code for i in listed.items] == ["OIL", "WASH"]
    assert [i.code for i in (await catalogue.page(world.olga, CatalogueFilter(active=True))).items] == ["OIL"]
    from ctid.audit.models import AuditFilter
    from ctid.audit.service import AuditService

    [entry] = (await AuditService(world.db).search(AuditFilter(action="catalogue.update"))).items
    assert (entry.before, entry.after) == (
        {"price": "30.00", "active": True},
        {"price": "35.00", "active": False},
    )
